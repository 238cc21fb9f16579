// A GET to a cluster's API server whose JSON answer is passed on as it is:
// kubectl wants the real Pod object, not the gateway's summary of it.
import type { Cluster } from './cluster.js';
import { clusterRequest, type RawAnswer } from './cluster-request.js';

export type { RawAnswer } from './cluster-request.js';

/** GETs `path` (already encoded) from the cluster with its own credentials, asking for `accept` (plain JSON by default). */
export function clusterGet(cluster: Cluster, path: string, timeoutMs: number, accept = 'application/json'): Promise<RawAnswer> {
  return clusterRequest(cluster, { path, timeoutMs, headers: { Accept: accept } });
}
