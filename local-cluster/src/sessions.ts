// Ending every process of an exec. Each exec runs in its own session
// (setsid), so its tree is found by session id in /proc, even processes that
// moved to their own process group (job control in an interactive shell);
// children that started a session of their own (`setsid cmd &`) are found
// through their parent while it lives.
import { readdirSync, readFileSync } from 'node:fs';

interface ProcessEntry {
  pid: number;
  ppid: number;
  sid: number;
}

/** Every live process (zombies have ended; only their reaping is left). Throws when /proc cannot be read. */
function scanProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) > 57 || !/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch (error) {
      // Gone while we looked is fine; out of file descriptors is not: the caller retries.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EMFILE' || code === 'ENFILE') throw error;
      continue;
    }
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const [state, ppid, , sid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ', 4);
    if (state === 'Z' || state === 'X') continue;
    entries.push({ pid: Number(name), ppid: Number(ppid), sid: Number(sid) });
  }
  return entries;
}

/** For each of `sids`: its members and their descendants. */
function sessionTrees(sids: ReadonlySet<number>, processes: readonly ProcessEntry[]): Map<number, Set<number>> {
  const children = new Map<number, number[]>();
  for (const p of processes) {
    const siblings = children.get(p.ppid);
    if (siblings === undefined) children.set(p.ppid, [p.pid]);
    else siblings.push(p.pid);
  }
  const trees = new Map<number, Set<number>>();
  for (const p of processes) {
    if (!sids.has(p.sid)) continue;
    let tree = trees.get(p.sid);
    if (tree === undefined) trees.set(p.sid, (tree = new Set()));
    const stack = [p.pid];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      if (tree.has(pid)) continue;
      tree.add(pid);
      stack.push(...(children.get(pid) ?? []));
    }
  }
  return trees;
}

/** Pids of the live processes of session `sid` (field 6 of /proc/PID/stat). */
export function sessionMembers(sid: number): number[] {
  return scanProcesses()
    .filter((p) => p.sid === sid)
    .map((p) => p.pid);
}

/** Whether `pid` is a live process: zombies (an orphan waiting for init to reap it) are not. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

export const SESSION_KILL_GRACE_MS = 1000;
const RETRY_MS = 50;

// Sessions waiting for a /proc scan, with the signal they get. One scan serves
// every session ended in the same tick: closing thousands of execs at once
// must not cost thousands of full /proc walks.
const pending = new Map<number, NodeJS.Signals>();
// Sessions a scan last found alive. An empty session never gets members again
// (nobody is left to fork), so a later "member" could only be a new session
// on a reused pid: those are left alone.
const live = new Set<number>();
let scheduled = false;

function flush(): void {
  scheduled = false;
  if (pending.size === 0) return;
  let trees: Map<number, Set<number>>;
  try {
    trees = sessionTrees(new Set(pending.keys()), scanProcesses());
  } catch {
    // Out of file descriptors: signal each leader's process group (one syscall,
    // no descriptor needed) and scan again soon.
    for (const [sid, name] of pending) signal(-sid, name);
    schedule(RETRY_MS);
    return;
  }
  const batch = new Map(pending);
  pending.clear();
  for (const [sid, name] of batch) {
    live.delete(sid);
    const tree = trees.get(sid);
    if (tree === undefined) continue;
    if (name !== 'SIGKILL') live.add(sid);
    for (const pid of tree) signal(pid, name);
    // A stopped process acts on SIGHUP only once continued.
    if (name === 'SIGHUP') for (const pid of tree) signal(pid, 'SIGCONT');
  }
}

function schedule(delayMs = 0): void {
  if (scheduled) return;
  scheduled = true;
  if (delayMs === 0) setImmediate(flush);
  else setTimeout(flush, delayMs).unref();
}

/**
 * Ends the session `sid` and what it started: SIGHUP now (as a hung-up
 * terminal would), SIGKILL to whatever is left after a grace period.
 */
export function endSession(sid: number): void {
  if (!Number.isInteger(sid) || sid <= 1) return;
  if (pending.get(sid) !== 'SIGKILL') pending.set(sid, 'SIGHUP');
  schedule();
  setTimeout(() => {
    if (!live.has(sid) && !pending.has(sid)) return;
    pending.set(sid, 'SIGKILL');
    schedule();
  }, SESSION_KILL_GRACE_MS).unref();
}
