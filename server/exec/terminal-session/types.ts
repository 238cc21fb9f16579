// What a terminal session is built with and what it reports.
import type { Principal } from '../../core/principal.js';
import type { LimitSettings } from '../session-limits.js';
import type { SocketWatch } from '../socket.js';
import type { FlowSettings } from './flow-control.js';
import type { ResumeSettings } from './resume-state.js';

export interface SessionSettings extends LimitSettings, FlowSettings, ResumeSettings {
  /** Largest input queued while the upstream is being dialled. */
  maxQueuedBytes: number;
  expiryWarningSeconds: number;
}

/** Sees what the browser is shown (session recording). Must not block. */
export interface SessionObserver {
  output(data: Buffer): void;
  resize(cols: number, rows: number): void;
}

/** What the session reports when it ends, for the audit log and metrics. */
export interface SessionSummary {
  id: string;
  bytesFromBrowser: number;
  bytesToBrowser: number;
  exitCode?: number;
  error?: { code: string; status: number; message: string };
  reason: 'exit' | 'error' | 'protocol-violation' | 'browser-closed' | 'resume-expired' | 'ended';
  durationMs: number;
  /** Times a browser came back to this session. */
  resumes: number;
}

export interface SessionHooks {
  /** Verifies a refreshed token; the session keeps going only for the same user. */
  verifyToken(token: string): Promise<Principal>;
  onEnd(summary: SessionSummary): void;
  /** Pings both sockets while the session lives. */
  heartbeat: SocketWatch;
  /** The owner asked to share the session (or to stop); without it, sharing is refused. */
  onShare?(enabled: boolean): void;
}

/** What a browser that comes back is told about output it cannot get again. */
export interface ResumeResult {
  lostBytes: number;
}
