// Cluster → namespace → pod → container, filled from the REST API (so only
// what the policy allows) and kept in the address bar, so a link reopens the target.
import type { Api } from './api.js';

export interface Selection {
  cluster: string;
  namespace: string;
  pod: string;
  container: string;
}

export interface PickerElements {
  cluster: HTMLSelectElement;
  namespace: HTMLSelectElement;
  pod: HTMLSelectElement;
  container: HTMLSelectElement;
}

/** Fills a picker; a deep link's value stays chosen even when unlisted, so the gateway can say why. */
function fill(select: HTMLSelectElement, values: string[], wanted: string | null): void {
  const options = wanted !== null && wanted !== '' && !values.includes(wanted) ? [...values, wanted] : values;
  select.replaceChildren(...options.map((value) => new Option(value, value)));
  values = options;
  if (wanted !== null && values.includes(wanted)) select.value = wanted;
  select.disabled = values.length === 0;
}

export function createPickers(elements: PickerElements, api: Api, onError: (error: unknown) => void) {
  const params = new URLSearchParams(window.location.search);
  let containersByPod = new Map<string, string[]>();

  function current(): Selection {
    return { cluster: elements.cluster.value, namespace: elements.namespace.value, pod: elements.pod.value, container: elements.container.value };
  }

  /** Writes the selection into the query, keeping other parameters (embed, a11y, command). */
  function remember(): void {
    const query = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(current())) {
      if (value) query.set(key, value);
      else query.delete(key);
    }
    history.replaceState(history.state, '', `${window.location.pathname}?${query}${window.location.hash}`);
  }

  async function loadContainers(wanted: string | null): Promise<void> {
    fill(elements.container, containersByPod.get(elements.pod.value) ?? [], wanted);
  }

  async function loadPods(wanted: string | null, wantedContainer: string | null): Promise<void> {
    const { cluster, namespace } = current();
    if (!cluster || !namespace) return fill(elements.pod, [], null);
    const pods = (await api.pods(cluster, namespace)).items;
    containersByPod = new Map(pods.map((p) => [p.name, p.containers]));
    fill(elements.pod, pods.map((p) => p.name), wanted);
    await loadContainers(wantedContainer);
  }

  async function loadNamespaces(wanted: string | null, wantedPod: string | null, wantedContainer: string | null): Promise<void> {
    const cluster = elements.cluster.value;
    if (!cluster) return fill(elements.namespace, [], null);
    fill(elements.namespace, (await api.namespaces(cluster)).items.map((n) => n.name), wanted ?? 'default');
    await loadPods(wantedPod, wantedContainer);
  }

  async function load(): Promise<void> {
    fill(elements.cluster, (await api.clusters()).items.map((c) => c.name), params.get('cluster'));
    await loadNamespaces(params.get('namespace'), params.get('pod'), params.get('container'));
    remember();
  }

  const guard = (work: () => Promise<void>) => () => void work().then(remember, onError);
  elements.cluster.addEventListener('change', guard(() => loadNamespaces(null, null, null)));
  elements.namespace.addEventListener('change', guard(() => loadPods(null, null)));
  elements.pod.addEventListener('change', guard(() => loadContainers(null)));
  elements.container.addEventListener('change', guard(async () => undefined));

  return {
    load,
    current,
    /** The target a link names in full (cluster, namespace, pod and container), if it does. */
    linked(): Selection | undefined {
      const [cluster, namespace, pod, container] = ['cluster', 'namespace', 'pod', 'container'].map((key) => params.get(key) ?? '');
      return cluster && namespace && pod && container ? { cluster, namespace, pod, container } : undefined;
    },
    /** A preselected command from the link (`?command=a&command=b`). */
    command: params.getAll('command'),
  };
}
