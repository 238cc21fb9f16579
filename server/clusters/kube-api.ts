// The few reads of the Kubernetes API the gateway makes with a cluster's own
// credentials: namespaces, pods and one pod. Answers become small summaries.
import { GatewayError } from '../errors.js';
import { classifyUpgradeRefusal } from './dial-errors.js';
import { clusterGet } from './cluster-get.js';
import type { Cluster } from './cluster.js';

export interface KubePod {
  name: string;
  namespace: string;
  phase: string;
  containers: string[];
  labels: Record<string, string>;
  /** The kubectl.kubernetes.io/default-container annotation, when set. */
  defaultContainer?: string;
}

export interface KubeApi {
  listNamespaces(): Promise<string[]>;
  listPods(namespace: string, labelSelector?: string): Promise<KubePod[]>;
  getPod(namespace: string, name: string): Promise<KubePod>;
}

interface RawPod {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containers?: Array<{ name?: string }> };
  status?: { phase?: string };
}

function summarize(pod: RawPod): KubePod {
  const defaultContainer = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    containers: (pod.spec?.containers ?? []).map((c) => c.name ?? '').filter((n) => n.length > 0),
    labels: pod.metadata?.labels ?? {},
    ...(defaultContainer === undefined ? {} : { defaultContainer }),
  };
}

export function createKubeApi(cluster: Cluster, options: { timeoutMs: number }): KubeApi {
  async function getJson<T>(path: string): Promise<T> {
    const answer = await clusterGet(cluster, path, options.timeoutMs);
    const text = answer.body.toString('utf8');
    if (answer.status !== 200) throw classifyUpgradeRefusal(answer.status, text, cluster.name);
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new GatewayError('upstream_error', `cluster "${cluster.name}" sent an answer that is not JSON`, { cause: error });
    }
  }
  const ns = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}`;

  return {
    async listNamespaces() {
      const list = await getJson<{ items?: Array<{ metadata?: { name?: string } }> }>('/api/v1/namespaces');
      return (list.items ?? [])
        .map((n) => n.metadata?.name ?? '')
        .filter((n) => n.length > 0)
        .sort();
    },
    async listPods(namespace, labelSelector) {
      const query = labelSelector === undefined || labelSelector === '' ? '' : `?labelSelector=${encodeURIComponent(labelSelector)}`;
      const list = await getJson<{ items?: RawPod[] }>(`${ns(namespace)}/pods${query}`);
      return (list.items ?? []).map(summarize).sort((a, b) => a.name.localeCompare(b.name));
    },
    async getPod(namespace, name) {
      return summarize(await getJson<RawPod>(`${ns(namespace)}/pods/${encodeURIComponent(name)}`));
    },
  };
}
