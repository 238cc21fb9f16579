// GET /api/kubeconfig?cluster=NAME: a kubeconfig that points kubectl at the
// gateway's kubectl endpoint for that cluster, with the caller's own token.
import { Router, type Request } from 'express';
import { stringify } from 'yaml';
import { tokenFromRequest } from '../auth/token-from-request.js';
import { GatewayError } from '../errors.js';
import { checkName } from '../core/names.js';
import { principalOf } from '../core/principal.js';
import type { GatewayServices } from '../services.js';

/** The gateway's base URL as the caller reached it. */
function externalBase(req: Request, tls: boolean): string {
  const host = req.headers.host;
  if (host === undefined || !/^[A-Za-z0-9.\-:[\]]+$/.test(host))
    throw new GatewayError('bad_request', 'the request has no usable Host header');
  return `${tls ? 'https' : 'http'}://${host}`;
}

export function createKubeconfigRoute(services: GatewayServices, tlsCertPem: string | undefined): Router {
  const router = Router();
  router.get('/kubeconfig', (req, res) => {
    const principal = principalOf(res);
    const cluster = checkName('cluster', typeof req.query.cluster === 'string' ? req.query.cluster : undefined);
    if (services.policy.clustersFor(principal, [cluster]).length === 0) {
      throw new GatewayError('forbidden', `user "${principal.sub}" may not use cluster "${cluster}"`);
    }
    if (services.clusters.get(cluster) === undefined) throw new GatewayError('not_found', `cluster "${cluster}" is not known`);
    const context = `webterm-${cluster}`;
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: context,
          cluster: {
            server: `${externalBase(req, tlsCertPem !== undefined)}/k8s/clusters/${encodeURIComponent(cluster)}`,
            ...(tlsCertPem === undefined ? {} : { 'certificate-authority-data': Buffer.from(tlsCertPem).toString('base64') }),
          },
        },
      ],
      users: [{ name: `${context}-${principal.sub}`, user: { token: tokenFromRequest(req) } }],
      contexts: [{ name: context, context: { cluster: context, user: `${context}-${principal.sub}`, namespace: 'default' } }],
      'current-context': context,
    };
    res.type('application/yaml').send(stringify(kubeconfig));
  });
  return router;
}
