// Clusters from a kubeconfig file: every context (or the listed ones) becomes a
// cluster named after it. @kubernetes/client-node applies the credential, so
// client certificates, CA files, tokens and exec plugins work as in kubectl.
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeconfigClusterConfig } from '../config/index.js';
import { GatewayError } from '../errors.js';
import { ClusterSetupError, type Cluster, type ClusterConnection } from './cluster.js';

type KubeConfigClass = typeof KubeConfig;

function contextCluster(KubeConfigImpl: KubeConfigClass, base: KubeConfig, context: string, impersonate: boolean): Cluster {
  const kc = new KubeConfigImpl();
  kc.loadFromString(base.exportConfig());
  kc.setCurrentContext(context);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new ClusterSetupError(`context "${context}" names no cluster`);
  if (kc.getCurrentUser() === null) throw new ClusterSetupError(`context "${context}" names no user`);
  let server: URL;
  try {
    server = new URL(cluster.server);
  } catch (error) {
    throw new ClusterSetupError(`context "${context}" has an invalid server URL`, { cause: error });
  }
  if (server.protocol !== 'https:') throw new ClusterSetupError(`context "${context}": the server must be an https:// URL`);
  return {
    name: context,
    server,
    impersonate,
    async connection(): Promise<ClusterConnection> {
      const options: RequestOptions & { servername?: string } = { headers: {} };
      try {
        // Exec credential plugins run here and are cached by client-node until their expiry.
        await kc.applyToHTTPSOptions(options);
      } catch (error) {
        throw new GatewayError('upstream_error', `the credential of cluster "${context}" could not be obtained`, { cause: error });
      }
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(options.headers ?? {})) {
        if (typeof value === 'string') headers[key] = value;
      }
      if (typeof options.auth === 'string') headers.Authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
      return {
        ca: options.ca as string | Buffer | undefined,
        cert: options.cert as string | Buffer | undefined,
        key: options.key as string | Buffer | undefined,
        rejectUnauthorized: options.rejectUnauthorized ?? true,
        servername: options.servername,
        headers,
      };
    },
  };
}

/** Reads the kubeconfig file and returns one cluster per selected context. */
export async function kubeconfigClusters(config: KubeconfigClusterConfig): Promise<Cluster[]> {
  // client-node costs ~70 MiB of memory when loaded: only a gateway with kubeconfig clusters pays it.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const base = new KubeConfig();
  try {
    base.loadFromFile(config.kubeconfig);
  } catch (error) {
    throw new ClusterSetupError(
      `kubeconfig ${config.kubeconfig} could not be read: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const available = base.getContexts().map((c) => c.name);
  const wanted = config.contexts ?? available;
  const missing = wanted.filter((name) => !available.includes(name));
  if (missing.length > 0) {
    throw new ClusterSetupError(
      `kubeconfig ${config.kubeconfig} has no context ${missing.map((m) => `"${m}"`).join(', ')} (it has ${available.join(', ') || 'none'})`,
    );
  }
  return wanted.map((context) => contextCluster(KubeConfig, base, context, config.impersonate));
}
