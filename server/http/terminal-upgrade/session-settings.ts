// A terminal session's settings, from the gateway's terminal settings and the
// session limits of the policy rule that allowed it.
import type { GatewayConfig } from '../../config/index.js';
import type { SessionSettings } from '../../exec/terminal-session.js';

/** Input queued while dialling may be as large as one message, and at least this. */
const MIN_QUEUED_INPUT_BYTES = 8 * 1024 * 1024;

export function terminalSessionSettings(terminal: GatewayConfig['terminal'], limits: GatewayConfig['sessions']): SessionSettings {
  return {
    highWaterMarkBytes: terminal.highWaterMarkBytes,
    maxQueuedBytes: Math.max(MIN_QUEUED_INPUT_BYTES, terminal.maxPayloadBytes),
    expiryWarningSeconds: terminal.expiryWarningSeconds,
    stalledClientTimeoutMs: terminal.stalledClientTimeoutSeconds * 1000,
    idleTimeoutMs: limits.idleTimeoutSeconds * 1000,
    warningMs: limits.idleWarningSeconds * 1000,
    maxDurationMs: limits.maxDurationSeconds * 1000,
    resumeGraceMs: limits.resumeGraceSeconds * 1000,
    replayBufferBytes: limits.replayBufferBytes,
  };
}
