// The watchdog: one small process per process that runs local clusters, which
// outlives it by moments. When this process ends in any way (exit, a signal,
// SIGKILL, a crash), the kernel closes the pipe it holds, and the watchdog ends
// every process of the watched clusters and removes their directories (see
// watchdog-program.ts). Linux's PR_SET_PDEATHSIG would do the first half, but
// Node cannot set it, and it would not follow double forks or `setsid`.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { WATCHDOG_PROGRAM } from './watchdog-program.js';

// A watchdog that dies at once (it cannot start) is not started again and again.
const RESTART_AFTER_MS = 1000;
// The watchdog's own sweep gives up after 1.5 s; past this, stop() goes on without it.
const SWEEP_TIMEOUT_MS = 3000;

let watchdog: ChildProcess | undefined;
const watched = new Set<string>();
const sweeps = new Map<string, Array<() => void>>();

function send(line: string): boolean {
  if (watchdog?.stdin?.writable !== true) return false;
  // A pipe write this small goes out at once (libuv writes before queueing),
  // so a SIGKILL right after a start still finds the root registered.
  watchdog.stdin.write(`${line}\n`);
  return true;
}

function answered(line: string): void {
  if (!line.startsWith('swept ')) return;
  const root = line.slice(6);
  for (const done of sweeps.get(root) ?? []) done();
  sweeps.delete(root);
}

function start(): void {
  const started = Date.now();
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, ['-e', WATCHDOG_PROGRAM], {
    // The write end stays here only (libuv opens it close-on-exec), so no
    // other child keeps the pipe open after this process is gone.
    stdio: ['pipe', 'pipe', 'ignore'],
    // Its own session: a signal to this process's group (Ctrl+C) misses it.
    detached: true,
    env,
  });
  child.stdin?.on('error', () => undefined);
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(answered);
  });
  // It must never keep this process alive.
  child.unref();
  (child.stdin as Socket | null)?.unref();
  (child.stdout as Socket | null)?.unref();
  child.once('exit', () => {
    if (watchdog !== child) return;
    watchdog = undefined;
    // Killed by someone: a new one takes over what was watched.
    if (watched.size > 0 && Date.now() - started >= RESTART_AFTER_MS) {
      start();
      for (const root of watched) send(`watch ${root}`);
    }
  });
  watchdog = child;
}

export interface RootWatch {
  /**
   * For stop(): SIGKILLs whatever still belongs to the root now and removes
   * it, then stops watching it. Resolves when done (or after a timeout).
   */
  sweep(): Promise<void>;
}

/** Has the watchdog end every process under `root` and remove it once this process is gone. */
export function watchRoot(root: string): RootWatch {
  if (watchdog === undefined) start();
  watched.add(root);
  send(`watch ${root}`);
  return {
    sweep: () =>
      new Promise<void>((resolve) => {
        watched.delete(root);
        const timer = setTimeout(resolve, SWEEP_TIMEOUT_MS);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        sweeps.set(root, [...(sweeps.get(root) ?? []), done]);
        if (!send(`sweep ${root}`)) done();
      }),
  };
}

/** The watchdog's pid, while one runs. */
export function watchdogPid(): number | undefined {
  return watchdog?.pid;
}
