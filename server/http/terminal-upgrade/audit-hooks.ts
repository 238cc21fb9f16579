// The terminal endpoint's hooks as the gateway wires them: each session's
// start, end, resume and refusal goes to the audit log, and how long
// dialling the cluster took to the metrics.
import type { IncomingMessage } from 'node:http';
import type { AuditLog } from '../../audit/audit-log.js';
import type { GatewayError } from '../../errors.js';
import type { GatewayMetrics } from '../../metrics/metrics.js';
import type { TerminalEndpointHooks } from './session-start.js';

export function auditedTerminalHooks(
  audit: AuditLog,
  metrics: GatewayMetrics,
  onUpgradeRefused: (req: IncomingMessage, error: GatewayError) => void,
): TerminalEndpointHooks {
  return {
    onSessionStart: (start) =>
      audit.sessionStart({ sessionId: start.id, principal: start.principal, target: start.target, recording: start.recording }),
    onSessionEnd: (start, summary) =>
      audit.sessionEnd({
        sessionId: start.id,
        principal: start.principal,
        target: start.target,
        bytesIn: summary.bytesFromBrowser,
        bytesOut: summary.bytesToBrowser,
        exitCode: summary.exitCode,
        reason: summary.reason,
        code: summary.error?.code,
        error: summary.error?.message,
        durationMs: summary.durationMs,
        resumes: summary.resumes,
      }),
    onSessionResumed: (start, lostBytes) =>
      audit.sessionResume({ sessionId: start.id, principal: start.principal, target: start.target, lostBytes }),
    onRecordingFailed: (start, error) =>
      audit.recordingFailed({ sessionId: start.id, principal: start.principal, target: start.target, error: error.message }),
    onUpstreamConnected: (cluster, seconds) => metrics.upstreamConnected(cluster, seconds),
    onRefused: (principal, route, error) => audit.refusal({ principal, what: 'exec', code: error.code, reason: error.message, ...route }),
    onUpgradeRefused,
  };
}
