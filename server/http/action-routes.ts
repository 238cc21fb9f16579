// The action API: list the actions a caller may run, run one on a cluster, or
// fan it out across clusters. Bodies are validated strictly: unknown fields are refused.
import { Router } from 'express';
import { z } from 'zod';
import type { ActionFanOutResult, ActionList, ActionRunRequest } from '../../shared/api.js';
import { declaredAction, runAction, type ActionDeps } from '../actions/run-action.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { checkName } from '../core/names.js';
import { principalOf } from '../core/principal.js';
import { clusterFor } from './rest-routes.js';

const runRequestSchema = z
  .object({
    namespace: z.string().optional(),
    selector: z.string().optional(),
    pods: z.array(z.string()).min(1).max(1000).optional(),
  })
  .strict()
  .refine((r) => r.selector === undefined || r.pods === undefined, { message: 'give selector or pods, not both' });

const fanOutSchema = z
  .object({
    targets: z
      .array(z.object({ cluster: z.string(), namespace: z.string().optional(), selector: z.string().optional() }).strict())
      .min(1)
      .max(100),
  })
  .strict();

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
    throw new GatewayError('bad_request', `invalid request body: ${problems.join('; ')}`);
  }
  return result.data;
}

export function createActionRoutes(deps: ActionDeps): Router {
  const router = Router();
  const { services } = deps;

  router.get('/clusters/:cluster/actions', (req, res) => {
    const principal = principalOf(res);
    const { name } = clusterFor(services, principal, req.params.cluster);
    // ?namespace= narrows the list to what may run there (the page's chosen namespace).
    const namespace = typeof req.query.namespace === 'string' ? checkName('namespace', req.query.namespace) : undefined;
    const allowed = services.policy.actionsFor(principal, name, services.config.actions, namespace);
    const body: ActionList = {
      items: allowed.map((action) => {
        const declared = services.config.actions[action];
        return { name: action, description: declared?.description, namespace: declared?.namespace, selector: declared?.selector };
      }),
    };
    res.json(body);
  });

  router.post('/clusters/:cluster/actions/:action', async (req, res) => {
    const request: ActionRunRequest = parseBody(runRequestSchema, req.body);
    const cluster = checkName('cluster', req.params.cluster);
    const { success, results } = await runAction(deps, principalOf(res), cluster, req.params.action, request);
    res.json({ success, results });
  });

  router.post('/actions/:action', async (req, res) => {
    const principal = principalOf(res);
    const { name } = declaredAction(services, req.params.action);
    const { targets } = parseBody(fanOutSchema, req.body);
    // Every cluster at once; one that fails is reported and does not stop the others.
    const clusters = await Promise.all(
      targets.map(async (target) => {
        try {
          const { success, results, namespace } = await runAction(deps, principal, target.cluster, name, {
            namespace: target.namespace,
            selector: target.selector,
          });
          return { cluster: target.cluster, namespace, success, results };
        } catch (error) {
          const failure = toGatewayError(error);
          const namespace = target.namespace ?? services.config.actions[name]?.namespace ?? 'default';
          return {
            cluster: target.cluster,
            namespace,
            success: false,
            results: [],
            error: { code: failure.code, message: failure.message },
          };
        }
      }),
    );
    const body: ActionFanOutResult = { success: clusters.every((c) => c.success), clusters };
    res.json(body);
  });

  return router;
}
