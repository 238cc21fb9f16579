// The audit log: one JSON line per event (sessions, action runs, refusals),
// through pino to stdout or a file. Never a credential, never a stdin byte.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Principal } from '../core/principal.js';
import type { ExecTarget } from '../core/target.js';
import type { GatewayMetrics } from '../metrics/metrics.js';

/** A session's target as the audit line names it. */
export type SessionTarget = ExecTarget;

export interface AuditLog {
  sessionStart(event: { sessionId: string; principal: Principal; target: SessionTarget; recording?: string }): void;
  sessionEnd(event: {
    sessionId: string;
    principal: Principal;
    target: SessionTarget;
    bytesIn: number;
    bytesOut: number;
    exitCode?: number;
    reason: string;
    /** The error code when the session ended with one (idle_timeout, upstream_unreachable …). */
    code?: string;
    error?: string;
    durationMs: number;
    resumes?: number;
  }): void;
  /** A browser came back to a session it had lost. */
  sessionResume(event: { sessionId: string; principal: Principal; target: SessionTarget; lostBytes: number }): void;
  /** A recording the policy asks for failed, and the session went on (recording.failure: open). */
  recordingFailed(event: { sessionId: string; principal: Principal; target: SessionTarget; error: string }): void;
  actionPod(event: {
    runId: string;
    principal: Principal;
    action: string;
    cluster: string;
    namespace: string;
    pod: string;
    container: string;
    step?: string;
    exitCode: number | null;
    error?: string;
    durationMs: number;
  }): void;
  actionRun(event: {
    runId: string;
    principal: Principal;
    action: string;
    cluster: string;
    namespace: string;
    pods: string[];
    success: boolean;
    error?: string;
  }): void;
  /** A debug container added to a pod (POST …/debug or kubectl debug), or the attempt that failed. */
  debugContainer(event: {
    principal: Principal;
    cluster: string;
    namespace: string;
    pod: string;
    /** The container whose processes it sees; the pod's first when unset. */
    target?: string;
    image: string;
    container?: string;
    code?: string;
    error?: string;
  }): void;
  /** A file transfer (files.upload, files.download): never its content. `code` and `error` when it failed. */
  fileTransfer(event: {
    event: 'files.upload' | 'files.download';
    principal: Principal;
    target: { cluster: string; namespace: string; pod: string; container?: string };
    path: string;
    bytes?: number;
    sha256?: string;
    directory?: boolean;
    code?: string;
    error?: string;
  }): void;
  /** A viewer opened (watch.start) or left (watch.end) a shared session. */
  sessionWatch(event: {
    event: 'watch.start' | 'watch.end';
    sessionId: string;
    principal: Principal;
    owner: string;
    target: SessionTarget;
    reason?: string;
  }): void;
  refusal(event: {
    principal?: Principal;
    what: string;
    code: string;
    reason: string;
    cluster?: string;
    namespace?: string;
    pod?: string;
    remoteAddress?: string;
  }): void;
}

function who(principal: Principal | undefined) {
  return principal === undefined ? {} : { user: principal.sub, groups: principal.groups };
}

/** An audit log writing to `destination` (a pino destination: stdout, a file). */
export function createAuditLog(destination?: DestinationStream): AuditLog {
  const log: Logger = pino({ base: { audit: true }, messageKey: 'event', timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return {
    sessionStart: ({ principal, target, ...rest }) => log.info({ ...who(principal), ...target, ...rest }, 'session.start'),
    sessionEnd: ({ principal, target, ...rest }) => log.info({ ...who(principal), ...target, ...rest }, 'session.end'),
    sessionResume: ({ principal, target, ...rest }) => log.info({ ...who(principal), ...target, ...rest }, 'session.resume'),
    recordingFailed: ({ principal, target, ...rest }) => log.warn({ ...who(principal), ...target, ...rest }, 'recording.failed'),
    actionPod: ({ principal, ...rest }) => log.info({ ...who(principal), ...rest }, 'action.pod'),
    actionRun: ({ principal, ...rest }) => log.info({ ...who(principal), ...rest }, 'action.run'),
    debugContainer: ({ principal, ...rest }) => log.info({ ...who(principal), ...rest }, 'debug.container'),
    fileTransfer: ({ event, principal, target, ...rest }) => log.info({ ...who(principal), ...target, ...rest }, event),
    sessionWatch: ({ event, principal, target, ...rest }) => log.info({ ...who(principal), ...target, ...rest }, event),
    refusal: ({ principal, ...rest }) => log.info({ ...who(principal), ...rest }, 'refusal'),
  };
}

/** Where the audit lines go: a file path (appended, created 0600), or stdout. */
export function auditDestination(file: string | undefined): DestinationStream {
  return file === undefined ? pino.destination(1) : pino.destination({ dest: file, append: true, mkdir: true, sync: false, mode: 0o600 });
}

/** Writes out what a destination still buffers (before the process exits). */
export function flushAudit(destination: DestinationStream): void {
  const flushSync = (destination as { flushSync?: () => void }).flushSync;
  try {
    flushSync?.call(destination);
  } catch {
    // Not open yet, or already closed: nothing buffered to lose.
  }
}

/** The same events, also counted in the metrics: one stream feeds both. */
export function withMetrics(audit: AuditLog, metrics: GatewayMetrics): AuditLog {
  return {
    ...audit,
    sessionStart(event) {
      metrics.sessionStarted(event.target.cluster);
      audit.sessionStart(event);
    },
    sessionEnd(event) {
      metrics.sessionEnded(event.target.cluster, event.code ?? event.reason, event.bytesIn, event.bytesOut);
      audit.sessionEnd(event);
    },
    actionRun(event) {
      metrics.actionRun(event.action, event.cluster, event.success);
      audit.actionRun(event);
    },
    refusal(event) {
      metrics.refused(event.what, event.code);
      audit.refusal(event);
    },
  };
}
