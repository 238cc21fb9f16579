// `npm start` (or `npm run local-cluster`) in a process of its own, leading its
// own session, that a test can end in each way a process ends: exit, SIGTERM,
// SIGINT (Ctrl+C, to the whole foreground group), SIGKILL, an uncaught error.
import { spawn, type ChildProcess } from 'node:child_process';
import { projectRoot } from './stack.js';

export const ENDINGS = ['exit', 'SIGTERM', 'SIGINT', 'SIGKILL', 'uncaught error'] as const;
export type Ending = (typeof ENDINGS)[number];

// Loaded ahead of the program: "exit" on stdin calls process.exit(0) without
// any stop(), "throw" throws from a callback, as a bug would.
const TRIGGER = `
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  if (text.includes('exit')) process.exit(0);
  if (text.includes('throw')) setImmediate(() => { throw new Error('an uncaught error, thrown for a test'); });
});
process.stdin.on('error', () => undefined);
`;

export interface EndingProcess {
  child: ChildProcess;
  pid: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the output matched by `pattern` once it appears. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves when the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  end(how: Ending): void;
  /** SIGKILL if still running (for after a failed test). */
  kill(): Promise<void>;
}

/** `args` go to scripts/start.mjs (`--local-cluster …`, or none for the gateway). */
export function startEndingProcess(args: string[], env: NodeJS.ProcessEnv = {}): EndingProcess {
  const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(TRIGGER)}`, 'scripts/start.mjs', ...args], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own session and group, as a program started from a shell: a group
    // signal reaches it and what it started, never the test runner.
    detached: true,
  });
  if (child.pid === undefined) throw new Error('the process did not start');
  const pid = child.pid;
  let text = '';
  // Read to the end: a full pipe would block the process.
  const keep = (chunk: Buffer) => {
    if (text.length < 1_000_000) text += chunk.toString();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.stdin!.on('error', () => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    pid,
    output: () => text,
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(text);
        if (match !== null) return match;
        if (done) throw new Error(`the process ended before ${pattern}: ${text.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}: ${text.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    exited,
    end(how) {
      if (how === 'exit') child.stdin!.write('exit\n');
      else if (how === 'uncaught error') child.stdin!.write('throw\n');
      // Ctrl+C at a terminal signals the whole foreground process group.
      else if (how === 'SIGINT') process.kill(-pid, 'SIGINT');
      else process.kill(pid, how);
    },
    async kill() {
      if (done) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
