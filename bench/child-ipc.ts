// The IPC between processes.ts and the processes it forks (the gateway, the
// local clusters, the floor relay): ready, then one question, one answer, and
// the CPU each process reports.
import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';

/** Forks `modulePath` and resolves once it says it is ready (its first message), with that message; rejects if it exits first. */
export async function forkReady<T>(modulePath: string, options: ForkOptions, name: string): Promise<{ child: ChildProcess; ready: T }> {
  const child = fork(modulePath, [], options);
  const ready = await new Promise<T>((resolve, reject) => {
    child.once('message', (message: T) => resolve(message));
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return { child, ready };
}

/** CPU seconds (user and system) this process has spent so far. */
export function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Sends `{ type }` to the child and resolves `field` of its next message. */
export function ask<T>(child: ChildProcess, type: string, field: string): Promise<T> {
  return new Promise<T>((resolve) => {
    child.once('message', (answer: Record<string, T>) => resolve(answer[field]!));
    child.send({ type });
  });
}
