// Error codes and close codes of the gateway, shared by the server and the page.

/** Stable, machine-readable error codes. The page keys its wording on these. */
export const ErrorCode = {
  BadRequest: 'bad_request',
  InvalidName: 'invalid_name',
  PayloadTooLarge: 'payload_too_large',
  Unauthenticated: 'unauthenticated',
  TokenExpired: 'token_expired',
  Forbidden: 'forbidden',
  OriginRefused: 'origin_refused',
  NotFound: 'not_found',
  TooManySessions: 'too_many_sessions',
  /** The request contradicts what is there (a directory where a file upload goes). */
  Conflict: 'conflict',
  /** The container lacks a tool the request needs (the message names it). */
  NotImplemented: 'not_implemented',
  /** The session ended because nobody typed in it for the idle timeout. */
  IdleTimeout: 'idle_timeout',
  /** The session reached its maximum duration. */
  SessionTimeLimit: 'session_time_limit',
  /** The browser read nothing for too long while output waited. */
  ClientStalled: 'client_stalled',
  /** Another connection resumed this session. */
  SessionTakenOver: 'session_taken_over',
  /** A recording the policy requires cannot be written. */
  RecordingFailed: 'recording_failed',
  /** The cluster refused to run the command (not found, container not running): final, not a lost connection. */
  ExecFailed: 'exec_failed',
  UpstreamError: 'upstream_error',
  UpstreamUnreachable: 'upstream_unreachable',
  UpstreamTls: 'upstream_tls',
  UpstreamTimeout: 'upstream_timeout',
  Draining: 'draining',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The HTTP status each code answers with before an upgrade. */
export const statusOfCode: Readonly<Record<ErrorCode, number>> = {
  bad_request: 400,
  invalid_name: 400,
  payload_too_large: 413,
  unauthenticated: 401,
  token_expired: 401,
  forbidden: 403,
  origin_refused: 403,
  not_found: 404,
  too_many_sessions: 429,
  conflict: 409,
  not_implemented: 501,
  idle_timeout: 408,
  session_time_limit: 408,
  client_stalled: 408,
  session_taken_over: 409,
  recording_failed: 500,
  exec_failed: 500,
  upstream_error: 502,
  upstream_unreachable: 502,
  upstream_tls: 502,
  upstream_timeout: 504,
  draining: 503,
  internal: 500,
};

/** The body of every JSON error the REST API answers. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Websocket close codes used by the terminal endpoint. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  /** Received when the peer closed without a code; never sent. */
  NoStatus: 1005,
  /** Received when the connection ended without a close frame; never sent. */
  Abnormal: 1006,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  InternalError: 1011,
} as const;

/**
 * Close codes of a connection that went without either end meaning to end
 * the session: a tab went away, the network dropped, a ping went unanswered,
 * a server restarted. The gateway keeps a session whose browser closed so for
 * resume; 1000 and a close without a code are a deliberate end.
 */
export const DROP_CLOSE_CODES: ReadonlySet<number> = new Set([1001, 1006, 1011, 1012, 1013, 1014]);

/**
 * Close codes after which the page reconnects: the drops, and 1005. The
 * gateway always closes with a code, so a close without one comes from
 * something in between (a proxy) cutting the connection.
 */
export const RETRYABLE_CLOSE_CODES: ReadonlySet<number> = new Set([...DROP_CLOSE_CODES, CloseCode.NoStatus]);

/** After the upgrade, a failure with HTTP status H closes the socket with 4000 + H. */
export function closeCodeForStatus(status: number): number {
  return 4000 + status;
}

/** The HTTP status a 4xxx close code stands for, or undefined for other codes. */
export function statusOfCloseCode(code: number): number | undefined {
  return code >= 4100 && code < 4600 ? code - 4000 : undefined;
}
