// The Kubernetes channel protocol's frames (the subprotocols are in
// shared/channel-protocols.ts): channel numbers, the frames the gateway
// builds, and the exec status it reads.
import { GatewayError } from '../errors.js';

/** Channel numbers: the first byte of every message (k8s.io/apimachinery/pkg/util/remotecommand). */
export const Channel = {
  Stdin: 0,
  Stdout: 1,
  Stderr: 2,
  Status: 3,
  Resize: 4,
  /** v5 only: `[255, channel]` closes that channel (stdin EOF). */
  Close: 255,
} as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

const closeStdinFrame = Buffer.from([Channel.Close, Channel.Stdin]);

/** A message for one channel: the channel byte, then the payload. */
export function channelFrame(channel: number, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(payload.length + 1);
  frame[0] = channel;
  frame.set(payload, 1);
  return frame;
}

/** The resize message as kubectl sends it: TerminalSize JSON on channel 4. */
export function resizeFrame(cols: number, rows: number): Buffer {
  return Buffer.from(`\u0004{"Width":${cols},"Height":${rows}}`, 'latin1');
}

/** The v5 CLOSE signal for stdin. */
export function closeStdinSignal(): Buffer {
  return closeStdinFrame;
}

const ASCII_ZERO = 0x30;
const BASE64_PAD = 0x3d;

/**
 * Payload bytes of a message if it is on one of `channels` (0 otherwise), as
 * the byte counts count them: no channel byte. Binary messages start with the
 * channel byte; those of the base64 protocols (text) with the channel as an
 * ASCII digit, then base64, whose decoded length is counted without decoding.
 */
export function payloadBytes(data: Buffer, isBinary: boolean, channels: ReadonlySet<number>): number {
  if (data.length === 0) return 0;
  if (isBinary) return channels.has(data[0]!) ? data.length - 1 : 0;
  if (!channels.has(data[0]! - ASCII_ZERO)) return 0;
  // Three bytes per four characters, less the padding.
  const encoded = data.length - 1;
  const padding = encoded > 0 && data[data.length - 1] === BASE64_PAD ? (encoded > 1 && data[data.length - 2] === BASE64_PAD ? 2 : 1) : 0;
  return Math.floor((encoded * 3) / 4) - padding;
}

/** The reason of a failure made up for a status document that could not be read. */
export const BAD_STATUS_REASON = 'BadStatus';

/** The outcome a channel-3 status document stands for. */
export type ExecStatus = { kind: 'exit'; code: number } | { kind: 'failure'; status: number; reason: string; message: string };

interface StatusDocument {
  status?: unknown;
  message?: unknown;
  reason?: unknown;
  code?: unknown;
  details?: { causes?: Array<{ reason?: unknown; message?: unknown }> };
}

/**
 * Reads the metav1.Status sent on channel 3 (v4 and v5): Success is exit 0;
 * NonZeroExitCode carries the code in the ExitCode cause; anything else is a
 * failure of the exec itself (command not found, container gone, …).
 */
export function parseExecStatus(payload: Buffer): ExecStatus {
  // An API server is not trusted to send a well-formed document: anything
  // unreadable is a failure to report, never an exception in the relay.
  let document: StatusDocument;
  try {
    const parsed: unknown = JSON.parse(payload.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    document = parsed as StatusDocument;
  } catch {
    return { kind: 'failure', status: 502, reason: BAD_STATUS_REASON, message: 'the cluster sent an unreadable exec status' };
  }
  if (document.status === 'Success') return { kind: 'exit', code: 0 };
  const message = typeof document.message === 'string' ? clip(document.message) : 'the command failed';
  const reason = typeof document.reason === 'string' ? clip(document.reason, 100) : 'Unknown';
  if (reason === 'NonZeroExitCode') {
    const causes: unknown = (document.details as { causes?: unknown } | null | undefined)?.causes;
    const cause = Array.isArray(causes)
      ? (causes as Array<{ reason?: unknown; message?: unknown } | null>).find((c) => c?.reason === 'ExitCode')
      : undefined;
    const code = typeof cause?.message === 'string' && /^\d{1,3}$/.test(cause.message) ? Number(cause.message) : Number.NaN;
    if (Number.isInteger(code) && code >= 0 && code <= 255) return { kind: 'exit', code };
  }
  const status = typeof document.code === 'number' && document.code >= 400 && document.code < 500 ? document.code : 502;
  return { kind: 'failure', status, reason, message };
}

/** A cluster's words, cut to a length a status line can show. */
function clip(text: string, max = 1000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * A failed exec (command not found, container gone) as the page sees it. The
 * cluster answered, so none of these is a lost connection: retrying would
 * fail the same way, and the page must not reconnect for it.
 */
export function execFailure(failure: Extract<ExecStatus, { kind: 'failure' }>): GatewayError {
  const { status, message } = failure;
  if (status === 404) return new GatewayError('not_found', message);
  if (status >= 400 && status < 500) return new GatewayError('bad_request', message, { status });
  // An unreadable status says nothing about the command: the stream itself is broken.
  if (failure.reason === BAD_STATUS_REASON) return new GatewayError('upstream_error', message);
  return new GatewayError('exec_failed', message);
}
