// GET …/pods/{pod}/log (verb `logs`): the pod's log as the API server streams
// it, handed on chunk by chunk; a slow caller slows the upstream, a caller
// that goes ends it.
import { pipeline } from 'node:stream';
import { Router } from 'express';
import { openPodLog, parseLogQuery } from '../clusters/pod-log.js';
import { checkName } from '../core/names.js';
import { principalOf } from '../core/principal.js';
import { GatewayError } from '../errors.js';
import type { GatewayServices } from '../services.js';
import { clusterFor } from './rest-routes.js';

export function createLogRoute(services: GatewayServices): Router {
  const router = Router();
  const timeoutMs = services.config.terminal.upstreamTimeoutSeconds * 1000;

  router.get('/clusters/:cluster/namespaces/:namespace/pods/:pod/log', async (req, res) => {
    const principal = principalOf(res);
    const { name } = clusterFor(services, principal, req.params.cluster);
    const namespace = checkName('namespace', req.params.namespace);
    const pod = checkName('pod', req.params.pod);
    const options = parseLogQuery(new URL(req.originalUrl, 'http://gateway.invalid').searchParams);
    const decision = services.policy.decide(principal, { cluster: name, namespace }, 'logs');
    if (!decision.allowed) throw new GatewayError('forbidden', decision.reason);
    const cluster = services.clusters.get(name);
    if (cluster === undefined) throw new GatewayError('not_found', `cluster "${name}" is not known`);

    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const log = await openPodLog(cluster, { namespace, pod }, options, { principal, timeoutMs, signal: gone.signal });
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    // The status goes out now: with follow, the first line may be a long time coming.
    res.flushHeaders();
    // pipeline pauses the upstream while the caller's buffer is full, and
    // destroys both sides when either ends early.
    pipeline(log.body, res, () => log.request.destroy());
  });

  return router;
}
