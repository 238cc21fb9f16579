// Who is calling: the token of a REST request or of a websocket upgrade turned
// into a Principal, and the Origin of browser upgrades checked.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WEBTERM_PROTOCOL } from '../../shared/protocol.js';
import { createOriginCheck } from '../auth/origin.js';
import type { Principal } from '../core/principal.js';
import { offeredProtocols, tokenFromRequest } from '../auth/token-from-request.js';
import type { TokenVerifier } from '../auth/verify-token.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { refuseUpgrade } from './respond.js';

export interface RequestAuthenticator {
  /** The caller of a REST request; throws a 401 GatewayError. */
  request(req: IncomingMessage): Promise<Principal>;
  /** The caller of a webterm.v1 upgrade, or undefined after refusing it on the socket. */
  upgrade(req: IncomingMessage, socket: Duplex): Promise<Principal | undefined>;
}

export interface AuthenticatorHooks {
  onRefused?(req: IncomingMessage, error: GatewayError): void;
}

export function createAuthenticator(
  verifier: TokenVerifier,
  allowedOrigins: readonly string[],
  logger: Logger,
  hooks: AuthenticatorHooks = {},
): RequestAuthenticator {
  const originAllowed = createOriginCheck(allowedOrigins);

  async function verifyRequest(req: IncomingMessage): Promise<Principal> {
    const token = tokenFromRequest(req);
    if (token === undefined) throw new GatewayError('unauthenticated', 'no token: send Authorization: Bearer <jwt>');
    return verifier.verify(token);
  }

  async function request(req: IncomingMessage): Promise<Principal> {
    try {
      return await verifyRequest(req);
    } catch (error) {
      hooks.onRefused?.(req, toGatewayError(error));
      throw error;
    }
  }

  async function upgrade(req: IncomingMessage, socket: Duplex): Promise<Principal | undefined> {
    // A socket error while we verify must not become an uncaught exception.
    socket.on('error', () => socket.destroy());
    let refusal: GatewayError;
    try {
      if (!originAllowed(req)) {
        refusal = new GatewayError('origin_refused', `origin ${JSON.stringify(String(req.headers.origin).slice(0, 200))} is not allowed`);
      } else if (!offeredProtocols(req).includes(WEBTERM_PROTOCOL)) {
        refusal = new GatewayError('bad_request', `offer the ${WEBTERM_PROTOCOL} subprotocol`);
      } else {
        return await verifyRequest(req);
      }
    } catch (error) {
      refusal = toGatewayError(error);
    }
    logger.info({ code: refusal.code, url: req.url?.split('?')[0], origin: req.headers.origin }, `upgrade refused: ${refusal.message}`);
    hooks.onRefused?.(req, refusal);
    refuseUpgrade(socket, refusal);
    return undefined;
  }

  return { request, upgrade };
}
