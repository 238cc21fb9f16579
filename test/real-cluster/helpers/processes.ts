// The control plane's processes: a child whose output is read to the end
// (its tail kept for failure messages), a readiness poll that gives up when
// the child dies, and SIGKILL for stop().
import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcessHandle {
  child: ChildProcess;
  log(): string;
  exited: Promise<number | null>;
}

export function startProcess(name: string, binary: string, args: string[], env: NodeJS.ProcessEnv = process.env): ProcessHandle {
  const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  // Read to the end (a full pipe would block the program); keep the tail for failure messages.
  const keep = (d: Buffer) => {
    log += d.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', (error) => (log += `\n${name}: ${error.message}`));
  return { child, log: () => log, exited };
}

export async function kill(handle: ProcessHandle | undefined): Promise<void> {
  if (handle === undefined || handle.child.exitCode !== null || handle.child.signalCode !== null) return;
  handle.child.kill('SIGKILL');
  await handle.exited;
}

export async function waitFor(what: string, check: () => Promise<boolean>, handle: ProcessHandle, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (handle.child.exitCode !== null) throw new Error(`${what} exited with ${handle.child.exitCode}:\n${handle.log().slice(-4000)}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${handle.log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
