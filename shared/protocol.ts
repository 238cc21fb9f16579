// The webterm.v1 protocol between the page and the gateway: subprotocol names
// and the JSON control messages carried in text frames. Binary frames are raw
// stdin (client → gateway) or output bytes (gateway → client).

/** The subprotocol the gateway selects. */
export const WEBTERM_PROTOCOL = 'webterm.v1';
/** A browser carries its token as the subprotocol `bearer.<jwt>`; it is never echoed. */
export const BEARER_PROTOCOL_PREFIX = 'bearer.';

/** Bounds of a terminal size, as the Kubernetes TerminalSize (uint16) allows. */
export const MAX_TERMINAL_DIMENSION = 65535;

/** Longest control message accepted (a token refresh is the longest legitimate one). */
export const MAX_CONTROL_MESSAGE_LENGTH = 10 * 1024;

export type ClientMessage =
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'eof' }
  | { type: 'pause' }
  | { type: 'resume' }
  /** A fresh token for the same user, so an open session outlives the old token's expiry. */
  | { type: 'token'; token: string }
  /** The owner shares the session with viewers granted `watch`, or stops (its viewers are closed with 4403). */
  | { type: 'share'; enabled: boolean };

export type ServerMessage =
  /** The process ended with this exit code; close 1000 follows. */
  | { type: 'exit'; code: number }
  /** A failure the page must show; close 4000+status follows. */
  | { type: 'error'; status: number; message: string; code?: string }
  /** The session is open on this target (sent once, before any output). */
  | {
      type: 'session';
      id: string;
      cluster: string;
      namespace: string;
      pod: string;
      container: string;
      tty: boolean;
      /** Set when a browser came back to a session it had lost: output it missed follows. */
      resumed?: boolean;
      /** With `resumed`: the stdin bytes the gateway got in this session; the page sends again what it sent after them. */
      inputReceived?: number;
    }
  /** Something the user should know that does not end the session (token about to expire, idle warning). */
  | { type: 'notice'; message: string; code?: string }
  /** To the owner of a shared session: who watches it now, one entry per user, whenever that changes. */
  | { type: 'watchers'; users: string[] }
  /** To a viewer: the watched terminal's size, before the screen that fits it and on every later resize. */
  | { type: 'resize'; cols: number; rows: number };

/** The greeting of a session, the first message on every connection to it. */
export type SessionMessage = Extract<ServerMessage, { type: 'session' }>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

function isDimension(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_TERMINAL_DIMENSION;
}

/** Parses one client text frame. Never throws; a bad frame gets a reason. */
export function parseClientMessage(text: string): ParseResult<ClientMessage> {
  if (text.length > MAX_CONTROL_MESSAGE_LENGTH) {
    return { ok: false, reason: `control message longer than ${MAX_CONTROL_MESSAGE_LENGTH} characters` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'control message is not JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, reason: 'control message is not a JSON object' };
  }
  const message = data as Record<string, unknown>;
  switch (message.type) {
    case 'resize':
      if (!isDimension(message.cols) || !isDimension(message.rows)) {
        return { ok: false, reason: `resize needs integer cols and rows from 1 to ${MAX_TERMINAL_DIMENSION}` };
      }
      return { ok: true, value: { type: 'resize', cols: message.cols, rows: message.rows } };
    case 'token':
      if (typeof message.token !== 'string' || message.token.length === 0 || message.token.length > 8192) {
        return { ok: false, reason: 'token needs a token string' };
      }
      return { ok: true, value: { type: 'token', token: message.token } };
    case 'share':
      if (typeof message.enabled !== 'boolean') return { ok: false, reason: 'share needs enabled: true or false' };
      return { ok: true, value: { type: 'share', enabled: message.enabled } };
    case 'eof':
    case 'pause':
    case 'resume':
      return { ok: true, value: { type: message.type } };
    default:
      return { ok: false, reason: `unknown control message type ${JSON.stringify(String(message.type)).slice(0, 40)}` };
  }
}

/** Parses one server text frame, as the page receives it. */
export function parseServerMessage(text: string): ParseResult<ServerMessage> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'server message is not JSON' };
  }
  if (typeof data !== 'object' || data === null) return { ok: false, reason: 'server message is not an object' };
  const type = (data as { type?: unknown }).type;
  if (type === 'exit' || type === 'error' || type === 'session' || type === 'notice' || type === 'watchers' || type === 'resize') {
    return { ok: true, value: data as ServerMessage };
  }
  return { ok: false, reason: `unknown server message type ${String(type)}` };
}
