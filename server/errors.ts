// The one error type of the gateway: a stable code, the HTTP status before an
// upgrade, the close code after it, and the cause kept for the log only.
import { closeCodeForStatus, statusOfCode, type ErrorBody, type ErrorCode } from '../shared/errors.js';

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  /**
   * @param message shown to the client: never a token, a credential or a stack.
   * @param options.cause the detail, for the log.
   */
  constructor(code: ErrorCode, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status ?? statusOfCode[code];
  }

  /** The websocket close code after the upgrade: 4000 + status. */
  get closeCode(): number {
    return closeCodeForStatus(this.status);
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Wraps anything thrown into a GatewayError without leaking its message to the client. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('internal', 'internal error', { cause: error });
}
