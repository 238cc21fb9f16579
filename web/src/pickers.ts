// Cluster → namespace → pod → container, filled from the REST API (so only
// what the policy allows) and kept in the address bar, so a link reopens the
// target. Without a link, the page starts where the user may do something.
import type { NamespaceSummary, PodSummary } from '../../shared/api.js';
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

/**
 * What the user may do in the chosen namespace; undefined for a namespace the
 * gateway did not list. `logs` and `debug` are undefined while the gateway
 * does not say: the page then tries, and shows a refusal in words.
 */
export type Grants = Pick<NamespaceSummary, 'exec' | 'actions' | 'logs' | 'debug'> | undefined;

/** A container of a pod as the picker lists it; ephemeral ones are debug containers, attached to rather than exec'd in. */
export interface ContainerChoice {
  name: string;
  ephemeral: boolean;
  /** For a debug container: false once its process has ended (it cannot be attached to again). */
  running?: boolean;
}

/** The picker's label of a container: a debug container says so, and whether it has ended. */
export function containerLabel({ name, ephemeral, running }: ContainerChoice): string {
  if (!ephemeral) return name;
  return running === false ? `${name} (debug, ended)` : `${name} (debug)`;
}

function containerChoices(pod: PodSummary): ContainerChoice[] {
  return [
    ...pod.containers.map((name) => ({ name, ephemeral: false })),
    ...(pod.ephemeralContainers ?? []).map(({ name, running }) => ({ name, ephemeral: true, running })),
  ];
}

export interface PickerEvents {
  /** The user changed the cluster or namespace: what they may do there may differ. */
  targetChanged(): void;
  /** Any of the four changed (the pod or the container too), or the lists loaded: a view of the target follows it. */
  selectionChanged?(): void;
  error(error: unknown): void;
}

/** "web-0 — Running, ready" / "api-1 — Running, not ready, 3 restarts": the pod's state at a glance. */
export function podLabel(pod: PodSummary | undefined): string | undefined {
  if (pod === undefined) return undefined;
  const ready = pod.ready === undefined ? '' : pod.ready ? ', ready' : ', not ready';
  const restarts = pod.restarts ? `, ${pod.restarts} restart${pod.restarts === 1 ? '' : 's'}` : '';
  return `${pod.name} — ${pod.phase}${ready}${restarts}`;
}

/**
 * Fills a picker. A value a link names stays chosen even when unlisted, so
 * the gateway can say why; `fallback` is chosen only when it is listed.
 */
function fill(
  select: HTMLSelectElement,
  values: string[],
  linked: string | null,
  fallback?: string,
  label: (value: string) => string = (value) => value,
): void {
  const options = linked !== null && linked !== '' && !values.includes(linked) ? [...values, linked] : values;
  select.replaceChildren(...options.map((value) => new Option(label(value), value)));
  const chosen = linked !== null && linked !== '' ? linked : fallback;
  if (chosen !== undefined && options.includes(chosen)) select.value = chosen;
  select.disabled = options.length === 0;
}

/** The namespace to start in: the first where the user may open a shell, else the first with an action, else the first. */
export function startingNamespace(namespaces: readonly NamespaceSummary[]): string | undefined {
  return (namespaces.find((n) => n.exec) ?? namespaces.find((n) => n.actions.length > 0) ?? namespaces[0])?.name;
}

export function createPickers(elements: PickerElements, api: Api, events: PickerEvents) {
  const params = new URLSearchParams(window.location.search);
  let containersByPod = new Map<string, ContainerChoice[]>();
  let namespaces: NamespaceSummary[] = [];
  let clusterCount = 0;
  let loaded = false;

  function current(): Selection {
    return {
      cluster: elements.cluster.value,
      namespace: elements.namespace.value,
      pod: elements.pod.value,
      container: elements.container.value,
    };
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

  function loadContainers(linked: string | null): void {
    const choices = containersByPod.get(elements.pod.value) ?? [];
    fill(
      elements.container,
      choices.map((c) => c.name),
      linked,
      undefined,
      (name) => containerLabel(choices.find((c) => c.name === name) ?? { name, ephemeral: false }),
    );
  }

  async function loadPods(linked: string | null, linkedContainer: string | null): Promise<void> {
    const { cluster, namespace } = current();
    containersByPod = new Map();
    // A namespace the user may not see gets no pod list: the gateway would only refuse it.
    if (!cluster || !namespace || grants() === undefined) {
      fill(elements.pod, [], linked);
      loadContainers(linkedContainer);
      return;
    }
    const pods = (await api.pods(cluster, namespace)).items;
    containersByPod = new Map(pods.map((p) => [p.name, containerChoices(p)]));
    const byName = new Map(pods.map((p) => [p.name, p]));
    fill(
      elements.pod,
      pods.map((p) => p.name),
      linked,
      undefined,
      (name) => podLabel(byName.get(name)) ?? name,
    );
    loadContainers(linkedContainer);
  }

  async function loadNamespaces(linked: string | null, linkedPod: string | null, linkedContainer: string | null): Promise<void> {
    const cluster = elements.cluster.value;
    namespaces = cluster ? (await api.namespaces(cluster)).items : [];
    fill(
      elements.namespace,
      namespaces.map((n) => n.name),
      linked,
      startingNamespace(namespaces),
    );
    await loadPods(linkedPod, linkedContainer);
  }

  async function load(): Promise<void> {
    const clusters = (await api.clusters()).items.map((c) => c.name);
    clusterCount = clusters.length;
    fill(elements.cluster, clusters, params.get('cluster'), clusters[0]);
    await loadNamespaces(params.get('namespace'), params.get('pod'), params.get('container'));
    loaded = true;
    remember();
    events.selectionChanged?.();
  }

  /** What the user may do in the chosen namespace. */
  function grants(): Grants {
    const chosen = namespaces.find((n) => n.name === elements.namespace.value);
    if (chosen === undefined) return undefined;
    return { exec: chosen.exec, actions: chosen.actions, logs: chosen.logs, debug: chosen.debug };
  }

  /** Whether `container` of `pod` is an ephemeral (debug) container, as the last pod list said. */
  function isEphemeral(pod: string, container: string): boolean {
    return containersByPod.get(pod)?.some((c) => c.name === container && c.ephemeral) ?? false;
  }

  /** Lists the pods again (a debug container was added) and chooses `pod` and `container`. */
  async function reloadPods(pod: string, container: string): Promise<void> {
    await loadPods(pod, container);
    remember();
  }

  const guard = (work: () => Promise<void>, targetChanged: boolean) => () =>
    void work().then(
      () => {
        remember();
        if (targetChanged) events.targetChanged();
        events.selectionChanged?.();
      },
      (error: unknown) => {
        remember();
        events.error(error);
      },
    );
  elements.cluster.addEventListener(
    'change',
    guard(() => loadNamespaces(null, null, null), true),
  );
  elements.namespace.addEventListener(
    'change',
    guard(() => loadPods(null, null), true),
  );
  elements.pod.addEventListener(
    'change',
    guard(async () => loadContainers(null), false),
  );
  elements.container.addEventListener(
    'change',
    guard(async () => undefined, false),
  );

  return {
    load,
    current,
    grants,
    isEphemeral,
    reloadPods,
    /** The chosen container, as ephemeral or not. */
    container: (): ContainerChoice => ({
      name: elements.container.value,
      ephemeral: isEphemeral(elements.pod.value, elements.container.value),
    }),
    /** Whether the lists have loaded once. */
    loaded: () => loaded,
    /** Whether the gateway lets this user use any cluster at all (known after load). */
    hasAnyCluster: () => clusterCount > 0,
    /** The target a link names in full (cluster, namespace, pod and container), if it does. */
    linked(): Selection | undefined {
      const [cluster, namespace, pod, container] = ['cluster', 'namespace', 'pod', 'container'].map((key) => params.get(key) ?? '');
      return cluster && namespace && pod && container ? { cluster, namespace, pod, container } : undefined;
    },
    /** A preselected command from the link (`?command=a&command=b`). */
    command: params.getAll('command'),
  };
}

export type Pickers = ReturnType<typeof createPickers>;
