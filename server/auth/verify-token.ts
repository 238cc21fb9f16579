// Verifies the portal's JWT: only the configured algorithms, `exp` required,
// `nbf` honoured, `iss`/`aud` checked when configured. The key is a shared
// secret, a PEM public key, or a JWKS fetched from the portal.
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import jwt, { type Algorithm, type JwtHeader, type JwtPayload } from 'jsonwebtoken';
import type { GatewayConfig } from '../config/index.js';
import { GatewayError } from '../errors.js';
import type { Principal } from '../core/principal.js';

export interface TokenVerifier {
  /** The principal of a valid token; throws a 401 GatewayError otherwise. */
  verify(token: string): Promise<Principal>;
}

type JwtConfig = GatewayConfig['auth']['jwt'];

export interface TokenVerifierDeps {
  readFile?: (path: string) => string;
  fetchJson?: (url: string) => Promise<unknown>;
  now?: () => number;
}

const MAX_TOKEN_LENGTH = 16 * 1024;
/** A JWKS is refetched at most this often when a token names an unknown key. */
const JWKS_REFRESH_MS = 30_000;

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

interface Jwk {
  kid?: string;
  kty?: string;
  use?: string;
}

/** Keys of a JWKS by kid, refreshed when a token names a kid not seen yet. */
function createJwksKeys(uri: string, load: (url: string) => Promise<unknown>, now: () => number) {
  let keys = new Map<string, KeyObject>();
  let loadedAt = -Infinity;
  let loading: Promise<void> | undefined;

  async function refresh(): Promise<void> {
    const body = (await load(uri)) as { keys?: unknown };
    if (!Array.isArray(body.keys)) throw new Error('the JWKS has no "keys" array');
    const next = new Map<string, KeyObject>();
    for (const jwk of body.keys as Jwk[]) {
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      try {
        next.set(jwk.kid ?? '', createPublicKey({ key: jwk as never, format: 'jwk' }));
      } catch {
        // A key type Node cannot read is skipped, not fatal for the others.
      }
    }
    keys = next;
    loadedAt = now();
  }

  return async (kid: string | undefined): Promise<KeyObject> => {
    const id = kid ?? '';
    const known = keys.get(id) ?? (kid === undefined && keys.size === 1 ? [...keys.values()][0] : undefined);
    if (known !== undefined) return known;
    if (now() - loadedAt >= JWKS_REFRESH_MS) {
      loading ??= refresh().finally(() => (loading = undefined));
      try {
        await loading;
      } catch (error) {
        throw new GatewayError('unauthenticated', "the portal's signing keys could not be fetched", { cause: error });
      }
    }
    const found = keys.get(id) ?? (kid === undefined && keys.size === 1 ? [...keys.values()][0] : undefined);
    if (found === undefined) throw new GatewayError('unauthenticated', 'invalid token: unknown signing key');
    return found;
  };
}

/**
 * What is wrong with a token jsonwebtoken rejected, in the gateway's words.
 * Its own messages name the configured issuer and audience ("jwt audience
 * invalid. expected: …"), which are the gateway's settings, not the caller's
 * business: the caller is told what is wrong, the cause keeps the detail for the log.
 */
function describeRejection(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (message.startsWith('jwt audience invalid')) return "invalid token: the token's audience is not accepted by this gateway";
  if (message.startsWith('jwt issuer invalid')) return "invalid token: the token's issuer is not accepted by this gateway";
  if (message === 'invalid signature') return 'invalid token: the signature does not verify';
  if (message === 'jwt malformed' || message === 'invalid token') return 'invalid token: malformed';
  if (message === 'jwt signature is required') return 'invalid token: it is not signed';
  if (message === 'invalid algorithm') return 'invalid token: its algorithm does not fit the key';
  return 'invalid token: it does not verify';
}

function principalOf(payload: JwtPayload): Principal {
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
    throw new GatewayError('unauthenticated', 'invalid token: the "sub" claim is missing');
  }
  if (typeof payload.exp !== 'number') {
    throw new GatewayError('unauthenticated', 'invalid token: the "exp" claim is required');
  }
  const groups: unknown = payload.groups ?? [];
  if (!Array.isArray(groups) || !groups.every((g): g is string => typeof g === 'string')) {
    throw new GatewayError('unauthenticated', 'invalid token: the "groups" claim must be an array of strings');
  }
  return Object.freeze({ sub: payload.sub, groups: Object.freeze([...groups]), expiresAt: payload.exp * 1000 });
}

export function createTokenVerifier(config: JwtConfig, deps: TokenVerifierDeps = {}): TokenVerifier {
  const now = deps.now ?? Date.now;
  const algorithms = config.algorithms as Algorithm[];
  let keyFor: (header: JwtHeader) => Promise<string | Buffer | KeyObject>;
  if (config.secret !== undefined) {
    // A KeyObject, made once: given a string, jsonwebtoken first tries it as a
    // public key and builds an exception on every verify (390 µs against 7 µs).
    const secret = createSecretKey(Buffer.from(config.secret, 'utf8'));
    keyFor = async () => secret;
  } else if (config.publicKeyFile !== undefined) {
    const key = createPublicKey((deps.readFile ?? ((p) => readFileSync(p, 'utf8')))(config.publicKeyFile));
    keyFor = async () => key;
  } else if (config.jwksUri !== undefined) {
    const jwks = createJwksKeys(config.jwksUri, deps.fetchJson ?? fetchJson, now);
    keyFor = (header) => jwks(header.kid);
  } else {
    throw new Error('auth.jwt needs secret, publicKeyFile or jwksUri');
  }

  return {
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) throw new GatewayError('unauthenticated', 'invalid token: too long');
      const decoded = jwt.decode(token, { complete: true });
      if (decoded === null || typeof decoded.payload === 'string') {
        throw new GatewayError('unauthenticated', 'invalid token: not a JWT');
      }
      // Checked before any key is looked up: "none" and unlisted algorithms never get further.
      if (!algorithms.includes(decoded.header.alg as Algorithm)) {
        throw new GatewayError(
          'unauthenticated',
          `invalid token: algorithm ${JSON.stringify(String(decoded.header.alg).slice(0, 20))} is not accepted`,
        );
      }
      const key = await keyFor(decoded.header);
      let payload: JwtPayload;
      try {
        payload = jwt.verify(token, key, {
          algorithms,
          issuer: config.issuer,
          audience: config.audience as string | [string, ...string[]] | undefined,
          clockTolerance: config.clockToleranceSeconds,
          clockTimestamp: Math.floor(now() / 1000),
          complete: false,
        }) as JwtPayload;
      } catch (error) {
        if (error instanceof jwt.TokenExpiredError) {
          throw new GatewayError('token_expired', `the token expired at ${error.expiredAt.toISOString()}`, { cause: error });
        }
        if (error instanceof jwt.NotBeforeError) {
          throw new GatewayError('unauthenticated', `the token is not valid before ${error.date.toISOString()}`, { cause: error });
        }
        throw new GatewayError('unauthenticated', describeRejection(error), { cause: error });
      }
      return principalOf(payload);
    },
  };
}
