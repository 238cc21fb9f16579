// The REST API of INTERFACE.md: clusters, namespaces and pods the caller may
// see, filtered by the policy. Actions have their own router.
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { ClusterList, NamespaceList, PodList } from '../../shared/api.js';
import { principalOf, type Principal } from '../core/principal.js';
import { GatewayError, toGatewayError } from '../errors.js';
import type { Authenticate } from '../auth/authenticate.js';
import { checkName } from '../core/names.js';
import type { KubeApi } from '../clusters/index.js';
import type { GatewayServices } from '../services.js';

/** Express 5 forwards rejected promises to the error handler; this keeps handlers typed. */
export type AsyncHandler = (req: Request, res: Response) => Promise<void>;

/** Authenticates every request under /api; a refusal is the JSON error, and `onRefused` hears of it. */
export function authMiddleware(authenticate: Authenticate, onRefused?: (req: Request, error: GatewayError) => void) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      res.locals.principal = await authenticate(req);
    } catch (error) {
      onRefused?.(req, toGatewayError(error));
      throw error;
    }
    next();
  };
}

/** A REST client for a cluster the caller may see; 403 before 404 so names are not probed. */
export function clusterFor(services: GatewayServices, principal: Principal, name: string | undefined) {
  const cluster = checkName('cluster', name);
  if (services.policy.clustersFor(principal, [cluster]).length === 0) {
    throw new GatewayError('forbidden', `user "${principal.sub}" may not use cluster "${cluster}"`);
  }
  const api = services.kubeApi(cluster);
  if (api === undefined) throw new GatewayError('not_found', `cluster "${cluster}" is not known`);
  return { name: cluster, api };
}

/**
 * The cluster's namespaces; when its credential may not list them (a
 * least-privilege credential bound by namespaced Roles), the namespaces the
 * caller's rules name, which are the ones the gateway could act in anyway.
 */
async function listNamespaces(services: GatewayServices, principal: Principal, cluster: string, api: KubeApi): Promise<string[]> {
  try {
    return await api.listNamespaces();
  } catch (error) {
    if (!(error instanceof GatewayError) || error.status !== 403) throw error;
    const named = services.policy.namespacesNamed(principal, cluster);
    if (named.length > 0) return named;
    throw new GatewayError(
      'forbidden',
      `cluster "${cluster}" does not let the gateway list namespaces, and the policy names none for user "${principal.sub}" (only patterns): name the namespaces in the policy, or grant the gateway's credential list on namespaces`,
      { cause: error },
    );
  }
}

export function createRestRoutes(services: GatewayServices): Router {
  const router = Router();

  router.get('/clusters', (_req, res) => {
    const names = services.policy.clustersFor(principalOf(res), services.clusters.names());
    const body: ClusterList = { items: names.map((name) => ({ name })) };
    res.json(body);
  });

  router.get('/clusters/:cluster/namespaces', async (req, res) => {
    const principal = principalOf(res);
    const { name, api } = clusterFor(services, principal, req.params.cluster);
    const namespaces = await listNamespaces(services, principal, name, api);
    const body: NamespaceList = {
      items: namespaces
        .filter((namespace) => services.policy.mayView(principal, { cluster: name, namespace }))
        .map((namespace) => ({
          name: namespace,
          exec: services.policy.decide(principal, { cluster: name, namespace }, 'exec').allowed,
          actions: services.policy.actionsFor(principal, name, services.config.actions, namespace),
          logs: services.policy.decide(principal, { cluster: name, namespace }, 'logs').allowed,
          debug: services.policy.decide(principal, { cluster: name, namespace }, 'debug').allowed,
        })),
    };
    res.json(body);
  });

  router.get('/clusters/:cluster/namespaces/:namespace/pods', async (req, res) => {
    const principal = principalOf(res);
    const { name, api } = clusterFor(services, principal, req.params.cluster);
    const namespace = checkName('namespace', req.params.namespace);
    if (!services.policy.mayView(principal, { cluster: name, namespace })) {
      throw new GatewayError('forbidden', `user "${principal.sub}" may not use namespace "${namespace}" of cluster "${name}"`);
    }
    const pods = await api.listPods(namespace);
    const body: PodList = {
      items: pods.map((pod) => ({
        name: pod.name,
        phase: pod.phase,
        containers: pod.containers,
        ephemeralContainers: pod.ephemeralContainers,
        ready: pod.ready,
        restarts: pod.restarts,
      })),
    };
    res.json(body);
  });

  return router;
}
