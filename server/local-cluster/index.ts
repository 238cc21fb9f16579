// The embedded local cluster: a stand-in for a kube-apiserver's pod endpoints
// over verified TLS, whose pods run commands as local processes. Demo mode and
// the tests start it in-process; `npm run local-cluster` runs it alone.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { stringify } from 'yaml';
import { createApiHandlers } from './api-server.js';
import { createServerCertificate } from './certificates.js';
import { nginxInstalled, startPodNginx, stopPodNginx, type PodNginx } from './nginx.js';
import { createNoBashBin, LocalPodRuntime } from './pods.js';
import { DEFAULT_SPEC, expandSpec, namespacesOf, readSpecFile, type LocalClusterSpec } from './spec.js';

export { DEFAULT_SPEC, SpecError, type LocalClusterSpec } from './spec.js';
export type { PodNginx } from './nginx.js';

export interface LocalClusterOptions {
  logger?: Logger;
  host?: string;
  port?: number;
  /** The bearer token it accepts; random by default. */
  token?: string;
  spec?: LocalClusterSpec;
  /** A YAML spec file, read when `spec` is not given. */
  specFile?: string;
}

export interface LocalPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  containers: string[];
  workDir(container: string): string;
  /** This pod's own nginx, when it has one and nginx is installed. */
  nginx?: PodNginx;
}

export interface LocalCluster {
  /** https://127.0.0.1:PORT */
  url: string;
  token: string;
  /** The CA that signed the server certificate (PEM). */
  caPem: string;
  /** A kubeconfig for kubectl (YAML), context `contextName`. */
  kubeconfig(contextName?: string): string;
  pod(namespace: string, name: string): LocalPod | undefined;
  pods(): LocalPod[];
  /** Exec processes alive now. */
  activeExecs(): number;
  stop(): Promise<void>;
}

function view(runtime: LocalPodRuntime): LocalPod {
  return {
    namespace: runtime.namespace,
    name: runtime.name,
    labels: runtime.spec.labels,
    containers: runtime.spec.containers.map((c) => c.name),
    workDir: (container) => runtime.workDir(container),
    ...(runtime.nginx === undefined ? {} : { nginx: runtime.nginx }),
  };
}

export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const host = options.host ?? '127.0.0.1';
  const spec: unknown = options.spec ?? (options.specFile !== undefined ? readSpecFile(options.specFile) : DEFAULT_SPEC);
  const source = options.specFile ?? 'spec';
  const podSpecs = expandSpec(spec, source);
  const token = options.token ?? randomBytes(24).toString('base64url');
  const root = mkdtempSync(join(tmpdir(), 'webterm-local-cluster-'));
  let noBashBin: string | undefined;
  const haveNginx = nginxInstalled();
  const nginxPrefix = (pod: string, namespace: string) => (haveNginx ? join(root, namespace, pod, 'nginx') : undefined);

  const pods = new Map<string, LocalPodRuntime>();
  for (const podSpec of podSpecs) {
    const runtime = new LocalPodRuntime(
      podSpec,
      root,
      () => (noBashBin ??= createNoBashBin(join(root, '.no-bash-bin'))),
      () => nginxPrefix(podSpec.name, podSpec.namespace),
    );
    pods.set(`${podSpec.namespace}/${podSpec.name}`, runtime);
  }

  const nginxPods = [...pods.values()].filter((p) => p.spec.containers.some((c) => c.nginx));
  if (nginxPods.length > 0 && !haveNginx) {
    options.logger?.warn('nginx is not installed (/usr/sbin/nginx): the nginx pods exist, but nginx in them says it is missing');
  }
  const started: PodNginx[] = [];
  try {
    if (haveNginx) {
      await Promise.all(
        nginxPods.map(async (pod) => {
          pod.nginx = await startPodNginx(nginxPrefix(pod.name, pod.namespace)!, pod.name);
          started.push(pod.nginx);
        }),
      );
    }
  } catch (error) {
    for (const nginx of started) stopPodNginx(nginx);
    rmSync(root, { recursive: true, force: true });
    throw new Error(`the local cluster could not start nginx: ${(error as Error).message}`, { cause: error });
  }

  let active = 0;
  const certificate = createServerCertificate('webterm-local-cluster-ca', [host, 'localhost']);
  const handlers = createApiHandlers({
    token,
    namespaces: namespacesOf(spec),
    pods,
    createdAt: new Date(),
    tracking: { started: () => void (active += 1), ended: () => void (active -= 1) },
  });
  const server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, handlers.handleRequest);
  server.on('upgrade', handlers.handleUpgrade);
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  options.logger?.info({ url, pods: pods.size }, 'local cluster listening');

  let stopped = false;
  return {
    url,
    token,
    caPem: certificate.caPem,
    kubeconfig(contextName = 'local') {
      return stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: contextName, cluster: { server: url, 'certificate-authority-data': Buffer.from(certificate.caPem).toString('base64') } }],
        users: [{ name: `${contextName}-admin`, user: { token } }],
        contexts: [{ name: contextName, context: { cluster: contextName, user: `${contextName}-admin`, namespace: 'default' } }],
        'current-context': contextName,
      });
    },
    pod: (namespace, name) => {
      const runtime = pods.get(`${namespace}/${name}`);
      return runtime === undefined ? undefined : view(runtime);
    },
    pods: () => [...pods.values()].map(view),
    activeExecs: () => active,
    async stop() {
      if (stopped) return;
      stopped = true;
      handlers.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      for (const pod of nginxPods) if (pod.nginx !== undefined) stopPodNginx(pod.nginx);
      // Killed sessions get their grace before SIGKILL; then the files can go.
      const deadline = Date.now() + 3000;
      while (active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
