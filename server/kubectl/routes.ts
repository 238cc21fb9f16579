// The HTTP side of the kubectl-compatible endpoint /k8s/clusters/{cluster}/…:
// discovery, get, list and watch pods (passed through), logs and debug
// containers (pod-subresources.ts), and Status errors for the rest.
import { pipeline } from 'node:stream';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
import { openClusterStream } from '../clusters/cluster-request.js';
import { classifyUpgradeRefusal, readRefusalBody } from '../clusters/dial-errors.js';
import { principalOf } from '../core/principal.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { checkName, checkSelector } from '../core/names.js';
import type { GatewayServices } from '../services.js';
import { clusterGet } from '../clusters/cluster-get.js';
import { checkClusterAccess, verifyCaller } from './caller.js';
import { failureStatus } from '../../shared/kube-status.js';
import { sendStatus, statusOfError } from './status.js';
import { tableAccept } from './table-accept.js';
import { unsupportedSubresource } from './unsupported.js';
import { createPodSubresourceRoutes } from './pod-subresources.js';

const resources = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'v1',
  resources: [
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
    { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'pods/attach', singularName: '', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    { name: 'pods/ephemeralcontainers', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] },
  ],
};

/** The verbs that let a caller read pods here: each kubectl command starts with a GET of the pod. */
const POD_READ_VERBS = ['exec', 'logs', 'debug'];

export function createKubectlRoutes(services: GatewayServices, audit: AuditLog): Router {
  const router = Router({ mergeParams: true });
  const timeoutMs = services.config.terminal.upstreamTimeoutSeconds * 1000;

  // Discovery is the gateway's own fixed list, the same for every cluster name,
  // so it is answered without a token: kubectl reads no message from a failed
  // discovery ("Error from server (Forbidden): unknown"), and the request that
  // follows it gets the refusal as a Status kubectl prints.
  router.get('/api', (req, res) => {
    res.json({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' }],
    });
  });
  router.get('/apis', (_req, res) => {
    res.json({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
  });
  router.get('/api/v1', (_req, res) => {
    res.json(resources);
  });

  router.use(async (req: Request, res: Response, next: NextFunction) => {
    res.locals.principal = await verifyCaller(services, req);
    res.locals.cluster = checkClusterAccess(services, principalOf(res), req.params.cluster as string | undefined);
    next();
  });

  async function passThrough(req: Request, res: Response, path: string): Promise<void> {
    const cluster = services.clusters.get(res.locals.cluster as string);
    if (cluster === undefined) throw new GatewayError('not_found', 'cluster is not known');
    const answer = await clusterGet(cluster, path, timeoutMs, tableAccept(req.headers.accept));
    res.status(answer.status).type('application/json').send(answer.body);
  }

  function mayReadPods(res: Response, namespace: string): void {
    const target = { cluster: res.locals.cluster as string, namespace };
    const decisions = POD_READ_VERBS.map((verb) => services.policy.decide(principalOf(res), target, verb));
    const first = decisions[0]!;
    if (!decisions.some((d) => d.allowed) && !first.allowed) throw new GatewayError('forbidden', `${first.reason} (gateway policy)`);
  }

  /** A watch, streamed through as the API server sends its events (kubectl debug waits on one). */
  async function watchThrough(res: Response, path: string): Promise<void> {
    const cluster = services.clusters.get(res.locals.cluster as string);
    if (cluster === undefined) throw new GatewayError('not_found', 'cluster is not known');
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const upstream = await openClusterStream(cluster, { path, timeoutMs, headers: { Accept: 'application/json' }, signal: gone.signal });
    if (upstream.res.statusCode !== 200) {
      const body = await readRefusalBody(upstream.res);
      upstream.req.destroy();
      throw classifyUpgradeRefusal(upstream.res.statusCode ?? 0, body, cluster.name);
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.flushHeaders();
    pipeline(upstream.res, res, () => upstream.req.destroy());
  }

  router.get('/version', async (req, res) => passThrough(req, res, '/version'));

  router.get('/api/v1/namespaces/:namespace/pods', async (req, res) => {
    const namespace = checkName('namespace', req.params.namespace);
    mayReadPods(res, namespace);
    const query = new URLSearchParams();
    const selector = req.query.labelSelector;
    if (typeof selector === 'string' && selector !== '') query.set('labelSelector', checkSelector(selector));
    // kubectl debug and attach wait for their container with a list and watch of the one pod.
    const fieldSelector = req.query.fieldSelector;
    if (typeof fieldSelector === 'string' && fieldSelector !== '') {
      const name = /^metadata\.name(?:==|=)(.*)$/.exec(fieldSelector)?.[1];
      if (name === undefined) throw new GatewayError('bad_request', 'the gateway passes on only the field selector metadata.name=NAME');
      query.set('fieldSelector', `metadata.name=${checkName('pod', name)}`);
    }
    const resourceVersion = req.query.resourceVersion;
    if (typeof resourceVersion === 'string' && /^\d{1,20}$/.test(resourceVersion)) query.set('resourceVersion', resourceVersion);
    const path = `/api/v1/namespaces/${namespace}/pods`;
    if (req.query.watch === 'true' || req.query.watch === '1') {
      query.set('watch', 'true');
      const timeoutSeconds = req.query.timeoutSeconds;
      if (typeof timeoutSeconds === 'string' && /^\d{1,6}$/.test(timeoutSeconds)) query.set('timeoutSeconds', timeoutSeconds);
      await watchThrough(res, `${path}?${query}`);
      return;
    }
    await passThrough(req, res, `${path}${query.size > 0 ? `?${query}` : ''}`);
  });

  router.get('/api/v1/namespaces/:namespace/pods/:pod', async (req, res) => {
    const namespace = checkName('namespace', req.params.namespace);
    const pod = checkName('pod', req.params.pod);
    mayReadPods(res, namespace);
    await passThrough(req, res, `/api/v1/namespaces/${namespace}/pods/${pod}`);
  });

  router.use(createPodSubresourceRoutes(services, audit));

  router.all('/api/v1/namespaces/:namespace/pods/:pod/:subresource', (req) => {
    const subresource = req.params.subresource as string;
    const refusal = unsupportedSubresource(subresource);
    if (refusal !== undefined) throw refusal;
    if (subresource === 'exec' || subresource === 'attach')
      throw new GatewayError(
        'bad_request',
        `${subresource} is served over a websocket upgrade only (v5.channel.k8s.io or v4.channel.k8s.io)`,
      );
    throw new GatewayError(
      'not_found',
      `the gateway serves only pods, pods/exec, pods/attach, pods/log and pods/ephemeralcontainers here, not ${req.path.slice(0, 200)}`,
    );
  });

  router.use((req: Request) => {
    throw req.method === 'GET'
      ? new GatewayError('not_found', `the gateway serves only pods and pods/exec here, not ${req.path.slice(0, 200)}`)
      : new GatewayError('forbidden', `the gateway serves only get, list and exec here, not ${req.method}`);
  });

  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const failure = toGatewayError(error);
    sendStatus(res, statusOfError(failure));
  });
  return router;
}

/** Mounts the endpoint under /k8s/clusters/:cluster; anything else under /k8s is a 404 Status. */
export function mountKubectl(services: GatewayServices, audit: AuditLog): Router {
  const top = express.Router();
  top.use('/k8s/clusters/:cluster', createKubectlRoutes(services, audit));
  top.use('/k8s', (_req, res) => {
    sendStatus(
      res,
      failureStatus(404, 'the kubectl endpoint is /k8s/clusters/{cluster}: use it as the server, or the kubeconfig from /api/kubeconfig'),
    );
  });
  return top;
}
