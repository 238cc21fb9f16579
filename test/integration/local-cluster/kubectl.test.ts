// The installed kubectl against the embedded local cluster, with the
// kubeconfig it writes: a real client, no mock of the protocol.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '../../../server/local-cluster/index.js';
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

  it('gives exec -it a real terminal that follows the size kubectl sends', async () => {
    // script(1) gives kubectl a terminal; stty sets its size before kubectl starts, so kubectl's resize carries it.
    const inner = `stty cols 97 rows 31; ${kubectl} --kubeconfig ${kubeconfig.path} exec -it shell-0 -- sh -c 'sleep 0.5; tty; stty size'`;
    const result = await runKubectl('/usr/bin/script', ['-qec', inner, '/dev/null'], { timeoutMs: 20_000 });
    const text = result.stdout.toString();
    expect(text).toMatch(/\/dev\/pts\/\d+/);
    expect(text).toContain('31 97');
    expect(result.code).toBe(0);
  });

  it('names an unknown pod and an unknown container', async () => {
    const pod = await run(['exec', 'no-such-pod', '--', 'true']);
    expect(pod.code).not.toBe(0);
    expect(pod.stderr).toContain('pods "no-such-pod" not found');
    const container = await run(['exec', 'shell-0', '-c', 'nope', '--', 'true']);
    expect(container.code).not.toBe(0);
    expect(container.stderr).toContain('container nope is not valid for pod shell-0');
  });

  it('lists pods by label selector', async () => {
    const result = await run(['get', 'pods', '-n', 'ingress-nginx', '-l', 'app.kubernetes.io/component=controller', '-o', 'name']);
    expect(result.stdout.toString().trim().split('\n')).toEqual(['pod/ingress-nginx-controller-0', 'pod/ingress-nginx-controller-1']);
  });

  it('refuses a wrong token with Unauthorized', async () => {
    const result = await runKubectl(kubectl, ['--kubeconfig', kubeconfig.path, '--token', 'wrong', 'get', 'pods']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Unauthorized/);
  });
});
