// The clusters the gateway knows, by name, built once at start-up from the
// configuration's kubeconfig files and inline entries.
import type { Logger } from 'pino';
import type { ClusterConfig } from '../config/index.js';
import { checkName } from '../core/names.js';
import { ClusterSetupError, inlineCluster, type Cluster } from './cluster.js';
import { kubeconfigClusters } from './kubeconfig.js';

export interface ClusterRegistry {
  names(): string[];
  get(name: string): Cluster | undefined;
}

export async function createClusterRegistry(configs: readonly ClusterConfig[], options: { logger: Logger }): Promise<ClusterRegistry> {
  const clusters = new Map<string, Cluster>();
  for (const [index, config] of configs.entries()) {
    const found = 'kubeconfig' in config ? await kubeconfigClusters(config) : [inlineCluster(config)];
    for (const cluster of found) {
      try {
        checkName('cluster', cluster.name);
      } catch (error) {
        // A context name that cannot be a URL segment (arn:…/name) is left out, loudly.
        options.logger.warn({ cluster: cluster.name }, `clusters[${index}]: ${(error as Error).message}; rename the context to use it`);
        continue;
      }
      if (clusters.has(cluster.name)) {
        throw new ClusterSetupError(`clusters[${index}]: cluster "${cluster.name}" is defined twice`);
      }
      clusters.set(cluster.name, cluster);
    }
  }
  options.logger.info({ clusters: [...clusters.keys()] }, `${clusters.size} cluster(s) registered`);
  return {
    names: () => [...clusters.keys()],
    get: (name) => clusters.get(name),
  };
}
