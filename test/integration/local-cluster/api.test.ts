// The REST surface of the local cluster as a client sees it: TLS with its own
// CA, bearer tokens, discovery, namespaces and pods with selectors, Tables,
// watches, and the Status bodies of a kube-apiserver for every refusal.
import { existsSync } from 'node:fs';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { httpsGet, rawExec } from './raw-client.js';

let cluster: LocalCluster;

beforeAll(async () => {
  cluster = await startLocalCluster({ token: 'test-token-123' });
});

afterAll(async () => {
  await cluster?.stop();
});

const json = async (path: string, headers?: Record<string, string>) => {
  const answer = await httpsGet(cluster, path, headers ?? { Authorization: `Bearer ${cluster.token}` });
  return {
    status: answer.status,
    body: JSON.parse(answer.body) as Record<string, unknown> & { items?: Array<{ metadata: { name: string; namespace?: string } }> },
  };
};
const names = (body: { items?: Array<{ metadata: { name: string } }> }) => body.items!.map((i) => i.metadata.name);

describe('TLS and authentication', () => {
  it('serves a certificate its CA signs, for 127.0.0.1 and localhost', async () => {
    const port = Number(new URL(cluster.url).port);
    for (const servername of [undefined, 'localhost']) {
      const peer = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, ca: cluster.caPem, ...(servername === undefined ? {} : { servername }) }, () => {
          resolve(socket.getPeerCertificate().subjectaltname ?? '');
          socket.end();
        });
        socket.on('error', reject);
      });
      expect(peer).toContain('IP Address:127.0.0.1');
      expect(peer).toContain('DNS:localhost');
    }
  });

  it('is not vouched for by the CA of another local cluster', async () => {
    const other = await startLocalCluster({ spec: { namespaces: { empty: { pods: [] } } } });
    try {
      const error = await new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: Number(new URL(cluster.url).port), ca: other.caPem }, () => {
          socket.end();
          resolve('connected');
        });
        socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
      expect(error).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    } finally {
      await other.stop();
    }
  });

  it('writes a kubeconfig with the CA, the token and the default namespace', () => {
    const config = parse(cluster.kubeconfig('mine')) as {
      clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data': string } }>;
      users: Array<{ user: { token: string } }>;
      contexts: Array<{ context: { namespace: string } }>;
      'current-context': string;
    };
    expect(config['current-context']).toBe('mine');
    expect(config.clusters[0]!.cluster.server).toBe(cluster.url);
    expect(Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString()).toBe(cluster.caPem);
    expect(config.users[0]!.user.token).toBe('test-token-123');
    expect(config.contexts[0]!.context.namespace).toBe('default');
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { Authorization: 'Bearer test-token-124' }],
    ['another scheme', { Authorization: 'Basic dGVzdC10b2tlbi0xMjM=' }],
  ])('answers %s with 401 and the Unauthorized Status', async (_what, headers) => {
    const answer = await json('/api/v1/namespaces/default/pods', headers);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });
});

describe('discovery', () => {
  it('answers /api, /apis, /api/v1 and /version', async () => {
    expect((await json('/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    expect((await json('/apis')).body).toEqual({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    const v1 = (await json('/api/v1')).body as { resources: Array<{ name: string }> };
    expect(v1.resources.map((r) => r.name)).toEqual(expect.arrayContaining(['pods', 'pods/exec', 'namespaces']));
    expect((await json('/version')).body).toMatchObject({
      major: '1',
      minor: expect.any(String),
      gitVersion: expect.stringMatching(/^v1\./),
    });
  });

  it('answers an unknown path with the NotFound Status', async () => {
    const answer = await json('/api/v1/services');
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server could not find the requested resource',
      reason: 'NotFound',
      details: {},
      code: 404,
    });
  });
});

describe('namespaces and pods', () => {
  it('lists namespaces and pods sorted by name, as etcd returns them', async () => {
    const namespaces = await json('/api/v1/namespaces');
    expect(namespaces.body.kind).toBe('NamespaceList');
    expect(names(namespaces.body)).toEqual(['default', 'ingress-nginx']);
    const pods = await json('/api/v1/namespaces/default/pods');
    expect(pods.body).toMatchObject({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: expect.any(String) } });
    expect(names(pods.body)).toEqual(['shell-0', 'sidecar-0', 'tiny-0', 'web-0']);
    const all = await json('/api/v1/pods');
    expect(all.body.items!.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([
      'default/shell-0',
      'default/sidecar-0',
      'default/tiny-0',
      'default/web-0',
      'ingress-nginx/ingress-nginx-controller-0',
      'ingress-nginx/ingress-nginx-controller-1',
    ]);
    expect(names((await json('/api/v1/namespaces/nowhere/pods')).body)).toEqual([]);
  });

  it('returns a Pod with its containers, phase Running and container statuses', async () => {
    const { status, body } = await json('/api/v1/namespaces/default/pods/sidecar-0');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: {
        name: 'sidecar-0',
        namespace: 'default',
        uid: expect.any(String),
        creationTimestamp: expect.stringMatching(/Z$/),
        labels: { app: 'sidecar' },
      },
      spec: {
        containers: [
          { name: 'app', image: expect.any(String) },
          { name: 'sidecar', image: expect.any(String) },
        ],
      },
      status: {
        phase: 'Running',
        containerStatuses: [
          { name: 'app', ready: true },
          { name: 'sidecar', ready: true },
        ],
      },
    });
  });

  it('answers an unknown pod or namespace with NotFound naming it', async () => {
    const pod = await json('/api/v1/namespaces/default/pods/ghost');
    expect(pod.status).toBe(404);
    expect(pod.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "ghost" not found',
      reason: 'NotFound',
      details: { name: 'ghost', kind: 'pods' },
      code: 404,
    });
    expect((await json('/api/v1/namespaces/nowhere')).body).toMatchObject({ message: 'namespaces "nowhere" not found', code: 404 });
  });

  it.each([
    ['app.kubernetes.io/component=controller', ['ingress-nginx-controller-0', 'ingress-nginx-controller-1']],
    [
      'app.kubernetes.io/component==controller,app.kubernetes.io/name=ingress-nginx',
      ['ingress-nginx-controller-0', 'ingress-nginx-controller-1'],
    ],
    ['app!=shell', ['sidecar-0', 'tiny-0', 'web-0', 'ingress-nginx-controller-0', 'ingress-nginx-controller-1']],
    ['app in (shell, tiny)', ['shell-0', 'tiny-0']],
    ['app notin (shell,tiny)', ['sidecar-0', 'web-0', 'ingress-nginx-controller-0', 'ingress-nginx-controller-1']],
    ['app', ['shell-0', 'sidecar-0', 'tiny-0', 'web-0']],
    ['!app', ['ingress-nginx-controller-0', 'ingress-nginx-controller-1']],
  ])('filters by the label selector %s', async (selector, expected) => {
    const { body } = await json(`/api/v1/pods?labelSelector=${encodeURIComponent(selector)}`);
    expect(names(body)).toEqual(expected);
  });

  it('refuses a malformed label selector with 400', async () => {
    const answer = await json(`/api/v1/pods?labelSelector=${encodeURIComponent('app=(x')}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
  });

  it('filters by field selector, and refuses a field pods do not support', async () => {
    expect(names((await json('/api/v1/pods?fieldSelector=metadata.name%3Dshell-0')).body)).toEqual(['shell-0']);
    expect(names((await json('/api/v1/pods?fieldSelector=metadata.namespace!%3Ddefault,status.phase%3DRunning')).body)).toEqual([
      'ingress-nginx-controller-0',
      'ingress-nginx-controller-1',
    ]);
    const refused = await json('/api/v1/pods?fieldSelector=spec.color%3Dred');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ message: 'field label not supported: spec.color', reason: 'BadRequest' });
  });

  it('answers with a Table when asked as kubectl get does', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    const { body } = await json('/api/v1/namespaces/default/pods', { Authorization: `Bearer ${cluster.token}`, Accept: accept });
    const table = body as {
      kind: string;
      apiVersion: string;
      columnDefinitions: Array<{ name: string }>;
      rows: Array<{ cells: unknown[]; object: { kind: string; metadata: { name: string } } }>;
    };
    expect(table.kind).toBe('Table');
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
    expect(table.columnDefinitions.map((c) => c.name).slice(0, 5)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(table.rows[1]!.cells.slice(0, 4)).toEqual(['sidecar-0', '2/2', 'Running', '0']);
    expect(table.rows[1]!.object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'sidecar-0' } });
  });

  it('serves a watch: ADDED for each pod, nothing from the current resourceVersion, ended at the timeout', async () => {
    const fresh = await httpsGet(cluster, '/api/v1/namespaces/ingress-nginx/pods?watch=1&timeoutSeconds=1');
    const events = fresh.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; object: { metadata: { name: string } } });
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED ingress-nginx-controller-0',
      'ADDED ingress-nginx-controller-1',
    ]);
    const current = await httpsGet(cluster, '/api/v1/namespaces/ingress-nginx/pods?watch=true&resourceVersion=1&timeoutSeconds=1');
    expect(current.status).toBe(200);
    expect(current.body).toBe('');
  });

  it('is read-only: other methods get MethodNotAllowed', async () => {
    const answer = await httpsGet(
      cluster,
      '/api/v1/namespaces/default/pods/shell-0',
      { Authorization: `Bearer ${cluster.token}` },
      'DELETE',
    );
    expect(answer.status).toBe(405);
    expect(JSON.parse(answer.body)).toMatchObject({ reason: 'MethodNotAllowed', code: 405 });
  });

  it('refuses a websocket handshake that is not a GET with 405, as x/net does', async () => {
    const port = Number(new URL(cluster.url).port);
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca: cluster.caPem }, () => {
        socket.write(
          'POST /api/v1/namespaces/default/pods/shell-0/exec?command=true&stdout=true HTTP/1.1\r\nHost: x\r\n' +
            `Authorization: Bearer ${cluster.token}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n',
        );
      });
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(head).toMatch(/^HTTP\/1\.1 405 /);
    expect(head.endsWith('bad method')).toBe(true);
  });
});

describe('stopping', () => {
  it('removes the pods directories and refuses new connections', async () => {
    const other = await startLocalCluster();
    const exec = rawExec(other, 'command=pwd&stdout=true', ['v5.channel.k8s.io']);
    await exec.closed;
    const stdout = exec.output(1).trim();
    expect(existsSync(stdout)).toBe(true);
    await other.stop();
    expect(existsSync(stdout)).toBe(false);
    await expect(httpsGet(other, '/api')).rejects.toThrow();
    await other.stop();
  });
});
