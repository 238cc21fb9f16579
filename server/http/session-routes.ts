// GET /api/sessions: the live terminal sessions the caller may see: their
// own (shared or not), and the shared ones where they have `watch`.
import { Router } from 'express';
import type { SessionList } from '../../shared/api.js';
import { principalOf } from '../core/principal.js';
import type { GatewayServices } from '../services.js';
import type { WatchRegistry } from '../sessions/watching/watch-registry.js';

export function createSessionRoutes(services: GatewayServices, watching: WatchRegistry): Router {
  const router = Router();
  router.get('/sessions', (_req, res) => {
    const principal = principalOf(res);
    const visible = watching
      .list()
      .filter(
        (session) =>
          session.info.owner === principal.sub ||
          (session.shared && services.policy.decide(principal, session.info.target, 'watch').allowed),
      );
    const body: SessionList = {
      items: visible.map(({ info, shared }) => ({
        id: info.id,
        user: info.owner,
        cluster: info.target.cluster,
        namespace: info.target.namespace,
        pod: info.target.pod,
        container: info.target.container ?? '',
        startedAt: info.startedAt.toISOString(),
        shared,
      })),
    };
    res.json(body);
  });
  return router;
}
