// What the terminal endpoint tells about its sessions: the start of each (to
// the hooks, the audit log and metrics) and the `session` message the browser
// gets when one starts or resumes.
import type { IncomingMessage } from 'node:http';
import type { SessionMessage } from '../../../shared/protocol.js';
import type { Principal } from '../../core/principal.js';
import type { ExecTarget, PodTarget } from '../../core/target.js';
import type { GatewayError } from '../../errors.js';
import type { SessionSummary } from '../../exec/terminal-session.js';

export interface SessionStart {
  id: string;
  principal: Principal;
  target: ExecTarget;
  /** The .cast file, when the session is recorded. */
  recording?: string;
}

export interface TerminalEndpointHooks {
  onSessionStart?(start: SessionStart): void;
  onSessionEnd?(start: SessionStart, summary: SessionSummary): void;
  /** A browser came back to a session it had lost. */
  onSessionResumed?(start: SessionStart, lostBytes: number): void;
  /** An upgrade refused before it happened (Origin, subprotocol, token). */
  onUpgradeRefused?(req: IncomingMessage, error: GatewayError): void;
  /** A session refused after authentication (policy, bad input, unknown target, a cap). */
  onRefused?(principal: Principal, target: PodTarget, error: GatewayError): void;
  /** How long dialling the cluster took. */
  onUpstreamConnected?(cluster: string, seconds: number): void;
  /** A required recording failed and the policy (failure: open) let the session go on. */
  onRecordingFailed?(start: SessionStart, error: Error): void;
}

/** The `session` message: which session this is and where it runs. */
export function sessionMessage(start: SessionStart, resumed: boolean): SessionMessage {
  const { id, target } = start;
  return {
    type: 'session',
    id,
    cluster: target.cluster,
    namespace: target.namespace,
    pod: target.pod,
    container: target.container ?? '',
    tty: target.tty,
    ...(resumed ? { resumed } : {}),
  };
}
