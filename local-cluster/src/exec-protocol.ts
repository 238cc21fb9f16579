// The channel protocols of pod exec over websockets, as the API server and
// the kubelet negotiate and frame them (k8s.io/apiserver/pkg/util/wsstream,
// k8s.io/apimachinery/pkg/util/remotecommand).

import type WebSocket from 'ws';
import type { Status } from './status.js';

/** Channel numbers: the first byte (or digit) of every message. */
export const Channel = { Stdin: 0, Stdout: 1, Stderr: 2, Status: 3, Resize: 4, Close: 255 } as const;

export interface ChannelProtocol {
  name: string;
  /** Base64 protocols send text frames: an ASCII channel digit, then base64. */
  base64: boolean;
  /** v4 and v5 send a metav1.Status on channel 3 on success too; older ones only text on failure. */
  jsonStatus: boolean;
  /** v5 adds the client's CLOSE signal [255, channel]. */
  closeSignal: boolean;
  /**
   * Served by the API server's stream translator (v5) rather than proxied to
   * the kubelet: it answers kubelet refusals after the upgrade, and wraps
   * statuses in its own words.
   */
  translated: boolean;
}

const PROTOCOLS: readonly ChannelProtocol[] = [
  { name: 'v5.channel.k8s.io', base64: false, jsonStatus: true, closeSignal: true, translated: true },
  { name: 'v4.channel.k8s.io', base64: false, jsonStatus: true, closeSignal: false, translated: false },
  { name: 'v4.base64.channel.k8s.io', base64: true, jsonStatus: true, closeSignal: false, translated: false },
  { name: 'channel.k8s.io', base64: false, jsonStatus: false, closeSignal: false, translated: false },
  { name: 'base64.channel.k8s.io', base64: true, jsonStatus: false, closeSignal: false, translated: false },
];

const NO_PROTOCOL: ChannelProtocol = { name: '', base64: false, jsonStatus: false, closeSignal: false, translated: false };

/**
 * The protocol the server picks. An offer of v5 anywhere in the list goes to
 * the API server's stream translator, which speaks v5 whatever stands before
 * it; without v5 the request reaches the kubelet, whose x/net walks the
 * client's list, so the client's first supported offer wins. None offered
 * means the v1 rules. Undefined when nothing offered is supported (a 403).
 */
export function negotiateProtocol(offered: readonly string[]): ChannelProtocol | undefined {
  if (offered.length === 0) return NO_PROTOCOL;
  if (offered.includes(PROTOCOLS[0]!.name)) return PROTOCOLS[0];
  for (const name of offered) {
    const protocol = PROTOCOLS.find((p) => p.name === name);
    if (protocol !== undefined) return protocol;
  }
  return undefined;
}

/** Query booleans as the API server converts them: absent, "0" and "false" are false; anything else true. */
export function queryBool(params: URLSearchParams, key: string): boolean {
  const value = params.get(key);
  if (value === null) return false;
  return !(value === '0' || value.toLowerCase() === 'false');
}

/** Encodes one outgoing message on `channel`. */
export function encodeFrame(
  protocol: ChannelProtocol,
  channel: number,
  payload: Buffer | string,
): { data: Buffer | string; binary: boolean } {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  if (protocol.base64) return { data: String(channel) + bytes.toString('base64'), binary: false };
  const frame = Buffer.allocUnsafe(bytes.length + 1);
  frame[0] = channel;
  bytes.copy(frame, 1);
  return { data: frame, binary: true };
}

/** Decodes one incoming message into channel and payload; undefined for what the server drops. */
export function decodeFrame(protocol: ChannelProtocol, data: Buffer): { channel: number; payload: Buffer } | undefined {
  if (data.length === 0) return undefined;
  if (protocol.base64) {
    const channel = data[0]! - 0x30;
    const text = data.subarray(1).toString('latin1');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
    return { channel, payload: Buffer.from(text, 'base64') };
  }
  return { channel: data[0]!, payload: data.subarray(1) };
}

/**
 * Reads resize events the way the server's streaming JSON decoder does:
 * values may span frames or share one, keys match case-insensitively.
 */
export function createResizeReader(onSize: (cols: number, rows: number) => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('utf8');
    if (pending.length > 4096) pending = pending.slice(-4096);
    for (;;) {
      const start = pending.indexOf('{');
      const end = pending.indexOf('}', start);
      if (start < 0 || end < 0) return;
      const text = pending.slice(start, end + 1);
      pending = pending.slice(end + 1);
      try {
        const value = JSON.parse(text) as Record<string, unknown>;
        const field = (name: string) => Object.entries(value).find(([k]) => k.toLowerCase() === name)?.[1];
        const width = field('width');
        const height = field('height');
        const valid = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 65535;
        if (valid(width) && valid(height) && width > 0 && height > 0) onSize(width, height);
      } catch {
        // A malformed value is skipped, as the decoder's loop would end on it.
      }
    }
  };
}

/** The channel of the empty frame that says "the websocket is open": the lowest requested output channel. */
export function openedChannel(request: { stdout: boolean; stderr: boolean }): number {
  return request.stdout ? Channel.Stdout : request.stderr ? Channel.Stderr : Channel.Status;
}

/** What the session's end writes on the status channel: the Status as JSON, or by the v1 rules nothing on success and the bare message on failure. */
export function statusPayload(protocol: ChannelProtocol, status: Status): string | undefined {
  if (protocol.jsonStatus) return JSON.stringify(status);
  return status.status === 'Failure' ? (status.message ?? 'error') : undefined;
}

/** What a client's frames ask of an exec or attach session. */
export interface ClientFrameHandlers {
  stdin(payload: Buffer): void;
  resize(cols: number, rows: number): void;
  /** v5's CLOSE signal for stdin: the client's input has ended. */
  closeStdin(): void;
}

/**
 * Reads a client's frames as the server does: stdin when the request has it,
 * resize under a tty, and v5's CLOSE signal; other channels are ignored, and
 * a CLOSE that is not [255, channel<5] ends the connection.
 */
export function readClientFrames(
  socket: WebSocket,
  protocol: ChannelProtocol,
  request: { stdin: boolean; tty: boolean },
  handlers: ClientFrameHandlers,
): void {
  const readResize = createResizeReader((cols, rows) => handlers.resize(cols, rows));
  socket.on('message', (data: Buffer) => {
    const frame = decodeFrame(protocol, data);
    if (frame === undefined) return;
    switch (frame.channel) {
      case Channel.Stdin:
        if (request.stdin && frame.payload.length > 0) handlers.stdin(frame.payload);
        return;
      case Channel.Resize:
        if (request.tty) readResize(frame.payload);
        return;
      case Channel.Close:
        if (!protocol.closeSignal) return;
        if (frame.payload.length !== 1 || frame.payload[0]! >= 5) {
          socket.terminate();
          return;
        }
        if (frame.payload[0] === Channel.Stdin) handlers.closeStdin();
        return;
      default:
        return;
    }
  });
}
