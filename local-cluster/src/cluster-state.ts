// What the REST handler and the exec endpoint both read: the token check and
// the pods, fixed when the cluster starts.
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
}
