// What a local cluster leaves behind when its process ends without stop():
// its nginx masters and its temporary directory. A synchronous exit hook
// covers process.exit(); the watchdog (watchdog.ts) covers a kill, and a
// janitor at the next start covers a watchdog killed with its cluster.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive, sessionMembers } from './sessions.js';

export const ROOT_PREFIX = 'webterm-local-cluster-';
const OWNER_FILE = 'owner';

/** Field 22 of /proc/PID/stat: with the pid, it names one process for good. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Marks `root` as this process's. */
export function claimRoot(root: string): void {
  writeFileSync(join(root, OWNER_FILE), `${process.pid} ${startTime(process.pid) ?? ''}\n`);
}

function ownerAlive(root: string): boolean {
  const [pid, started] = readFileSync(join(root, OWNER_FILE), 'utf8').trim().split(' ');
  return startTime(Number(pid)) === started && processAlive(Number(pid));
}

/** The nginx masters whose pid files lie under `root`, still running from there. */
export function nginxMastersUnder(root: string): number[] {
  const masters: number[] = [];
  for (const namespace of safeReaddir(root)) {
    for (const pod of safeReaddir(join(root, namespace))) {
      const pidFile = join(root, namespace, pod, 'nginx', 'logs', 'nginx.pid');
      if (!existsSync(pidFile)) continue;
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      // The pid may have been reused since: only a process started from this prefix counts.
      if (Number.isInteger(pid) && pid > 1 && processAlive(pid) && cmdline(pid).includes(root)) masters.push(pid);
    }
  }
  return masters;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1');
  } catch {
    return '';
  }
}

/** Kills an nginx master and its workers at once (they share the master's session). */
export function killNginxNow(master: number): void {
  for (const pid of [master, ...sessionMembers(master)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}

/**
 * Removes the directories (and stops the nginx) of local clusters whose
 * process died without stopping them. Directories of live clusters, and
 * those without an owner mark, are left alone.
 */
export function removeStaleClusters(parent: string): string[] {
  const removed: string[] = [];
  for (const name of safeReaddir(parent)) {
    const root = join(parent, name);
    if (!name.startsWith(ROOT_PREFIX) || !existsSync(join(root, OWNER_FILE))) continue;
    try {
      if (ownerAlive(root)) continue;
      nginxMastersUnder(root).forEach(killNginxNow);
      rmSync(root, { recursive: true, force: true });
      removed.push(root);
    } catch {
      // Another process cleaning the same directory; it is theirs to finish.
    }
  }
  return removed;
}

const exitCleanups = new Set<() => void>();

/** Runs `cleanup` (synchronous) if the process exits while it is registered; returns the unregistration. */
export function cleanUpOnExit(cleanup: () => void): () => void {
  if (exitCleanups.size === 0) process.on('exit', runExitCleanups);
  exitCleanups.add(cleanup);
  return () => {
    exitCleanups.delete(cleanup);
    if (exitCleanups.size === 0) process.off('exit', runExitCleanups);
  };
}

function runExitCleanups(): void {
  for (const cleanup of exitCleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: the process is ending.
    }
  }
}
