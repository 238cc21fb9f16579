// A command of an exec as a real local process: a PTY (node-pty) when tty is
// asked for, pipes otherwise. Each runs in its own session, and ending an
// exec kills that whole session, so no descendant outlives it.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import pty from 'node-pty';

export interface ProcessOptions {
  command: readonly string[];
  cwd: string;
  env: Record<string, string>;
  tty: boolean;
  stdin: boolean;
  cols?: number;
  rows?: number;
}

export interface ProcessEvents {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  /** Once, after all output was delivered: the exit code, or an error when the command could not start. */
  exit(result: { code: number } | { error: string }): void;
}

export interface LocalProcess {
  readonly pid: number;
  writeStdin(data: Buffer): void;
  closeStdin(): void;
  resize(cols: number, rows: number): void;
  /** Ends the process and everything it started (SIGHUP, then SIGKILL after a grace). */
  kill(): void;
}

/** Pids of every process whose session id is `sid` (field 6 of /proc/PID/stat). */
export function sessionMembers(sid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[3]) === sid) members.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return members;
}

function signalSession(sid: number, signal: NodeJS.Signals): void {
  for (const pid of sessionMembers(sid)) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

const KILL_GRACE_MS = 1000;

function killSession(sid: number): void {
  signalSession(sid, 'SIGHUP');
  signalSession(sid, 'SIGCONT');
  const timer = setTimeout(() => signalSession(sid, 'SIGKILL'), KILL_GRACE_MS);
  timer.unref();
}

function startPty(options: ProcessOptions, events: ProcessEvents): LocalProcess {
  const [file, ...args] = options.command;
  // node-pty forks, calls setsid() and execs: the child leads a new session.
  const child = pty.spawn(file ?? 'sh', args, {
    name: 'xterm-256color',
    cols: options.cols ?? 80,
    rows: options.rows ?? 24,
    cwd: options.cwd,
    env: options.env,
    encoding: null,
  });
  child.onData((data) => events.stdout(Buffer.isBuffer(data) ? data : Buffer.from(data)));
  child.onExit(({ exitCode, signal }) => {
    // The PTY is drained before node-pty reports the exit.
    events.exit({ code: signal !== undefined && signal !== 0 ? 128 + signal : exitCode });
  });
  return {
    pid: child.pid,
    writeStdin: (data) => child.write(data),
    // A terminal has no half-close: end-of-file is the EOF character.
    closeStdin: () => child.write('\x04'),
    resize: (cols, rows) => {
      try {
        child.resize(cols, rows);
      } catch {
        // Resizing a PTY whose process just ended.
      }
    },
    kill: () => killSession(child.pid),
  };
}

function startPipes(options: ProcessOptions, events: ProcessEvents): LocalProcess {
  const [file, ...args] = options.command;
  const child = spawn(file ?? 'sh', args, {
    cwd: options.cwd,
    env: options.env,
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    // setsid(): its own session, so the whole tree can be found and ended.
    detached: true,
  });
  let reported = false;
  const report = (result: { code: number } | { error: string }) => {
    if (reported) return;
    reported = true;
    events.exit(result);
  };
  child.stdout?.on('data', (data: Buffer) => events.stdout(data));
  child.stderr?.on('data', (data: Buffer) => events.stderr(data));
  child.stdin?.on('error', () => undefined);
  child.once('error', (error: NodeJS.ErrnoException) => {
    report({ error: error.code === 'ENOENT' ? `exec: "${file}": executable file not found in $PATH` : `exec: "${file}": ${error.message}` });
  });
  // 'close' comes after stdout and stderr ended: every byte is out by then.
  child.once('close', (code, signal) => {
    report({ code: code ?? (signal !== null ? 128 + (signalNumber(signal) ?? 1) : 1) });
  });
  return {
    pid: child.pid ?? -1,
    writeStdin: (data) => {
      if (child.stdin?.writable) child.stdin.write(data);
    },
    closeStdin: () => child.stdin?.end(),
    resize: () => undefined,
    kill: () => {
      if (child.pid !== undefined) killSession(child.pid);
    },
  };
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
  return numbers[signal];
}

export function startProcess(options: ProcessOptions, events: ProcessEvents): LocalProcess {
  return options.tty ? startPty(options, events) : startPipes(options, events);
}
