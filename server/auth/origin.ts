// The Origin check of browser websocket upgrades (cross-site websocket
// hijacking): same origin always passes, others only from the allow-list.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { originOf, parseAllowedOrigin } from '../core/allowed-origin.js';

/**
 * Returns a check that passes requests without an Origin (non-browser
 * clients), same-origin requests, and origins on `allowed` (scheme, host and
 * port, or any port of a host listed as `scheme://host:*`).
 */
export function createOriginCheck(allowed: readonly string[]): (req: IncomingMessage) => boolean {
  const allowedOrigins = allowed.map(parseAllowedOrigin).filter((o) => o !== undefined);
  return (req) => {
    const header = req.headers.origin;
    if (header === undefined) return true;
    const origin = originOf(header);
    if (origin === undefined) return false;
    if (allowedOrigins.some((allowedOrigin) => allowedOrigin.matches(origin))) return true;
    const host = req.headers.host;
    if (host === undefined) return false;
    const scheme = (req.socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http';
    return originOf(`${scheme}://${host}`) === origin;
  };
}
