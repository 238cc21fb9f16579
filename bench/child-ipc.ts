// The IPC between run.ts and the processes it forks (the gateway, the local
// clusters): one question, one answer, and the CPU each process reports.
import type { ChildProcess } from 'node:child_process';

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
