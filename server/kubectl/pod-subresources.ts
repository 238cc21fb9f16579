// kubectl logs and kubectl debug through /k8s/clusters/{cluster}: pods/log
// streamed through as the API server sends it (verb logs), and the PATCH of
// pods/ephemeralcontainers passed on once every image in it is allowed (verb
// debug, audited).
import { pipeline } from 'node:stream';
import express, { Router, type Request, type Response } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
import { openPodLog, parseLogQuery } from '../clusters/pod-log.js';
import { clusterRequest } from '../clusters/cluster-request.js';
import { checkName } from '../core/names.js';
import { principalOf } from '../core/principal.js';
import { GatewayError } from '../errors.js';
import type { GatewayServices } from '../services.js';

const PATCH_TYPES = ['application/strategic-merge-patch+json', 'application/merge-patch+json', 'application/json-patch+json'];

/** The ephemeral containers a patch adds, as {name, image}, for every patch type kubectl and clients send. */
export function patchedContainers(contentType: string, patch: unknown): Array<{ name?: unknown; image?: unknown }> {
  const asContainers = (value: unknown) => (Array.isArray(value) ? value : [value]).filter((c) => c !== null && typeof c === 'object');
  if (contentType === 'application/json-patch+json') {
    if (!Array.isArray(patch)) throw new GatewayError('bad_request', 'a JSON patch is an array of operations');
    return patch.flatMap((op: { op?: unknown; path?: unknown; value?: unknown }) => {
      if (op.op === 'remove' || op.op === 'test') return [];
      if (typeof op.path !== 'string' || !op.path.startsWith('/spec/ephemeralContainers')) {
        throw new GatewayError('forbidden', 'the gateway passes on only patches of spec.ephemeralContainers');
      }
      // A patch of one field of a container (…/0/image) names its image as the value itself.
      if (/\/image$/.test(op.path)) return [{ image: op.value }];
      return asContainers(op.value);
    });
  }
  const spec = (patch as { spec?: { ephemeralContainers?: unknown } } | null)?.spec;
  return spec?.ephemeralContainers === undefined ? [] : asContainers(spec.ephemeralContainers);
}

export function createPodSubresourceRoutes(services: GatewayServices, audit: AuditLog): Router {
  const router = Router({ mergeParams: true });
  const timeoutMs = services.config.terminal.upstreamTimeoutSeconds * 1000;

  function allow(res: Response, namespace: string, verb: string): void {
    const decision = services.policy.decide(principalOf(res), { cluster: res.locals.cluster as string, namespace }, verb);
    if (!decision.allowed) throw new GatewayError('forbidden', `${decision.reason} (gateway policy)`);
  }
  const clusterOf = (res: Response) => {
    const cluster = services.clusters.get(res.locals.cluster as string);
    if (cluster === undefined) throw new GatewayError('not_found', 'cluster is not known');
    return cluster;
  };

  router.get('/api/v1/namespaces/:namespace/pods/:pod/log', async (req: Request, res: Response) => {
    const namespace = checkName('namespace', req.params.namespace as string);
    const pod = checkName('pod', req.params.pod as string);
    allow(res, namespace, 'logs');
    const options = parseLogQuery(new URL(req.originalUrl, 'http://gateway.invalid').searchParams);
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const log = await openPodLog(clusterOf(res), { namespace, pod }, options, {
      principal: principalOf(res),
      timeoutMs,
      signal: gone.signal,
    });
    res.writeHead(200, { 'Content-Type': log.body.headers['content-type'] ?? 'text/plain', 'Cache-Control': 'no-store' });
    res.flushHeaders();
    pipeline(log.body, res, () => log.request.destroy());
  });

  router.patch(
    '/api/v1/namespaces/:namespace/pods/:pod/ephemeralcontainers',
    express.raw({ type: () => true, limit: 256 * 1024 }),
    async (req: Request, res: Response) => {
      const namespace = checkName('namespace', req.params.namespace as string);
      const pod = checkName('pod', req.params.pod as string);
      allow(res, namespace, 'debug');
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!PATCH_TYPES.includes(contentType)) {
        throw new GatewayError(
          'bad_request',
          `the gateway passes on ${PATCH_TYPES.join(', ')} patches here, not ${JSON.stringify(contentType)}`,
          {
            status: 415,
          },
        );
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let patch: unknown;
      try {
        patch = JSON.parse(body.toString('utf8'));
      } catch {
        throw new GatewayError('bad_request', 'the patch is not JSON');
      }
      const principal = principalOf(res);
      const { images } = services.config.debug;
      const added = patchedContainers(contentType, patch);
      for (const container of added) {
        if (container.image !== undefined && (typeof container.image !== 'string' || !images.includes(container.image))) {
          throw new GatewayError(
            'bad_request',
            `image ${JSON.stringify(String(container.image).slice(0, 200))} is not allowed; allowed images: ${images.join(', ')} (gateway policy)`,
          );
        }
      }
      const answer = await clusterRequest(clusterOf(res), {
        method: 'PATCH',
        path: `/api/v1/namespaces/${namespace}/pods/${pod}/ephemeralcontainers`,
        headers: { 'Content-Type': contentType, Accept: 'application/json' },
        body,
        principal,
        timeoutMs,
      });
      const target = { cluster: res.locals.cluster as string, namespace, pod };
      for (const container of added) {
        const name = typeof container.name === 'string' ? container.name : undefined;
        const image = typeof container.image === 'string' ? container.image : '';
        const targetName = (container as { targetContainerName?: unknown }).targetContainerName;
        audit.debugContainer({
          principal,
          ...target,
          target: typeof targetName === 'string' ? targetName : undefined,
          image,
          container: name,
          ...(answer.status === 200 ? {} : { code: String(answer.status), error: 'the cluster refused the patch' }),
        });
      }
      res.status(answer.status).type('application/json').send(answer.body);
    },
  );

  return router;
}
