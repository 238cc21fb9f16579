// POST …/pods/{pod}/debug (verb `debug`): adds an ephemeral container from an
// allowed image, waits until it runs, and answers 201 with its name. Audited.
import { Router } from 'express';
import { z } from 'zod';
import type { DebugRequest, DebugResult } from '../../shared/api.js';
import type { AuditLog } from '../audit/audit-log.js';
import { addDebugContainer, waitForDebugContainer } from '../clusters/ephemeral-containers.js';
import { checkName } from '../core/names.js';
import { principalOf } from '../core/principal.js';
import { GatewayError, toGatewayError } from '../errors.js';
import type { GatewayServices } from '../services.js';
import { clusterFor } from './rest-routes.js';

const debugRequestSchema = z.object({ target: z.string().optional(), image: z.string().optional() }).strict();

function parseDebugRequest(body: unknown): DebugRequest {
  const result = debugRequestSchema.safeParse(body ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
    throw new GatewayError('bad_request', `invalid request body: ${problems.join('; ')}`);
  }
  return result.data;
}

/** The image to run: the one asked for if the configuration allows it, else the first allowed. */
export function allowedImage(images: readonly string[], asked: string | undefined): string {
  if (asked === undefined) return images[0]!;
  if (!images.includes(asked)) {
    throw new GatewayError(
      'bad_request',
      `image ${JSON.stringify(asked.slice(0, 200))} is not allowed; allowed images: ${images.join(', ')}`,
    );
  }
  return asked;
}

export function createDebugRoute(services: GatewayServices, audit: AuditLog): Router {
  const router = Router();
  const { debug } = services.config;
  const timeoutMs = services.config.terminal.upstreamTimeoutSeconds * 1000;

  router.post('/clusters/:cluster/namespaces/:namespace/pods/:pod/debug', async (req, res) => {
    const principal = principalOf(res);
    const { name } = clusterFor(services, principal, req.params.cluster);
    const namespace = checkName('namespace', req.params.namespace);
    const pod = checkName('pod', req.params.pod);
    const request = parseDebugRequest(req.body);
    const decision = services.policy.decide(principal, { cluster: name, namespace }, 'debug');
    if (!decision.allowed) throw new GatewayError('forbidden', decision.reason);
    const image = allowedImage(debug.images, request.image);
    const targetContainer = request.target === undefined || request.target === '' ? undefined : checkName('container', request.target);
    const cluster = services.clusters.get(name);
    if (cluster === undefined) throw new GatewayError('not_found', `cluster "${name}" is not known`);

    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const target = { cluster: name, namespace, pod };
    const context = { principal, timeoutMs, signal: gone.signal };
    let added: { container: string; target: string } | undefined;
    try {
      added = await addDebugContainer(cluster, target, { image, target: targetContainer }, context);
      await waitForDebugContainer(cluster, target, added.container, debug.timeoutSeconds * 1000, context);
    } catch (error) {
      const failure = toGatewayError(error);
      audit.debugContainer({
        principal,
        ...target,
        target: added?.target ?? targetContainer,
        image,
        container: added?.container,
        code: failure.code,
        error: failure.message,
      });
      throw failure;
    }
    audit.debugContainer({ principal, ...target, ...added, image });
    const body: DebugResult = { container: added.container };
    res.status(201).json(body);
  });

  return router;
}
