// A frame from the browser that breaks the websocket protocol or the gateway's
// limits: ws closes the socket itself (1009, 1007, 1008, 1002) and reports an
// error with a WS_ERR_ code. Such a session is ended by the gateway, never kept for resume.
import { CloseCode } from '../../shared/errors.js';
import { GatewayError } from '../errors.js';

/** What ws closed the browser for, with the words for the audit log. */
export interface ProtocolViolation {
  /** The close code ws sent the browser. */
  closeCode: number;
  error: GatewayError;
}

const violations: Readonly<Record<string, { closeCode: number; make: () => GatewayError }>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: {
    closeCode: CloseCode.MessageTooBig,
    make: () => new GatewayError('payload_too_large', 'the browser sent a message larger than the gateway accepts'),
  },
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: {
    closeCode: CloseCode.MessageTooBig,
    make: () => new GatewayError('payload_too_large', 'the browser sent a frame larger than the gateway accepts'),
  },
  WS_ERR_INVALID_UTF8: {
    closeCode: 1007,
    make: () => new GatewayError('bad_request', 'the browser sent a text frame that is not valid UTF-8'),
  },
  WS_ERR_TOO_MANY_BUFFERED_PARTS: {
    closeCode: CloseCode.PolicyViolation,
    make: () => new GatewayError('bad_request', 'the browser sent a message in more fragments than the gateway accepts'),
  },
};

/**
 * The violation behind an error ws reported on the browser's socket, or
 * undefined for an error that is not about what the browser sent.
 */
export function protocolViolationOf(error: unknown): ProtocolViolation | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return undefined;
  const known = Object.hasOwn(violations, code) ? violations[code] : undefined;
  if (known !== undefined) return { closeCode: known.closeCode, error: known.make() };
  const message = error instanceof Error ? error.message.slice(0, 200) : '';
  // Every other receiver error (bad opcode, missing mask, bad close code…) is a protocol error.
  return {
    closeCode: CloseCode.ProtocolError,
    error: new GatewayError('bad_request', `the browser sent a frame that breaks the websocket protocol (${message})`),
  };
}
