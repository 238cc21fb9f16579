// kubectl logs -f, attach -i and debug -i through the gateway's TLS endpoint
// against the local cluster: each command's whole journey (discovery, get,
// watch, PATCH ephemeralcontainers, attach, log) under the caller's policy.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServerCertificate } from '@webterm/local-cluster';
import { kubectlBinaries, kubectlOfMinor, runKubectl } from '../../helpers/kubectl.js';
import { startStack, type Stack } from '../../helpers/stack.js';

let stack: Stack;
let dir: string;
let caFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gateway-kubectl-debug-'));
  const certificate = createServerCertificate('gateway-kubectl-debug-ca');
  writeFileSync(join(dir, 'tls.crt'), certificate.certPem + certificate.caPem);
  writeFileSync(join(dir, 'tls.key'), certificate.keyPem);
  caFile = join(dir, 'ca.crt');
  writeFileSync(caFile, certificate.caPem);
  stack = await startStack({
    config: {
      listen: { tls: { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') } },
      policy: [{ groups: ['dev'], clusters: ['local'], namespaces: ['default'], allow: ['exec', 'logs', 'debug'] }],
      debug: { images: ['busybox:1.36'], timeoutSeconds: 20 },
    },
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const versions = [...new Set([...kubectlBinaries(), kubectlOfMinor(30)].filter((b): b is string => b !== undefined))];

function flags(): string[] {
  return ['--server', `${stack.gatewayUrl}/k8s/clusters/local`, '--certificate-authority', caFile, '--token', stack.token()];
}

interface Running {
  /** Resolves once the stream's text so far matches. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<string>;
  write(text: string): void;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/**
 * Starts kubectl with its stdin left open, as a person at a terminal runs
 * it: the attach lasts until the container's process ends (or kubectl is
 * stopped), and input goes in when the test writes it.
 */
function start(binary: string, args: string[]): Running {
  const child = spawn(binary, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() }, stdio: 'pipe' });
  const text = { stdout: '', stderr: '' };
  const waiters: Array<() => void> = [];
  const check = () => waiters.splice(0).forEach((w) => w());
  child.stdout.on('data', (d: Buffer) => ((text.stdout += d.toString()), check()));
  child.stderr.on('data', (d: Buffer) => ((text.stderr += d.toString()), check()));
  child.stdin.on('error', () => undefined);
  const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(killer);
      check();
      resolve({ code, ...text });
    }),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    waitFor: (stream, pattern) =>
      new Promise((resolve, reject) => {
        const test = () => {
          if (pattern.test(text[stream])) resolve(text[stream]);
          else if (done) reject(new Error(`kubectl ended without ${String(pattern)}; stdout: ${text.stdout}; stderr: ${text.stderr}`));
          else waiters.push(test);
        };
        test();
      }),
    write: (input) => void child.stdin.write(input),
    exited,
    async stop() {
      if (!done) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** kubectl prints this just before it attaches. */
const ATTACHING = /If you don't see a command prompt/;

describe.each(versions)('%s through the gateway', (kubectl) => {
  const minor = /kubectl\.1\.(\d+)$/.exec(kubectl)?.[1] ?? 'plain';
  const run = (args: string[]) => runKubectl(kubectl, [...flags(), ...args], { timeoutMs: 30_000 });
  const running: Running[] = [];
  const startKubectl = (args: string[]) => {
    const one = start(kubectl, [...flags(), ...args]);
    running.push(one);
    return one;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((one) => one.stop()));
  });

  it('kubectl logs --tail=1, and logs -f shows a heartbeat written after it started', async () => {
    const once = await run(['logs', 'web-0', '-c', 'web', '--tail=1']);
    expect(once.stderr).toBe('');
    expect(once.code).toBe(0);
    expect(once.stdout.toString().trim().split('\n')).toHaveLength(1);
    const follow = startKubectl(['logs', '-f', 'web-0', '--tail=0']);
    expect(await follow.waitFor('stdout', /heartbeat \d+\n/)).toMatch(/^\S+ heartbeat \d+\n/);
  });

  it('kubectl debug -i --target runs a command in a new debug container and ends with it', async () => {
    const name = `dbg-cmd-${minor}`;
    const debug = startKubectl([
      'debug',
      '-i',
      'web-0',
      '--image=busybox:1.36',
      '--target=web',
      '-c',
      name,
      '--',
      'sh',
      '-c',
      'read go; echo from the debug container',
    ]);
    await debug.waitFor('stderr', ATTACHING);
    debug.write('go\n');
    const result = await debug.exited;
    expect(result.stdout).toContain('from the debug container\n');
    expect(result.stdout).toContain('Targeting container "web"'); // kubectl prints this on stdout
    expect(result.code).toBe(0);
    const pod = await run(['get', 'pod', 'web-0', '-o', 'json']);
    const parsed = JSON.parse(pod.stdout.toString()) as {
      spec: { ephemeralContainers: Array<{ name: string; image: string; targetContainerName: string }> };
    };
    expect(parsed.spec.ephemeralContainers).toContainEqual(
      expect.objectContaining({ name, image: 'busybox:1.36', targetContainerName: 'web' }),
    );
  });

  it('kubectl debug -i with a shell reads what is typed into it', async () => {
    const debug = startKubectl(['debug', '-i', 'web-0', '--image=busybox:1.36', '--target=web', '-c', `dbg-sh-${minor}`, '--', 'sh']);
    await debug.waitFor('stderr', ATTACHING);
    debug.write('echo typed $((6*7))\nexit 0\n');
    const result = await debug.exited;
    expect(result.stdout).toContain('typed 42\n');
    expect(result.code).toBe(0);
  });

  it('kubectl attach -i reaches a debug container started with --attach=false', async () => {
    const name = `dbg-attach-${minor}`;
    const started = await run(['debug', '-i', '--attach=false', 'web-0', '--image=busybox:1.36', '--target=web', '-c', name, '--', 'sh']);
    expect(started.code).toBe(0);
    // Attach once the container runs, as kubectl debug itself waits (the kubelet has no such container before).
    const watch = startKubectl([
      'get',
      'pod',
      'web-0',
      '--watch',
      '-o',
      `jsonpath={.status.ephemeralContainerStatuses[?(@.name=="${name}")].state.running.startedAt}{"\\n"}`,
    ]);
    await watch.waitFor('stdout', /\d{4}-\d\d-\d\dT/);
    const attach = startKubectl(['attach', '-i', 'web-0', '-c', name]);
    await attach.waitFor('stderr', ATTACHING);
    attach.write('echo attached $((40+2))\n');
    await attach.waitFor('stdout', /attached 42\n/);
  });
});
