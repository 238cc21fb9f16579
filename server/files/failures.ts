// What a transfer script's exit and words mean to the client: each refusal
// with its HTTP status and the container's own message.
import { GatewayError } from '../errors.js';
import { execFailure, type ExecStatus } from '../exec/channels.js';
import { FileExit } from './scripts.js';

/** The container's stderr, trimmed to a message a status line can show. */
function words(stderr: string, fallback: string): string {
  const text = stderr.trim().split('\n').slice(-3).join('; ');
  return text === '' ? fallback : text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/** A non-zero exit of a transfer script (or of the tool it ran) as the client's error. */
export function exitFailure(code: number, stderr: string): GatewayError {
  const message = words(stderr, `the transfer failed in the container (exit ${code})`);
  if (code === FileExit.MissingTool) return new GatewayError('not_implemented', message);
  if (code === FileExit.NotFound || /no such file or directory/i.test(message)) return new GatewayError('not_found', message);
  if (code === FileExit.IsDirectory) return new GatewayError('conflict', message);
  if (/permission denied|operation not permitted|read-only file system/i.test(message)) return new GatewayError('forbidden', message);
  return new GatewayError('exec_failed', message);
}

/** The exec itself failed: a container without sh is a 501 naming it. */
export function statusFailure(status: Extract<ExecStatus, { kind: 'failure' }>): GatewayError {
  if (/executable file not found|no such file or directory/i.test(status.message) && /"sh"/.test(status.message)) {
    return new GatewayError('not_implemented', 'the container has no sh, which file transfers need', { cause: status.message });
  }
  return execFailure(status);
}
