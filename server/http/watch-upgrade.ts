// GET /api/sessions/{id}/watch: a read-only websocket on a shared terminal
// session. Origin, subprotocol, token, the session and the `watch` grant are
// all decided before the upgrade, so a refused viewer gets an HTTP status.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_CONTROL_MESSAGE_LENGTH, WEBTERM_PROTOCOL } from '../../shared/protocol.js';
import type { AuditLog } from '../audit/audit-log.js';
import { createOriginCheck } from '../auth/origin.js';
import { offeredProtocols } from '../auth/token-from-request.js';
import type { Principal } from '../core/principal.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { sendFailure } from '../exec/browser-failure.js';
import type { GatewayServices } from '../services.js';
import type { SharedSession } from '../sessions/watching/shared-session.js';
import type { WatchRegistry } from '../sessions/watching/watch-registry.js';
import { refuseUpgrade } from './respond.js';

/** The session a caller may watch: unknown or ended 404; no `watch` grant or not shared 403. */
export function watchable(services: GatewayServices, watching: WatchRegistry, principal: Principal, id: string): SharedSession {
  const shared = watching.get(id);
  if (shared === undefined) throw new GatewayError('not_found', 'no open session has that id: it ended, or never was');
  const { target } = shared.info;
  if (!services.policy.decide(principal, target, 'watch').allowed) {
    throw new GatewayError(
      'forbidden',
      `user "${principal.sub}" may not watch sessions in namespace "${target.namespace}" of cluster "${target.cluster}"`,
    );
  }
  if (!shared.shared) throw new GatewayError('forbidden', 'that session is not shared');
  return shared;
}

export function createWatchEndpoint(services: GatewayServices, watching: WatchRegistry, audit: AuditLog, logger: Logger) {
  const originAllowed = createOriginCheck(services.config.auth.allowedOrigins);
  const wss = new WebSocketServer({
    noServer: true,
    // Sessions are known to their registry; ws's own set of them would only cost memory.
    clientTracking: false,
    perMessageDeflate: false,
    // A viewer has nothing to say: what it sends is read and dropped, so keep it small.
    maxPayload: MAX_CONTROL_MESSAGE_LENGTH,
    // Select webterm.v1 only: the bearer.<jwt> entry is never echoed back.
    handleProtocols: (protocols) => (protocols.has(WEBTERM_PROTOCOL) ? WEBTERM_PROTOCOL : false),
  });

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, id: string): Promise<void> {
    let principal: Principal | undefined;
    let shared: SharedSession;
    try {
      if (!originAllowed(req))
        throw new GatewayError('origin_refused', `origin ${JSON.stringify(String(req.headers.origin).slice(0, 200))} is not allowed`);
      if (!offeredProtocols(req).includes(WEBTERM_PROTOCOL))
        throw new GatewayError('bad_request', `offer the ${WEBTERM_PROTOCOL} subprotocol`);
      principal = await services.authenticate(req);
      shared = watchable(services, watching, principal, id);
    } catch (error) {
      const refusal = toGatewayError(error);
      audit.refusal({ principal, what: 'watch', code: refusal.code, reason: refusal.message, remoteAddress: req.socket.remoteAddress });
      refuseUpgrade(socket, refusal);
      return;
    }
    const viewerOf = principal;
    wss.handleUpgrade(req, socket, head, (viewer: WebSocket) => {
      // Nothing a viewer sends reaches the session: its messages are dropped.
      viewer.on('message', () => undefined);
      viewer.on('error', () => undefined);
      try {
        // The session may have ended or stopped sharing during the handshake.
        shared = watchable(services, watching, viewerOf, id);
      } catch (error) {
        sendFailure(viewer, toGatewayError(error));
        return;
      }
      const event = { sessionId: id, principal: viewerOf, owner: shared.info.owner, target: shared.info.target };
      audit.sessionWatch({ event: 'watch.start', ...event });
      logger.info({ sessionId: id, sub: viewerOf.sub }, 'watch started');
      void shared.watch(viewer, viewerOf.sub, (reason) => audit.sessionWatch({ event: 'watch.end', ...event, reason }));
    });
  }

  return {
    handleUpgrade,
    close(): void {
      wss.close();
    },
  };
}
