// What a child process started, read from /proc by process group and session,
// so a test can tell what outlives it: its descendants, every member of their
// groups and sessions, and daemons that left the tree but name a marker
// (a temporary directory) on their command line.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** Field 22 of /proc/PID/stat: with the pid, it names one process for good. */
  start: string;
  comm: string;
}

export interface TreeSnapshot {
  processes: ProcessEntry[];
  /** Process groups and sessions of the tree (never the test runner's own). */
  groups: Set<number>;
  sessions: Set<number>;
}

function readStat(name: string): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Zombies have ended; only their reaping is left.
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return { pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]), sid: Number(fields[3]), start: fields[19] ?? '', comm };
  } catch {
    return undefined;
  }
}

/** Every live process. */
export function readProcesses(): ProcessEntry[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(readStat)
    .filter((entry): entry is ProcessEntry => entry !== undefined);
}

function procFile(pid: number, file: 'cmdline' | 'environ'): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return '';
  }
}

const cmdline = (pid: number) => procFile(pid, 'cmdline');

/** Whether the command line or the environment (HOME, PATH …) of `pid` names one of `markers`. */
function marked(pid: number, markers: readonly string[]): boolean {
  if (markers.length === 0) return false;
  const text = cmdline(pid) + procFile(pid, 'environ');
  return markers.some((marker) => text.includes(marker));
}

/**
 * Everything that belongs to `root` now: its descendants, processes whose
 * command line or environment holds one of `markers` (what left the tree by
 * `setsid`, whose parent is gone), and, until nothing more is found, the
 * members of their groups and sessions and the descendants of those.
 */
export function captureTree(root: number, markers: readonly string[] = []): TreeSnapshot {
  const all = readProcesses();
  const own = readStat(String(process.pid));
  const foreign = new Set([0, 1, own?.pgid ?? -1, own?.sid ?? -1]);
  const found = new Map<number, ProcessEntry>();
  const add = (p: ProcessEntry) => found.set(p.pid, p);
  for (const p of all) if (p.pid === root || marked(p.pid, markers)) add(p);
  for (let size = -1; size !== found.size;) {
    size = found.size;
    const pids = new Set(found.keys());
    const groups = new Set([...found.values()].map((p) => p.pgid).filter((g) => !foreign.has(g)));
    const sessions = new Set([...found.values()].map((p) => p.sid).filter((s) => !foreign.has(s)));
    for (const p of all) if (pids.has(p.ppid) || groups.has(p.pgid) || sessions.has(p.sid)) add(p);
  }
  const processes = [...found.values()];
  return {
    processes,
    groups: new Set(processes.map((p) => p.pgid).filter((g) => !foreign.has(g))),
    sessions: new Set(processes.map((p) => p.sid).filter((s) => !foreign.has(s))),
  };
}

/** The processes of `snapshot` still alive, and any process now in one of its groups or sessions. */
export function survivors(snapshot: TreeSnapshot): ProcessEntry[] {
  const known = new Map(snapshot.processes.map((p) => [p.pid, p.start]));
  return readProcesses().filter((p) => known.get(p.pid) === p.start || snapshot.groups.has(p.pgid) || snapshot.sessions.has(p.sid));
}

/** "pid comm" of each, for a failure message. */
export function describeProcesses(processes: readonly ProcessEntry[]): string[] {
  return processes.map(
    (p) => `${p.pid} ${p.comm} (pgid ${p.pgid}, sid ${p.sid}): ${cmdline(p.pid).replace(/\0/g, ' ').trim().slice(0, 120)}`,
  );
}
