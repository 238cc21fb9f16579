// Who is calling: the token of a request (REST, upgrade, kubectl) turned into
// a Principal. It only decides; each endpoint words the refusal its clients read.
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../core/principal.js';
import { GatewayError } from '../errors.js';
import { tokenFromRequest } from './token-from-request.js';
import type { TokenVerifier } from './verify-token.js';

/** What the page and REST clients are told when no token came. */
export const NO_TOKEN_MESSAGE = 'no token: send Authorization: Bearer <jwt>';

/**
 * The principal behind the request's token; throws a 401 GatewayError when
 * there is none (with `noTokenMessage`) or it does not verify.
 */
export type Authenticate = (req: IncomingMessage, noTokenMessage?: string) => Promise<Principal>;

export function createAuthenticator(verifier: TokenVerifier): Authenticate {
  return async (req, noTokenMessage = NO_TOKEN_MESSAGE) => {
    const token = tokenFromRequest(req);
    if (token === undefined) throw new GatewayError('unauthenticated', noTokenMessage);
    return verifier.verify(token);
  };
}
