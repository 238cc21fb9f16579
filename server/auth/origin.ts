// The Origin check of browser websocket upgrades (cross-site websocket
// hijacking): same origin always passes, others only from the allow-list.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

function originOf(value: string): string | undefined {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * Returns a check that passes requests without an Origin (non-browser
 * clients), same-origin requests, and origins on `allowed` (exact match of
 * scheme, host and port).
 */
export function createOriginCheck(allowed: readonly string[]): (req: IncomingMessage) => boolean {
  const allowedOrigins = new Set(allowed.map(originOf).filter((o): o is string => o !== undefined));
  return (req) => {
    const header = req.headers.origin;
    if (header === undefined) return true;
    const origin = originOf(header);
    if (origin === undefined) return false;
    if (allowedOrigins.has(origin)) return true;
    const host = req.headers.host;
    if (host === undefined) return false;
    const scheme = (req.socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http';
    return originOf(`${scheme}://${host}`) === origin;
  };
}
