// Who may use /k8s/clusters/{cluster}: a verified bearer token, a well-formed
// cluster name, a policy rule that names the cluster, and a cluster the gateway
// knows, checked in that order so an unknown name tells nothing to a stranger.
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../core/principal.js';
import { GatewayError } from '../errors.js';
import { checkName } from '../core/names.js';
import type { GatewayServices } from '../services.js';

/** What kubectl is told when it sent no token: how to send one. */
export const NO_TOKEN_MESSAGE = 'no bearer token was sent: pass your portal token with --token, or use the kubeconfig from /api/kubeconfig';

/** The principal behind the request's bearer token; 401 when there is none or it does not verify. */
export function verifyCaller(services: GatewayServices, req: IncomingMessage): Promise<Principal> {
  return services.authenticate(req, NO_TOKEN_MESSAGE);
}

/** Checks that `principal` may use `cluster` at all, and that the cluster exists; returns its name. */
export function checkClusterAccess(services: GatewayServices, principal: Principal, cluster: string | undefined): string {
  const name = checkName('cluster', cluster);
  if (services.policy.clustersFor(principal, [name]).length === 0) {
    throw new GatewayError('forbidden', `User "${principal.sub}" may not use cluster "${name}" (gateway policy)`);
  }
  if (services.clusters.get(name) === undefined) throw new GatewayError('not_found', `cluster "${name}" is not known to this gateway`);
  return name;
}
