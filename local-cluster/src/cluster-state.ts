// What the REST handler and the exec endpoint both read: the token check,
// the pods (fixed when the cluster starts; their containers and state change),
// and the feed of pod changes that resourceVersions and watches follow.
import type { IncomingMessage } from 'node:http';
import type { Authentication } from './authentication.js';
import type { LocalPodRuntime } from './pods.js';

export interface ClusterState {
  authenticate(req: IncomingMessage, upgrade: boolean): Authentication;
  /** Sorted by name, as etcd lists them. */
  namespaces: readonly string[];
  pods: ReadonlyMap<string, LocalPodRuntime>;
  /** Every pod, sorted by namespace then name. */
  podList: readonly LocalPodRuntime[];
  createdAt: Date;
  changes: ChangeFeed;
}

/** The cluster's resourceVersion, moved by every change of a pod, and who is told of it. */
export interface ChangeFeed {
  /** The current resourceVersion of the cluster (what a list answers). */
  current(): string;
  /** A pod changed: it gets the next resourceVersion and every listener hears of it. */
  changed(pod: LocalPodRuntime): void;
  subscribe(listener: (pod: LocalPodRuntime) => void): () => void;
}

export function createChangeFeed(): ChangeFeed {
  // Every object starts at 1, as a fresh etcd would give one write.
  let version = 1;
  const listeners = new Set<(pod: LocalPodRuntime) => void>();
  return {
    current: () => String(version),
    changed(pod) {
      version += 1;
      pod.resourceVersion = String(version);
      for (const listener of [...listeners]) listener(pod);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
