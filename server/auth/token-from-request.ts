// Where a caller's token travels: the `bearer.<jwt>` websocket subprotocol
// (browsers cannot set headers on a websocket) or the Authorization header.
import type { IncomingMessage } from 'node:http';
import { BEARER_PROTOCOL_PREFIX } from '../../shared/protocol.js';

/** Every subprotocol offered, across repeated Sec-WebSocket-Protocol headers. */
function allOfferedProtocols(req: IncomingMessage): string[] {
  const lines: string[] = [];
  // rawHeaders keeps repeated headers apart; headers[] would join or drop them.
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]?.toLowerCase() === 'sec-websocket-protocol') lines.push(req.rawHeaders[i + 1] ?? '');
  }
  return lines
    .flatMap((line) => line.split(','))
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** The subprotocols offered, without the one that carries the token. */
export function offeredProtocols(req: IncomingMessage): string[] {
  return allOfferedProtocols(req).filter((p) => !p.startsWith(BEARER_PROTOCOL_PREFIX));
}

/** The caller's token, or undefined when none was sent. */
export function tokenFromRequest(req: IncomingMessage): string | undefined {
  const bearerProtocol = allOfferedProtocols(req).find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (bearerProtocol !== undefined) {
    const token = bearerProtocol.slice(BEARER_PROTOCOL_PREFIX.length);
    return token.length > 0 ? token : undefined;
  }
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}
