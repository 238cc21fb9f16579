// The embedded local cluster: a stand-in for a kube-apiserver's pod endpoints
// over verified TLS, whose pods run commands as local processes. Demo mode and
// the tests start it in-process; `npm run local-cluster` runs it alone (cli.ts).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { stringify } from 'yaml';
import { createRestHandler } from './api-server.js';
import { createAuthenticator } from './authentication.js';
import { createServerCertificate } from './certificates.js';
import { createChangeFeed, type ClusterState } from './cluster-state.js';
import { createExecEndpoint } from './exec-endpoint.js';
import { claimRoot, cleanUpOnExit, killNginxNow, nginxMastersUnder, removeStaleClusters, ROOT_PREFIX } from './leftovers.js';
import {
  NGINX_BINARY,
  NGINX_MISSING_SCRIPT,
  nginxInstalled,
  nginxWrapperScript,
  startPodNginx,
  stopPodNginx,
  type PodNginx,
} from './nginx.js';
import { createBinWithout, SHELL_NAMES } from './pod-files.js';
import { LocalPodRuntime, type PodHost } from './pods.js';
import { DEFAULT_SPEC, expandSpec, namespacesOf, readSpecFile, type LocalClusterSpec } from './spec.js';
import { watchRoot } from './watchdog.js';

export { DEFAULT_SPEC, SpecError, type LocalClusterSpec } from './spec.js';
// The demo gateway serves its own TLS under a CA made the same way.
export { createServerCertificate, type ServerCertificate } from './certificates.js';
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
  /** The nginx binary the nginx pods run; /usr/sbin/nginx by default (tests point it elsewhere to play a machine without nginx). */
  nginxBinary?: string;
}

export interface LocalPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  containers: string[];
  /** Where commands of `container` run (made at the pod's first exec). */
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
  /**
   * Closes the server, ends every exec session and whatever its processes
   * started, stops the nginx instances and removes the temporary directory.
   */
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

const byName = (a: LocalPodRuntime, b: LocalPodRuntime) =>
  a.namespace === b.namespace ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.namespace < b.namespace ? -1 : 1;

/**
 * Starts a local cluster: validates the spec, starts the nginx pods' nginx,
 * makes a CA and server certificate, and listens (127.0.0.1, port 0 unless told).
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const host = options.host ?? '127.0.0.1';
  const spec: unknown = options.spec ?? (options.specFile !== undefined ? readSpecFile(options.specFile) : DEFAULT_SPEC);
  const podSpecs = expandSpec(spec, options.specFile ?? 'spec');
  const token = options.token ?? randomBytes(24).toString('base64url');
  const nginxBinary = options.nginxBinary ?? NGINX_BINARY;
  const haveNginx = nginxInstalled(nginxBinary);
  const stale = removeStaleClusters(tmpdir());
  if (stale.length > 0) options.logger?.info({ removed: stale }, 'removed the leftovers of local clusters whose process died');
  const root = mkdtempSync(join(tmpdir(), ROOT_PREFIX));
  claimRoot(root);
  // From here on, whatever way this process ends, nothing under root outlives it by more than moments.
  const watch = watchRoot(root);
  const nginxPrefix = (pod: LocalPodRuntime) => join(root, pod.namespace, pod.name, 'nginx');

  let noBashBin: string | undefined;
  let noShellBin: string | undefined;
  // Main processes alive, by the pid leading each one's session.
  const mains = new Set<number>();
  const changes = createChangeFeed();
  const podHost: PodHost = {
    root,
    noBashBin: () => (noBashBin ??= createBinWithout(join(root, '.no-bash-bin'))),
    noShellBin: () => (noShellBin ??= createBinWithout(join(root, '.no-shell-bin'), SHELL_NAMES)),
    nginxWrapper: (pod) => (haveNginx ? nginxWrapperScript(nginxPrefix(pod), nginxBinary) : NGINX_MISSING_SCRIPT),
    changed: (pod) => changes.changed(pod),
    tracking: { started: (pid) => void mains.add(pid), ended: (pid) => void mains.delete(pid) },
  };
  // A pod is a map entry until its first exec makes its directories.
  const pods = new Map<string, LocalPodRuntime>();
  for (const podSpec of podSpecs) pods.set(`${podSpec.namespace}/${podSpec.name}`, new LocalPodRuntime(podSpec, podHost));
  const podList = [...pods.values()].sort(byName);

  for (const pod of podList) pod.startMainProcesses(haveNginx);
  const stopMains = () => podList.forEach((pod) => pod.mains.forEach((main) => main.stop()));

  const nginxPods = podList.filter((pod) => pod.ownsNginx);
  if (nginxPods.length > 0 && !haveNginx) {
    options.logger?.warn({ nginx: nginxBinary }, 'nginx is not installed: the nginx pods exist, but nginx in them says it is missing');
  }
  const started: PodNginx[] = [];
  try {
    if (haveNginx) {
      await Promise.all(
        nginxPods.map(async (pod) => {
          const main = pod.mains.get(pod.spec.containers.find((c) => c.nginx)!.name);
          pod.nginx = await startPodNginx(nginxPrefix(pod), pod.name, nginxBinary, { started: (pid) => main!.adopt(pid) });
          started.push(pod.nginx);
        }),
      );
    }
  } catch (error) {
    stopMains();
    await Promise.all(started.map((nginx) => stopPodNginx(nginx)));
    await watch.sweep();
    throw new Error(`the local cluster could not start nginx: ${(error as Error).message}`, { cause: error });
  }

  // Exec processes alive, by the pid leading each one's session.
  const active = new Set<number>();
  // If the process exits without stop(), this ends the nginx and exec sessions
  // and removes the directory at once; the watchdog then ends what they left.
  const forgetExitHook = cleanUpOnExit(() => {
    nginxMastersUnder(root).forEach(killNginxNow);
    for (const pid of [...active, ...mains]) {
      try {
        if (pid > 1) process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(root, { recursive: true, force: true });
  });
  for (const pod of podList) pod.markLive();
  const certificate = createServerCertificate('webterm-local-cluster-ca', [host, 'localhost']);
  const state: ClusterState = {
    authenticate: createAuthenticator(token),
    namespaces: namespacesOf(spec).sort(),
    pods,
    podList,
    createdAt: new Date(),
    changes,
  };
  const exec = createExecEndpoint(state, { started: (pid) => void active.add(pid), ended: (pid) => void active.delete(pid) });
  const server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, createRestHandler(state));
  server.on('upgrade', exec.handleUpgrade);
  server.on('clientError', (_error, socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (error) {
    stopMains();
    await Promise.all(started.map((nginx) => stopPodNginx(nginx)));
    await watch.sweep();
    forgetExitHook();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  options.logger?.info({ url, pods: pods.size, nginx: started.length }, 'local cluster listening');

  let stopping: Promise<void> | undefined;
  return {
    url,
    token,
    caPem: certificate.caPem,
    kubeconfig(contextName = 'local') {
      return stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: contextName, cluster: { server: url, 'certificate-authority-data': Buffer.from(certificate.caPem).toString('base64') } },
        ],
        users: [{ name: `${contextName}-admin`, user: { token } }],
        contexts: [{ name: contextName, context: { cluster: contextName, user: `${contextName}-admin`, namespace: 'default' } }],
        'current-context': contextName,
      });
    },
    pod: (namespace, name) => {
      const runtime = pods.get(`${namespace}/${name}`);
      return runtime === undefined ? undefined : view(runtime);
    },
    pods: () => podList.map(view),
    activeExecs: () => active.size,
    stop() {
      stopping ??= (async () => {
        exec.closeAll();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        // No main process restarts from here on; nginx gets its own fast shutdown first.
        podList.forEach((pod) => pod.mains.forEach((main) => main.stop(false)));
        await Promise.all(started.map((nginx) => stopPodNginx(nginx)));
        stopMains();
        // Killed sessions get their grace before SIGKILL; then the watchdog ends
        // what ignored the hang-up or left its session, and the files go.
        const deadline = Date.now() + 3000;
        while (active.size + mains.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await watch.sweep();
        rmSync(root, { recursive: true, force: true });
        forgetExitHook();
        options.logger?.info({ url }, 'local cluster stopped');
      })();
      return stopping;
    },
  };
}
