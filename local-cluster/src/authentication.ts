// Bearer-token authentication as the API server does it: the Authorization
// header first, then (websocket upgrades only) the token a browser sends as
// the subprotocol `base64url.bearer.authorization.k8s.io.<token>`.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const TOKEN_PROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';

export interface Authentication {
  ok: boolean;
  /**
   * The subprotocols offered, as negotiation must read them: the first
   * header line, or (after a subprotocol token was accepted) every line
   * joined without the token, as the server rewrites the header.
   */
  offeredProtocols: string[];
}

function splitProtocols(line: string | undefined): string[] {
  return (line ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

function protocolLines(req: IncomingMessage): string[] {
  const lines: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === 'sec-websocket-protocol') lines.push(req.rawHeaders[i + 1]!);
  }
  return lines;
}

export function createAuthenticator(token: string): (req: IncomingMessage, upgrade: boolean) => Authentication {
  const expected = Buffer.from(token);
  const matches = (given: Buffer) => given.length === expected.length && timingSafeEqual(given, expected);

  return (req, upgrade) => {
    const lines = protocolLines(req);
    const firstLine = splitProtocols(lines[0]);
    const header = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (header !== null && matches(Buffer.from(header[1]!))) return { ok: true, offeredProtocols: firstLine };
    if (!upgrade) return { ok: false, offeredProtocols: firstLine };

    // The websocket protocol authenticator reads every header line.
    const offered = lines.flatMap(splitProtocols);
    const tokens = offered.filter((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
    const others = offered.filter((p) => !p.startsWith(TOKEN_PROTOCOL_PREFIX));
    // Exactly one token entry, beside at least one real subprotocol.
    if (tokens.length !== 1 || others.length === 0) return { ok: false, offeredProtocols: firstLine };
    const encoded = tokens[0]!.slice(TOKEN_PROTOCOL_PREFIX.length);
    if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return { ok: false, offeredProtocols: firstLine };
    const decoded = Buffer.from(encoded, 'base64url');
    // RawURLEncoding: no padding, and the bytes must round-trip; the token must be UTF-8.
    if (decoded.toString('base64url') !== encoded || !Buffer.from(decoded.toString('utf8')).equals(decoded)) {
      return { ok: false, offeredProtocols: firstLine };
    }
    return { ok: matches(decoded), offeredProtocols: others };
  };
}
