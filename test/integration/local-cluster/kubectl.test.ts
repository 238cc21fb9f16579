// The installed kubectl against the embedded local cluster, with the
// kubeconfig it writes: a real client, no mock of the protocol.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { kubectlBinaries, runKubectl, writeKubeconfig } from '../../helpers/kubectl.js';

let cluster: LocalCluster;
let kubeconfig: { path: string; remove(): void };

beforeAll(async () => {
  cluster = await startLocalCluster();
  kubeconfig = writeKubeconfig(cluster.kubeconfig());
});

afterAll(async () => {
  await cluster?.stop();
  kubeconfig?.remove();
});

const binaries = kubectlBinaries();
if (binaries.length === 0) throw new Error('kubectl is not installed: these tests need the real client');

describe.each(binaries)('%s', (kubectl) => {
  const run = (args: string[], input?: Buffer | string) => runKubectl(kubectl, ['--kubeconfig', kubeconfig.path, ...args], { input });

  it('execs echo', async () => {
    const result = await run(['exec', 'shell-0', '--', 'echo', 'hello from a pod']);
    expect(result.stderr).toBe('');
    expect(result.stdout.toString()).toBe('hello from a pod\n');
    expect(result.code).toBe(0);
  });

  it('carries piped stdin byte-exact with exec -i', async () => {
    const input = randomBytes(256 * 1024);
    const result = await run(['exec', '-i', 'shell-0', '--', 'sha256sum'], input);
    expect(result.code).toBe(0);
    expect(result.stdout.toString().split(' ')[0]).toBe(createHash('sha256').update(input).digest('hex'));
    const echoed = await run(['exec', '-i', 'shell-0', '--', 'cat'], input);
    expect(Buffer.compare(echoed.stdout, input)).toBe(0);
  });

  it('propagates exit code 3', async () => {
    const result = await run(['exec', 'shell-0', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(result.code).toBe(3);
    expect(result.stdout.toString()).toBe('out\n');
    expect(result.stderr).toContain('err\n');
    expect(result.stderr).toContain('command terminated with exit code 3');
  });

  it('gives exec -it a real terminal that follows the sizes kubectl sends, at start and on SIGWINCH', async () => {
    // The pod runs on this machine, so the test and the pod share files: the
    // scripts below meet through them instead of sleeping for a while.
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-tty-'));
    try {
      // In the pod: wait for kubectl's first resize (the PTY starts at 24x80), report; wait for the next, report.
      writeFileSync(
        join(dir, 'pod.sh'),
        [
          'waitfor() { i=0; while [ "$(stty size)" = "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; }',
          'tty; waitfor "24 80"; stty size',
          `touch ${dir}/started`,
          'waitfor "31 97"; stty size',
        ].join('\n'),
      );
      // On the client side, under script(1): the terminal kubectl reads its size from, resized mid-session.
      writeFileSync(
        join(dir, 'client.sh'),
        [
          'stty cols 97 rows 31',
          `${kubectl} --kubeconfig ${kubeconfig.path} exec -it shell-0 -- sh ${dir}/pod.sh </dev/tty &`,
          `i=0; while [ ! -e ${dir}/started ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done`,
          // The kernel sends kubectl SIGWINCH; kubectl sends the new size on channel 4.
          'stty cols 120 rows 50 </dev/tty',
          'wait $!',
        ].join('\n'),
      );
      const result = await runKubectl('/usr/bin/script', ['-qec', `sh ${dir}/client.sh`, '/dev/null'], { timeoutMs: 20_000 });
      const text = result.stdout.toString();
      expect(text).toMatch(/\/dev\/pts\/\d+/);
      expect(text.match(/\d+ \d+\r?\n/g)?.map((s) => s.trim())).toEqual(['31 97', '50 120']);
      expect(result.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names an unknown pod and an unknown container', async () => {
    const pod = await run(['exec', 'no-such-pod', '--', 'true']);
    expect(pod.code).not.toBe(0);
    expect(pod.stderr).toContain('pods "no-such-pod" not found');
    const container = await run(['exec', 'shell-0', '-c', 'nope', '--', 'true']);
    expect(container.code).not.toBe(0);
    expect(container.stderr).toContain('container nope is not valid for pod shell-0');
  });

  it('lists pods with the columns of a real server, and all namespaces', async () => {
    const result = await run(['get', 'pods']);
    expect(result.code).toBe(0);
    const lines = result.stdout.toString().trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4).join(' '))).toEqual([
      'shell-0 1/1 Running 0',
      'sidecar-0 2/2 Running 0',
      'tiny-0 1/1 Running 0',
      'web-0 1/1 Running 0',
    ]);
    const all = await run(['get', 'pods', '-A', '-o', 'wide']);
    const header = all.stdout.toString().split('\n')[0]!;
    expect(header).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    expect(all.stdout.toString()).toMatch(/ingress-nginx\s+ingress-nginx-controller-1\s+1\/1\s+Running/);
    const namespaces = await run(['get', 'namespaces', '-o', 'name']);
    expect(namespaces.stdout.toString().trim().split('\n')).toEqual(['namespace/default', 'namespace/ingress-nginx']);
  });

  it('gets one pod as JSON', async () => {
    const result = await run(['get', 'pod', 'sidecar-0', '-o', 'json']);
    expect(result.code).toBe(0);
    const pod = JSON.parse(result.stdout.toString()) as {
      kind: string;
      metadata: { name: string };
      spec: { containers: Array<{ name: string }> };
      status: { phase: string };
    };
    expect(pod.kind).toBe('Pod');
    expect(pod.metadata.name).toBe('sidecar-0');
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['app', 'sidecar']);
    expect(pod.status.phase).toBe('Running');
  });

  it('picks a container of a multi-container pod with -c, and has no bash in tiny-0', async () => {
    const sidecar = await run(['exec', 'sidecar-0', '-c', 'sidecar', '--', 'sh', '-c', 'echo $HOSTNAME']);
    expect(sidecar.stdout.toString()).toBe('sidecar-0\n');
    const tiny = await run(['exec', 'tiny-0', '--', 'sh', '-c', 'command -v bash']);
    expect(tiny.code).not.toBe(0);
    expect(tiny.stdout.toString()).toBe('');
    const bash = await run(['exec', 'tiny-0', '--', 'bash']);
    expect(bash.code).not.toBe(0);
    expect(bash.stderr).toContain('executable file not found in $PATH');
  });

  it('lists pods by label selector', async () => {
    const result = await run(['get', 'pods', '-n', 'ingress-nginx', '-l', 'app.kubernetes.io/component=controller', '-o', 'name']);
    expect(result.stdout.toString().trim().split('\n')).toEqual(['pod/ingress-nginx-controller-0', 'pod/ingress-nginx-controller-1']);
    const byField = await run(['get', 'pods', '-A', '--field-selector', 'metadata.name=shell-0', '-o', 'name']);
    expect(byField.stdout.toString().trim()).toBe('pod/shell-0');
  });

  it('refuses a wrong token with Unauthorized', async () => {
    const result = await runKubectl(kubectl, ['--kubeconfig', kubeconfig.path, '--token', 'wrong', 'get', 'pods']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Unauthorized/);
  });
});
