// What a terminal connection reports: its state, the notices to show the
// user, and how it asks why an upgrade was refused.
import type { SessionMessage } from '../../shared/protocol.js';

export type SessionInfo = SessionMessage;

export type ConnectionState =
  | { kind: 'idle' }
  | { kind: 'connecting'; attempt: number }
  | { kind: 'connected'; session: SessionInfo }
  | { kind: 'exited'; code: number }
  | { kind: 'error'; status: number; message: string; code?: string }
  /**
   * status: the gateway's HTTP-style status for the failure (502, 504, …),
   * when it gave one; retryAt: when the next attempt starts (ms since the epoch).
   */
  | { kind: 'reconnecting'; inSeconds: number; retryAt: number; attempt: number; reason: string; status?: number }
  | { kind: 'closed'; reason: string };

/** A notice from the gateway or the connection (token expiring, resumed, …) to show the user. */
export interface ConnectionNotice {
  message: string;
  code: string | undefined;
}

/**
 * Asked when an upgrade was refused: the browser hides the HTTP answer, so
 * the REST API is asked why (an expired token says so there). Undefined: retry.
 */
export type Diagnose = () => Promise<{ status: number; message: string; code?: string } | undefined>;
