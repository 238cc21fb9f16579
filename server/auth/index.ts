// Identity: who is calling, proven by a JWT.
export type { Principal } from './principal.js';
export { createOriginCheck } from './origin.js';
export { offeredProtocols, tokenFromRequest } from './token-from-request.js';
export { createTokenVerifier, type TokenVerifier } from './verify-token.js';
