// Ephemeral containers on the local cluster: the PATCH the API server takes
// (strategic merge, merge and JSON patch), its 409 for a stale
// resourceVersion and 422 for what it forbids, the status going from waiting
// to running, exec and attach into it, and kubectl debug.
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { kubectlBinaries, runKubectl, writeKubeconfig } from '../../helpers/kubectl.js';
import { httpsGet, rawExec } from './raw-client.js';

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

interface PodShape {
  metadata: { resourceVersion: string };
  spec: { ephemeralContainers?: Array<{ name: string; image: string }> };
  status: { ephemeralContainerStatuses?: Array<{ name: string; state: Record<string, { reason?: string }> }> };
}

function patch(pod: string, type: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(`/api/v1/namespaces/default/pods/${pod}/ephemeralcontainers`, cluster.url),
      { method: 'PATCH', ca: cluster.caPem, headers: { Authorization: `Bearer ${cluster.token}`, 'Content-Type': type } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
const getPod = async (pod: string) => JSON.parse((await httpsGet(cluster, `/api/v1/namespaces/default/pods/${pod}`)).body) as PodShape;
async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
const stateOf = async (pod: string, name: string) =>
  (await getPod(pod)).status.ephemeralContainerStatuses?.find((s) => s.name === name)?.state;

describe('PATCH pods/{pod}/ephemeralcontainers', () => {
  it("adds one by strategic merge patch; it waits, then runs in its target's directory and environment", async () => {
    const before = await getPod('web-0');
    const added = await patch('web-0', 'application/strategic-merge-patch+json', {
      metadata: { resourceVersion: before.metadata.resourceVersion },
      spec: { ephemeralContainers: [{ name: 'debugger', image: 'busybox:1.36', stdin: true, tty: true, targetContainerName: 'web' }] },
    });
    expect(added.status).toBe(200);
    expect((added.body as unknown as PodShape).spec.ephemeralContainers).toEqual([
      expect.objectContaining({ name: 'debugger', image: 'busybox:1.36', targetContainerName: 'web', imagePullPolicy: 'IfNotPresent' }),
    ]);
    expect(Number((added.body as unknown as PodShape).metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    await until(async () => ((await stateOf('web-0', 'debugger'))?.running !== undefined ? true : undefined));
    const exec = rawExec(
      cluster,
      'command=sh&command=-c&command=echo%20$TARGET_CONTAINER%20$PWD&stdout=true&container=debugger',
      ['v5.channel.k8s.io'],
      {
        pod: 'web-0',
      },
    );
    await exec.closed;
    expect(exec.output(1)).toBe(`web ${cluster.pod('default', 'web-0')!.workDir('web')}\n`);
  });

  it("answers a stale resourceVersion with 409 Conflict, as the gateway's retry expects", async () => {
    const answer = await patch('web-0', 'application/merge-patch+json', {
      metadata: { resourceVersion: '1' },
      spec: { ephemeralContainers: [{ name: 'late', image: 'busybox' }] },
    });
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      code: 409,
      message:
        'Operation cannot be fulfilled on pods "web-0": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'web-0', kind: 'pods' },
    });
  });

  it('takes a JSON patch, and refuses a duplicate name, an unknown target or a removal with 422', async () => {
    const json = await patch('tiny-0', 'application/json-patch+json', [
      { op: 'add', path: '/spec/ephemeralContainers', value: [{ name: 'shell', image: 'nicolaka/netshoot:latest', stdin: true }] },
    ]);
    expect(json.status).toBe(200);
    const duplicate = await patch('tiny-0', 'application/strategic-merge-patch+json', {
      spec: { ephemeralContainers: [{ name: 'main', image: 'busybox' }] },
    });
    expect(duplicate.body).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: 'Pod "tiny-0" is invalid: spec.ephemeralContainers[1].name: Duplicate value: "main"',
    });
    const target = await patch('tiny-0', 'application/strategic-merge-patch+json', {
      spec: { ephemeralContainers: [{ name: 'x', image: 'busybox', targetContainerName: 'nope' }] },
    });
    expect(target.body).toMatchObject({
      code: 422,
      message: 'Pod "tiny-0" is invalid: spec.ephemeralContainers[1].targetContainerName: Not found: "nope"',
    });
    const removal = await patch('tiny-0', 'application/merge-patch+json', { spec: { ephemeralContainers: [] } });
    expect(removal.status).toBe(422);
    expect(String(removal.body.message)).toContain('existing ephemeral containers "shell" may not be removed');
  });

  it('leaves an image it cannot run waiting with ErrImagePull, and logs say so', async () => {
    await patch('sidecar-0', 'application/strategic-merge-patch+json', {
      spec: { ephemeralContainers: [{ name: 'odd', image: 'example.com/odd:1' }] },
    });
    await until(async () => ((await stateOf('sidecar-0', 'odd'))?.waiting?.reason === 'ErrImagePull' ? true : undefined));
    const log = await httpsGet(cluster, '/api/v1/namespaces/default/pods/sidecar-0/log?container=odd');
    expect(JSON.parse(log.body)).toMatchObject({
      code: 400,
      message: 'container "odd" in pod "sidecar-0" is waiting to start: image can\'t be pulled',
    });
    const choose = await httpsGet(cluster, '/api/v1/namespaces/default/pods/sidecar-0/log');
    expect(JSON.parse(choose.body)).toMatchObject({
      message: 'a container name must be specified for pod sidecar-0, choose one of: [app sidecar odd]',
    });
  });
});

const binaries = kubectlBinaries();
describe.skipIf(binaries.length === 0)('kubectl debug', () => {
  it('adds a debug container, waits for it and attaches: its shell sees the target', async () => {
    const result = await runKubectl(
      binaries[0]!,
      ['--kubeconfig', kubeconfig.path, 'debug', 'web-0', '-i', '--image=busybox:1.36', '--target=web', '--container=kdebug'],
      { input: 'echo "target is $TARGET_CONTAINER"; exit\n', timeoutMs: 30_000 },
    );
    expect(result.stderr).not.toContain('error');
    expect((await getPod('web-0')).spec.ephemeralContainers?.map((c) => c.name)).toContain('kdebug');
    const log = await httpsGet(cluster, '/api/v1/namespaces/default/pods/web-0/log?container=kdebug');
    expect(log.status).toBe(200);
  }, 40_000);
});
