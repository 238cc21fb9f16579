// A real Kubernetes control plane on 127.0.0.1 for tests: etcd, kube-apiserver
// with RBAC and static bearer tokens, and the test node (kubelet API whose
// containers are local processes). Every port is free at start; stop() kills
// every process and removes the directory.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinaries, findGo, type Binaries } from './binaries.js';
import { createPki, type Pki } from './pki.js';
import { freePort } from '@webterm/local-cluster/free-port';
import { kill, startProcess, waitFor, type ProcessHandle } from './processes.js';
import { applyRbac, Users } from './rbac.js';

export { gatewayRoleRules, Users } from './rbac.js';

export const NODE_NAME = 'testnode';

export interface ControlPlane {
  url: string;
  caPem: string;
  pki: Pki;
  dir: string;
  /** Bearer tokens by user. */
  tokens: Record<keyof typeof Users, string>;
  /** Namespaces the gateway's Role covers. */
  namespaces: string[];
  /** A request to the API server as `user` (admin unless told). */
  api(method: string, path: string, body?: unknown, user?: keyof typeof Users): Promise<{ status: number; body: any; text: string }>;
  /** Creates a pod on the test node and waits until it is Running. */
  createPod(namespace: string, name: string, spec?: PodOptions): Promise<void>;
  /** A kubeconfig for kubectl as `user`. */
  kubeconfig(user?: keyof typeof Users): string;
  /** Kills the API server (SIGKILL). */
  stopApiServer(): Promise<void>;
  /** Starts the API server again on the same port and waits for /readyz. */
  startApiServer(): Promise<void>;
  stop(): Promise<void>;
}

export interface PodOptions {
  labels?: Record<string, string>;
  /** A container with a command runs it as its main process on the test node (logs, attach). */
  containers?: Array<{ name: string; env?: Record<string, string>; workingDir?: string; command?: string[]; stdin?: boolean }>;
}

/** Go is required; everything else the set-up provides. Undefined when the tests can run. */
export function skipReason(): string | undefined {
  return findGo() === undefined
    ? 'Go is not installed (no go on PATH, /usr/local/go/bin/go or /usr/bin/go): the real control plane is built from Go modules'
    : undefined;
}

export interface ControlPlaneOptions {
  /** Namespaces created with the gateway's Role bound in them. */
  namespaces?: string[];
  /** RoleBindings of the gateway Role for impersonated users: namespace → users. */
  impersonatedExec?: Record<string, string[]>;
  /** Users that may only get/list pods in a namespace (no pods/exec): namespace → users. */
  impersonatedReadOnly?: Record<string, string[]>;
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const go = findGo();
  if (go === undefined) throw new Error(skipReason());
  const binaries: Binaries = await ensureBinaries(go);
  const dir = mkdtempSync(join(tmpdir(), 'webterm-real-cluster-'));
  const pki = createPki(dir);
  const tokens = {
    admin: randomBytes(24).toString('hex'),
    gateway: randomBytes(24).toString('hex'),
    createOnly: randomBytes(24).toString('hex'),
    getOnly: randomBytes(24).toString('hex'),
    impersonator: randomBytes(24).toString('hex'),
  };
  writeFileSync(
    join(dir, 'tokens.csv'),
    [
      `${tokens.admin},${Users.admin},uid-admin,"system:masters"`,
      `${tokens.gateway},${Users.gateway},uid-gateway`,
      `${tokens.createOnly},${Users.createOnly},uid-create-only`,
      `${tokens.getOnly},${Users.getOnly},uid-get-only`,
      `${tokens.impersonator},${Users.impersonator},uid-impersonator`,
    ].join('\n') + '\n',
    { mode: 0o600 },
  );
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const url = `https://127.0.0.1:${apiPort}`;

  let etcd: ProcessHandle | undefined;
  let apiserver: ProcessHandle | undefined;
  let node: ProcessHandle | undefined;
  const stopAll = async () => {
    await Promise.all([kill(node), kill(apiserver), kill(etcd)]);
    rmSync(dir, { recursive: true, force: true });
  };

  const api: ControlPlane['api'] = (method, path, body, user = 'admin') =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const contentType = method === 'PATCH' ? 'application/strategic-merge-patch+json' : 'application/json';
      const req = request(
        `${url}${path}`,
        {
          method,
          ca: pki.caPem,
          headers: {
            Authorization: `Bearer ${tokens[user]}`,
            Accept: 'application/json',
            ...(payload === undefined ? {} : { 'Content-Type': contentType }),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, text });
          });
        },
      );
      req.setTimeout(20_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });

  const apiserverArgs = [
    `--etcd-servers=http://127.0.0.1:${etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--service-account-issuer=https://kubernetes.default.svc',
    '--service-cluster-ip-range=10.96.0.0/24',
    '--authorization-mode=RBAC',
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    `--kubelet-client-certificate=${pki.kubeletClientCert}`,
    `--kubelet-client-key=${pki.kubeletClientKey}`,
    `--kubelet-certificate-authority=${pki.caCert}`,
    '--kubelet-preferred-address-types=InternalIP',
    // No controller manager runs: nothing would reconcile the `kubernetes` Service's endpoints anyway.
    '--endpoint-reconciler-type=none',
    '--profiling=false',
  ];
  const startApiServer = async () => {
    apiserver = startProcess('kube-apiserver', binaries.apiserver, apiserverArgs);
    await waitFor('kube-apiserver', async () => (await api('GET', '/readyz')).status === 200, apiserver, 120_000);
  };

  try {
    etcd = startProcess('etcd', binaries.etcd, [
      '--name=webterm-test',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=webterm-test=http://127.0.0.1:${etcdPeer}`,
      '--log-level=warn',
    ]);
    await waitFor('etcd', () => fetch(`http://127.0.0.1:${etcdClient}/health`).then((r) => r.ok), etcd, 30_000);
    await startApiServer();

    const namespaces = options.namespaces ?? ['webterm-a', 'webterm-b'];
    const must = async (method: string, path: string, body?: unknown) => {
      const answer = await api(method, path, body);
      if (answer.status >= 300 && answer.status !== 409) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
    };
    await applyRbac(must, namespaces, options);

    node = startProcess('testnode', binaries.node, [
      `--server=${url}`,
      `--token=${tokens.admin}`,
      `--ca=${pki.caCert}`,
      `--tls-cert=${pki.servingCert}`,
      `--tls-key=${pki.servingKey}`,
      `--node-name=${NODE_NAME}`,
    ]);
    await waitFor(
      'the test node',
      async () => (await api('GET', `/api/v1/nodes/${NODE_NAME}`)).body?.status?.daemonEndpoints?.kubeletEndpoint?.Port > 0,
      node,
      30_000,
    );

    const createPod: ControlPlane['createPod'] = async (namespace, name, spec = {}) => {
      const containers = (spec.containers ?? [{ name: 'main' }]).map((c) => ({
        name: c.name,
        image: `local/${c.name}`,
        ...(c.workingDir === undefined ? {} : { workingDir: c.workingDir }),
        ...(c.command === undefined ? {} : { command: c.command }),
        ...(c.stdin === undefined ? {} : { stdin: c.stdin }),
        env: Object.entries(c.env ?? {}).map(([key, value]) => ({ name: key, value })),
      }));
      await must('POST', `/api/v1/namespaces/${namespace}/pods`, {
        metadata: { name, labels: spec.labels ?? {} },
        spec: { nodeName: NODE_NAME, containers, automountServiceAccountToken: false, terminationGracePeriodSeconds: 0 },
      });
      await waitFor(
        `pod ${namespace}/${name} Running`,
        async () => (await api('GET', `/api/v1/namespaces/${namespace}/pods/${name}`)).body?.status?.phase === 'Running',
        node!,
        30_000,
      );
    };

    return {
      url,
      caPem: pki.caPem,
      pki,
      dir,
      tokens,
      namespaces,
      api,
      createPod,
      kubeconfig(user = 'admin') {
        return JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'real', cluster: { server: url, 'certificate-authority-data': Buffer.from(pki.caPem).toString('base64') } }],
          users: [{ name: user, user: { token: tokens[user] } }],
          contexts: [{ name: 'real', context: { cluster: 'real', user, namespace: namespaces[0] } }],
          'current-context': 'real',
        });
      },
      stopApiServer: () => kill(apiserver),
      startApiServer,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
