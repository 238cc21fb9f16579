// What the page does after its terminal socket closed: start a new session,
// retry with backoff, or stop and say why. Never retried: an exit or a
// refusal (401, 403, 404 …), which would only be refused again.
import { RETRYABLE_CLOSE_CODES, statusOfCloseCode } from '../../shared/errors.js';

/** Statuses worth retrying: the cluster or the gateway may come back. */
export const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const MAX_BACKOFF_SECONDS = 30;
/** Attempts in a row without a session before giving up (about two minutes of backoff). */
const MAX_ATTEMPTS = 8;

/** Seconds before retry number `attempt` (1, 2, 4 … 30), with jitter so many tabs do not retry at once. */
export function backoffSeconds(attempt: number, random = Math.random()): number {
  const base = Math.min(MAX_BACKOFF_SECONDS, 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random) * 10) / 10;
}

export interface ClosedAttempt {
  /** The websocket close code. */
  code: number;
  /** The error message the gateway sent before closing, if any. */
  error: { status: number; message: string; code?: string } | undefined;
  /** Attempts in a row without a session, this one included. */
  attempt: number;
  /** Whether this attempt asked to resume a session. */
  resuming: boolean;
}

export type AfterClose =
  /** The session to resume is gone: start a new one now. */
  | { kind: 'new-session' }
  | { kind: 'error'; status: number; message: string; code?: string }
  | { kind: 'closed'; reason: string }
  | { kind: 'retry'; inSeconds: number; reason: string; status?: number };

export function afterClose({ code, error, attempt, resuming }: ClosedAttempt): AfterClose {
  const status = error?.status ?? statusOfCloseCode(code);
  // The session ended while the page was away (or its grace period passed).
  if (resuming && status === 404) return { kind: 'new-session' };
  if (status !== undefined && !RETRYABLE_STATUSES.has(status)) {
    return {
      kind: 'error',
      status,
      message: error?.message ?? 'the gateway refused the session',
      ...(error?.code === undefined ? {} : { code: error.code }),
    };
  }
  if (status === undefined && !RETRYABLE_CLOSE_CODES.has(code))
    return { kind: 'closed', reason: `the gateway closed the session (${code})` };
  const reason = error?.message ?? (code === 1006 ? 'the connection was lost' : `the connection closed (${code})`);
  if (attempt >= MAX_ATTEMPTS) return { kind: 'closed', reason: `${reason}; gave up after ${attempt} attempts` };
  return { kind: 'retry', inSeconds: backoffSeconds(attempt), reason, ...(status === undefined ? {} : { status }) };
}
