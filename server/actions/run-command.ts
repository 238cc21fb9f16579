// Runs one fixed argv in one pod through the exec websocket (no TTY, stdout
// and stderr kept apart) and collects its result, capped and timed.
import type { Principal } from '../core/principal.js';
import { dialExec, execPath } from '../clusters/dial-exec.js';
import type { Cluster } from '../clusters/index.js';
import { toGatewayError } from '../errors.js';
import { Channel, parseExecStatus } from '../exec/channels.js';

export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  durationMs: number;
  error?: string;
  timedOut?: boolean;
}

export interface RunCommandOptions {
  principal: Principal;
  timeoutMs: number;
  maxOutputBytes: number;
  dialTimeoutMs: number;
}

class CappedStream {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(Buffer.from(kept));
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export async function runCommand(
  cluster: Cluster,
  target: { namespace: string; pod: string; container: string },
  command: readonly string[],
  options: RunCommandOptions,
): Promise<CommandResult> {
  const started = Date.now();
  const stdout = new CappedStream(options.maxOutputBytes);
  const stderr = new CappedStream(options.maxOutputBytes);
  const result = (extra: Partial<CommandResult> & { exitCode: number | null }): CommandResult => ({
    stdout: stdout.text(),
    stderr: stderr.text(),
    stdoutTruncated: stdout.truncated,
    stderrTruncated: stderr.truncated,
    durationMs: Date.now() - started,
    ...extra,
  });
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs);
  try {
    const socket = await dialExec(cluster, execPath({ ...target, command, tty: false }, { stdin: false, stdout: true, stderr: true }), {
      principal: options.principal,
      timeoutMs: Math.min(options.dialTimeoutMs, options.timeoutMs),
      signal: abort.signal,
    });
    return await new Promise<CommandResult>((resolve) => {
      let done = false;
      const finish = (value: CommandResult) => {
        if (done) return;
        done = true;
        abort.signal.removeEventListener('abort', onAbort);
        if (socket.readyState === socket.OPEN) socket.close(1000);
        else socket.terminate();
        resolve(value);
      };
      const onAbort = () => finish(result({ exitCode: null, timedOut: true, error: `timed out after ${options.timeoutMs / 1000} s` }));
      abort.signal.addEventListener('abort', onAbort, { once: true });
      socket.on('message', (data: Buffer) => {
        if (data.length < 2) return;
        const channel = data[0];
        if (channel === Channel.Stdout) stdout.push(data.subarray(1));
        else if (channel === Channel.Stderr) stderr.push(data.subarray(1));
        else if (channel === Channel.Status) {
          const status = parseExecStatus(data.subarray(1));
          finish(status.kind === 'exit' ? result({ exitCode: status.code }) : result({ exitCode: null, error: status.message }));
        }
      });
      socket.on('close', () =>
        finish(result({ exitCode: null, error: 'the connection to the cluster was lost before the command ended' })),
      );
      socket.on('error', () => undefined);
    });
  } catch (error) {
    if (abort.signal.aborted) return result({ exitCode: null, timedOut: true, error: `timed out after ${options.timeoutMs / 1000} s` });
    return result({ exitCode: null, error: toGatewayError(error).message });
  } finally {
    clearTimeout(timer);
  }
}
