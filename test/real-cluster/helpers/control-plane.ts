// A real Kubernetes control plane on 127.0.0.1 for tests: etcd, kube-apiserver
// with RBAC and static bearer tokens, and the test node (kubelet API whose
// containers are local processes). Every port is free at start; stop() kills
// every process and removes the directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinaries, findGo, type Binaries } from './binaries.js';
import { createPki, type Pki } from './pki.js';

/** The users of the static token file, and what RBAC grants them. */
export const Users = {
  /** system:masters: sets the cluster up. */
  admin: 'admin',
  /** The gateway's credential: exactly the verbs the gateway needs, in the test namespaces. */
  gateway: 'webterm-gateway',
  /** A gateway credential with pods/exec `create` but not `get`: what a websocket exec (a GET) also needs. */
  createOnly: 'webterm-exec-create-only',
  /** A gateway credential with pods/exec `get` but not `create`, which the API server also checks for websockets. */
  getOnly: 'webterm-exec-get-only',
  /** A gateway credential that may only impersonate (its users' RBAC decides the rest). */
  impersonator: 'webterm-impersonator',
} as const;

export const NODE_NAME = 'testnode';

export interface ProcessHandle {
  child: ChildProcess;
  log(): string;
  exited: Promise<number | null>;
}

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
  containers?: Array<{ name: string; env?: Record<string, string>; workingDir?: string }>;
}

/** Go is required; everything else the set-up provides. Undefined when the tests can run. */
export function skipReason(): string | undefined {
  return findGo() === undefined ? 'Go is not installed (no go on PATH, /usr/local/go/bin/go or /usr/bin/go): the real control plane is built from Go modules' : undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function startProcess(name: string, binary: string, args: string[], env: NodeJS.ProcessEnv = process.env): ProcessHandle {
  const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  // Read to the end (a full pipe would block the program); keep the tail for failure messages.
  const keep = (d: Buffer) => {
    log += d.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', (error) => (log += `\n${name}: ${error.message}`));
  return { child, log: () => log, exited };
}

async function kill(handle: ProcessHandle | undefined): Promise<void> {
  if (handle === undefined || handle.child.exitCode !== null || handle.child.signalCode !== null) return;
  handle.child.kill('SIGKILL');
  await handle.exited;
}

async function waitFor(what: string, check: () => Promise<boolean>, handle: ProcessHandle, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (handle.child.exitCode !== null) throw new Error(`${what} exited with ${handle.child.exitCode}:\n${handle.log().slice(-4000)}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${handle.log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The Role the gateway's credential gets in each test namespace: nothing more
 * than the gateway uses. The gateway opens exec and attach as websockets,
 * which are GET requests: the API server checks `get` on pods/exec for them,
 * and `create` as well (the AuthorizePodWebsocketUpgradeCreatePermission
 * check, on by default since 1.31), so both verbs are needed.
 */
export const gatewayRoleRules = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['pods/attach'], verbs: ['get', 'create'] },
  { apiGroups: [''], resources: ['pods/ephemeralcontainers'], verbs: ['patch'] },
];

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
      const req = request(`${url}${path}`, { method, ca: pki.caPem, headers: { Authorization: `Bearer ${tokens[user]}`, Accept: 'application/json', ...(payload === undefined ? {} : { 'Content-Type': contentType }) } }, (res) => {
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
      });
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
    // The gateway's Role in each test namespace, and a read-only one for the credential without pods/exec.
    for (const namespace of namespaces) {
      await must('POST', '/api/v1/namespaces', { metadata: { name: namespace } });
      // No controller manager: the default ServiceAccount that admission wants is made here.
      await must('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { metadata: { name: 'default' } });
      await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, { metadata: { name: 'webterm-gateway' }, rules: gatewayRoleRules });
      await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, { metadata: { name: 'pod-reader' }, rules: [gatewayRoleRules[0]] });
      for (const [role, verb, user] of [['exec-create-only', 'create', Users.createOnly], ['exec-get-only', 'get', Users.getOnly]] as const) {
        await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, { metadata: { name: role }, rules: [gatewayRoleRules[0], { apiGroups: [''], resources: ['pods/exec'], verbs: [verb] }] });
        await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
          metadata: { name: role },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
        });
      }
      await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
        metadata: { name: 'webterm-gateway' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'webterm-gateway' },
        subjects: [
          { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: Users.gateway },
          { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'webterm-gateway-cert' },
          ...(options.impersonatedExec?.[namespace] ?? []).map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name })),
        ],
      });
      await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
        metadata: { name: 'pod-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [
          ...(options.impersonatedReadOnly?.[namespace] ?? []).map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name })),
        ],
      });
    }
    // The impersonating gateway may impersonate users and groups, and nothing else.
    await must('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { metadata: { name: 'webterm-impersonator' }, rules: [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }] });
    await must('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      metadata: { name: 'webterm-impersonator' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'webterm-impersonator' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: Users.impersonator }],
    });

    node = startProcess('testnode', binaries.node, [`--server=${url}`, `--token=${tokens.admin}`, `--ca=${pki.caCert}`, `--tls-cert=${pki.servingCert}`, `--tls-key=${pki.servingKey}`, `--node-name=${NODE_NAME}`]);
    await waitFor('the test node', async () => (await api('GET', `/api/v1/nodes/${NODE_NAME}`)).body?.status?.daemonEndpoints?.kubeletEndpoint?.Port > 0, node, 30_000);

    const createPod: ControlPlane['createPod'] = async (namespace, name, spec = {}) => {
      const containers = (spec.containers ?? [{ name: 'main' }]).map((c) => ({
        name: c.name,
        image: `local/${c.name}`,
        ...(c.workingDir === undefined ? {} : { workingDir: c.workingDir }),
        env: Object.entries(c.env ?? {}).map(([key, value]) => ({ name: key, value })),
      }));
      await must('POST', `/api/v1/namespaces/${namespace}/pods`, {
        metadata: { name, labels: spec.labels ?? {} },
        spec: { nodeName: NODE_NAME, containers, automountServiceAccountToken: false, terminationGracePeriodSeconds: 0 },
      });
      await waitFor(`pod ${namespace}/${name} Running`, async () => (await api('GET', `/api/v1/namespaces/${namespace}/pods/${name}`)).body?.status?.phase === 'Running', node!, 30_000);
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
