// A command of an exec as a real local process: a PTY (node-pty) when tty is
// asked for, pipes otherwise. Each runs in its own session, and ending an
// exec ends that whole session, so no descendant outlives it.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import pty from 'node-pty';
import { endSession, SESSION_KILL_GRACE_MS } from './sessions.js';

export { sessionMembers } from './sessions.js';

export interface ProcessOptions {
  command: readonly string[];
  cwd: string;
  env: Record<string, string>;
  tty: boolean;
  stdin: boolean;
  cols?: number;
  rows?: number;
}

export type ProcessResult = { code: number } | { error: string };

export interface ProcessEvents {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  /** Once, after all output was delivered: the exit code, or why the command could not start. */
  exit(result: ProcessResult): void;
}

export interface LocalProcess {
  readonly pid: number;
  /** Writes to the process's stdin; false when its buffer is full, and then `drained` is called once it has room. */
  writeStdin(data: Buffer, drained: () => void): boolean;
  closeStdin(): void;
  resize(cols: number, rows: number): void;
  /** Stops reading output until resume(): the pipe (and so the process) waits, as on a slow connection. */
  pause(): void;
  resume(): void;
  /** Ends the process and everything in its session (SIGHUP, then SIGKILL after a grace). */
  kill(): void;
}

/** A shell's convention for a death by signal: 128 + the signal number. */
function signalExitCode(signal: NodeJS.Signals | number | null | undefined): number {
  if (typeof signal === 'number') return 128 + signal;
  return 128 + (signal ? (constants.signals[signal] ?? 1) : 1);
}

function startPty(options: ProcessOptions, events: ProcessEvents): LocalProcess {
  const [file, ...args] = options.command;
  // node-pty forks, calls setsid() and execs: the child leads a new session
  // whose controlling terminal is this PTY.
  const child = pty.spawn(file ?? 'sh', args, {
    name: options.env.TERM ?? 'xterm-256color',
    cols: options.cols ?? 80,
    rows: options.rows ?? 24,
    cwd: options.cwd,
    env: options.env,
    encoding: null,
  });
  child.onData((data) => events.stdout(Buffer.isBuffer(data) ? data : Buffer.from(data)));
  // node-pty reports the exit once the PTY is drained (or 200 ms later at most).
  child.onExit(({ exitCode, signal }) => events.exit({ code: signal ? signalExitCode(signal) : exitCode }));
  return {
    pid: child.pid,
    // A PTY takes input without backpressure.
    writeStdin: (data) => {
      child.write(data);
      return true;
    },
    // A terminal has no half-close: end of input is the EOF character (^D).
    closeStdin: () => child.write('\x04'),
    resize: (cols, rows) => {
      try {
        child.resize(cols, rows);
      } catch {
        // Resizing a PTY whose process just ended.
      }
    },
    pause: () => child.pause(),
    resume: () => child.resume(),
    kill: () => {
      child.resume();
      endSession(child.pid);
    },
  };
}

function startPipes(options: ProcessOptions, events: ProcessEvents): LocalProcess {
  const [file, ...args] = options.command;
  const child = spawn(file ?? 'sh', args, {
    cwd: options.cwd,
    env: options.env,
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    // setsid(): its own session (and process group), so the whole tree can be found and ended.
    detached: true,
  });
  // Both are pipes (stdio above); the type cannot tell.
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  let reported = false;
  let exitCode: number | undefined;
  const report = (result: ProcessResult) => {
    if (reported) return;
    reported = true;
    events.exit(result);
  };
  stdout.on('data', (data: Buffer) => events.stdout(data));
  stderr.on('data', (data: Buffer) => events.stderr(data));
  child.stdin?.on('error', () => undefined);
  child.once('error', (error: NodeJS.ErrnoException) => {
    report({
      error: error.code === 'ENOENT' ? 'executable file not found in $PATH' : error.code === 'EACCES' ? 'permission denied' : error.message,
    });
  });
  child.once('exit', (code, signal) => (exitCode = code ?? signalExitCode(signal)));
  // 'close' comes after stdout and stderr ended: every byte is out by then.
  child.once('close', (code, signal) => report({ code: code ?? signalExitCode(signal) }));
  return {
    pid: child.pid ?? -1,
    writeStdin: (data, drained) => {
      const stdin = child.stdin;
      if (stdin === null || !stdin.writable || stdin.write(data)) return true;
      const done = () => {
        stdin.off('drain', done).off('close', done);
        drained();
      };
      stdin.once('drain', done).once('close', done);
      return false;
    },
    closeStdin: () => child.stdin?.end(),
    resize: () => undefined,
    pause: () => {
      stdout.pause();
      stderr.pause();
    },
    resume: () => {
      stdout.resume();
      stderr.resume();
    },
    kill: () => {
      if (child.pid === undefined) return;
      stdout.resume();
      stderr.resume();
      endSession(child.pid);
      // A process that left the session (setsid) may still hold the pipes open:
      // once the session is surely gone, stop waiting for them.
      setTimeout(() => {
        if (reported) return;
        stdout.destroy();
        stderr.destroy();
        if (exitCode !== undefined) report({ code: exitCode });
      }, SESSION_KILL_GRACE_MS + 200).unref();
    },
  };
}

export function startProcess(options: ProcessOptions, events: ProcessEvents): LocalProcess {
  return options.tty ? startPty(options, events) : startPipes(options, events);
}
