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
  /** Ephemeral (debug) containers, in the order they were added, with whether each runs now. */
  ephemeralContainers: Array<{ name: string; running: boolean }>;
  /** Every container ready; restarts summed over the containers. */
  ready: boolean;
  restarts: number;
  /** Whether each container, ephemeral ones included, was started with a TTY. */
  tty: Record<string, boolean>;
}

export interface KubeApi {
  listNamespaces(): Promise<string[]>;
  listPods(namespace: string, labelSelector?: string): Promise<KubePod[]>;
  getPod(namespace: string, name: string): Promise<KubePod>;
}

interface RawContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  state?: { running?: unknown };
}

interface RawPod {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containers?: Array<{ name?: string; tty?: boolean }>; ephemeralContainers?: Array<{ name?: string; tty?: boolean }> };
  status?: { phase?: string; containerStatuses?: RawContainerStatus[]; ephemeralContainerStatuses?: RawContainerStatus[] };
}

const named = <T extends { name?: string }>(items: T[] | undefined): Array<T & { name: string }> =>
  (items ?? []).filter((item): item is T & { name: string } => typeof item.name === 'string' && item.name.length > 0);

function summarize(pod: RawPod): KubePod {
  const defaultContainer = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  const containers = named(pod.spec?.containers);
  const ephemeral = named(pod.spec?.ephemeralContainers);
  const statuses = pod.status?.containerStatuses ?? [];
  const ephemeralStatuses = new Map(named(pod.status?.ephemeralContainerStatuses).map((s) => [s.name, s]));
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    containers: containers.map((c) => c.name),
    labels: pod.metadata?.labels ?? {},
    ...(defaultContainer === undefined ? {} : { defaultContainer }),
    ephemeralContainers: ephemeral.map((c) => ({ name: c.name, running: ephemeralStatuses.get(c.name)?.state?.running !== undefined })),
    ready: containers.length > 0 && containers.every((c) => statuses.some((s) => s.name === c.name && s.ready === true)),
    restarts: statuses.reduce((sum, s) => sum + (typeof s.restartCount === 'number' ? s.restartCount : 0), 0),
    tty: Object.fromEntries([...containers, ...ephemeral].map((c) => [c.name, c.tty === true])),
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
