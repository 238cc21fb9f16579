// What runs behind an exec: real processes in the container's directory and
// environment, a PTY that follows resizes, containers without bash, and no
// process left once the client has gone.
import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { processAlive, sessionMembers } from '@webterm/local-cluster/sessions';
import { poll, socketOf } from '../../helpers/terminal-client.js';
import { commandQuery, rawExec } from './raw-client.js';

let cluster: LocalCluster;

beforeAll(async () => {
  cluster = await startLocalCluster({
    spec: {
      namespaces: {
        default: {
          pods: [
            { name: 'shell-0', containers: [{ name: 'shell', env: { GREETING: 'hello' }, path: ['/opt/pod-tools'] }] },
            { name: 'tiny-0', containers: [{ name: 'main', shells: ['sh'] }] },
            { name: 'web', replicas: 3, labels: { app: 'web' }, containers: [{ name: 'c', workDir: 'srv' }] },
          ],
        },
      },
    },
  });
});

afterAll(async () => {
  await cluster?.stop();
});

/** Runs argv to the end over v5 and returns stdout and the status. */
async function run(argv: string[], pod = 'shell-0', extra = '') {
  const exec = rawExec(cluster, `${commandQuery(argv)}&stdout=true&stderr=true${extra}`, ['v5.channel.k8s.io'], { pod });
  await exec.closed;
  return { stdout: exec.output(1), stderr: exec.output(2), status: exec.status() };
}

describe('containers', () => {
  it('has no bash in a container that declares only sh, and sh works there', async () => {
    const missing = await run(['sh', '-c', 'command -v bash || echo no-bash; command -v sh >/dev/null && echo has-sh'], 'tiny-0');
    expect(missing.stdout).toBe('no-bash\nhas-sh\n');
    const direct = await run(['bash', '-c', 'true'], 'tiny-0');
    expect(direct.status).toMatchObject({ reason: 'InternalError' });
    expect(String(direct.status.message)).toContain('exec: "bash": executable file not found in $PATH');
    expect((await run(['bash', '-c', 'echo $BASH_VERSION'])).stdout).toMatch(/^\d+\./);
  });

  it('runs in the container working directory with HOSTNAME, the spec env and the PATH additions', async () => {
    const { stdout } = await run(['sh', '-c', 'pwd; echo $HOSTNAME; echo $GREETING; echo $PATH']);
    const [pwd, hostname, greeting, path] = stdout.split('\n');
    expect(pwd).toBe(cluster.pod('default', 'shell-0')!.workDir('shell'));
    expect(existsSync(pwd!)).toBe(true);
    expect(hostname).toBe('shell-0');
    expect(greeting).toBe('hello');
    expect(path!.split(':')).toContain('/opt/pod-tools');
  });

  it("keeps the container's PATH in login shells, which read the host's /etc/profile first", async () => {
    const shell = await run(['sh', '-l', '-c', 'command -v hostname; hostname; echo "$PATH"; command -v bash >/dev/null && echo has-bash']);
    const [program, hostname, path, bash] = shell.stdout.split('\n');
    const [podBin, additions] = path!.split(':');
    expect(program).toBe(`${podBin}/hostname`);
    expect(hostname).toBe('shell-0');
    expect(additions).toBe('/opt/pod-tools');
    expect(bash).toBe('has-bash');
    const tiny = await run(['sh', '-l', '-c', 'command -v bash || echo no-bash; echo "$PS1"'], 'tiny-0');
    expect(tiny.stdout).toMatch(/^no-bash\ntiny-0:/);
  });

  it('names the pod as its host name (hostname, uname), as a pod does, and will not rename the machine', async () => {
    const names = await run(['sh', '-c', 'hostname; echo "$(hostname -s)"; hostname -i'], 'web-1');
    expect(names.stdout).toBe('web-1\nweb-1\n127.0.0.1\n');
    const uname = await run(['sh', '-c', 'uname -n; uname -a; uname -s'], 'web-1');
    const [node, all, kernel] = uname.stdout.split('\n');
    expect(node).toBe('web-1');
    expect(all!.split(' ').slice(0, 2)).toEqual([kernel, 'web-1']);
    expect(all).not.toContain(` ${hostname()} `);
    expect(kernel).toBe(execFileSync('uname', ['-s'], { encoding: 'utf8' }).trim());
    const rename = await run(['hostname', 'elsewhere']);
    expect(rename.stderr).toBe('hostname: you must be root to change the host name\n');
    expect(rename.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode' });
  });

  it('expands replicas into pods with their own working directories', async () => {
    expect(
      cluster
        .pods()
        .filter((p) => p.labels.app === 'web')
        .map((p) => p.name),
    ).toEqual(['web-0', 'web-1', 'web-2']);
    const { stdout } = await run(['pwd'], 'web-2');
    expect(stdout.trim()).toBe(cluster.pod('default', 'web-2')!.workDir('c'));
    expect(stdout.trim().endsWith('/srv')).toBe(true);
    expect(cluster.pod('default', 'web-1')!.workDir('c')).not.toBe(cluster.pod('default', 'web-2')!.workDir('c'));
  });
});

describe('terminals', () => {
  it('gives tty=true a PTY that follows resize messages on channel 4', async () => {
    const exec = rawExec(cluster, `${commandQuery(['sh', '-c', 'stty size; read line; stty size'])}&stdin=true&stdout=true&tty=true`, [
      'v5.channel.k8s.io',
    ]);
    await exec.opened;
    await poll(() => /\d+ \d+/.test(exec.output(1)), 5000, 'the first size');
    // kubectl's form: TerminalSize JSON with a newline; keys in any case are accepted.
    exec.ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":123,"Height":45}\n')]));
    exec.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('\n')]));
    expect(await exec.closed).toBe(1000);
    const sizes = exec.output(1).match(/\d+ \d+/g);
    expect(sizes).toEqual(['24 80', '45 123']);
    expect(exec.status()).toEqual({ metadata: {}, status: 'Success' });
  });

  it('reads the JavaScript client resize form too ({"height","width"} in lower case)', async () => {
    const exec = rawExec(cluster, `${commandQuery(['sh', '-c', 'read line; stty size'])}&stdin=true&stdout=true&tty=true`, [
      'v4.channel.k8s.io',
    ]);
    await exec.opened;
    exec.ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"height":30,"width":90}')]));
    exec.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('\n')]));
    await exec.closed;
    expect(exec.output(1)).toContain('30 90');
  });
});

describe('ending an exec', () => {
  it.each([false, true])('leaves no process when the client disconnects mid-command (tty=%s)', async (tty) => {
    // A background child, one that ignores SIGHUP, and one in a session of its own.
    const script = 'sleep 300 & (trap "" HUP; exec sleep 301) & setsid sleep 302 & echo pids $$ $!; wait';
    const exec = rawExec(cluster, `${commandQuery(['sh', '-c', script])}&stdout=true&stdin=true&tty=${tty}`, ['v5.channel.k8s.io']);
    await poll(() => /pids \d+ \d+/.test(exec.output(1)), 5000, 'the pids');
    const [, shell, escaped] = /pids (\d+) (\d+)/.exec(exec.output(1))!.map(Number);
    await poll(() => sessionMembers(shell!).length >= 3, 5000, 'the children to start');
    const members = sessionMembers(shell!);
    expect(cluster.activeExecs()).toBe(1);
    exec.ws.terminate();
    await poll(() => sessionMembers(shell!).length === 0 && cluster.activeExecs() === 0, 5000, 'every process of the exec to end');
    for (const pid of [...members, escaped!]) expect(processAlive(pid)).toBe(false);
  });

  it('also ends what a finished command left running in the background', async () => {
    const exec = rawExec(cluster, `${commandQuery(['sh', '-c', 'sleep 303 >/dev/null 2>&1 & echo $$'])}&stdout=true`, [
      'v5.channel.k8s.io',
    ]);
    expect(await exec.closed).toBe(1000);
    expect(exec.status()).toEqual({ metadata: {}, status: 'Success' });
    const shell = Number(exec.output(1).trim());
    await poll(() => sessionMembers(shell).length === 0, 5000, 'the background sleep to end');
  });

  it('closes stdin on the v5 CLOSE signal and the command finishes normally', async () => {
    const exec = rawExec(cluster, `${commandQuery(['sh', '-c', 'cat; echo done'])}&stdin=true&stdout=true`, ['v5.channel.k8s.io']);
    await exec.opened;
    exec.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('line\n')]));
    exec.ws.send(Buffer.from([255, 0]));
    expect(await exec.closed).toBe(1000);
    expect(exec.output(1)).toBe('line\ndone\n');
  });

  it('stops reading output while the client does not read, without losing a byte', async () => {
    const exec = rawExec(cluster, `${commandQuery(['sh', '-c', 'head -c 8000000 /dev/zero | tr "\\0" "x"'])}&stdout=true`, [
      'v5.channel.k8s.io',
    ]);
    await exec.opened;
    // Stop reading from the socket for a while: the server's buffer fills and it pauses the process.
    const socket = socketOf(exec.ws);
    socket.pause();
    await new Promise((r) => setTimeout(r, 300));
    socket.resume();
    expect(await exec.closed).toBe(1000);
    expect(exec.output(1).length).toBe(8_000_000);
  });
});
