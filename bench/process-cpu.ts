// Where the CPU of a browser figure goes: every process under the bench
// runner, read from /proc and summed by role (the pod, the local cluster, the
// gateway, the tab's threads, the rest of Chromium, the runner itself). On a
// machine of two cores the page and what feeds it share them, so a rate is
// only understood beside what each part spent.
import { readFileSync, readdirSync } from 'node:fs';

export const CPU_ROLES = [
  'pod',
  'local cluster',
  'gateway',
  'tab main thread',
  'tab socket worker',
  'tab other threads',
  'Chromium network',
  'Chromium gpu',
  'Chromium browser',
  'Chromium other',
  'bench runner',
] as const;
export type CpuRole = (typeof CPU_ROLES)[number];
export type CpuByRole = Record<CpuRole, number>;

interface ProcessEntry {
  ppid: number;
  /** Clock ticks the process spent itself. */
  ticks: number;
  /** Clock ticks of its children it has waited for: a pod's `base64` is counted by its shell once it ends. */
  childTicks: number;
  cmdline: string;
}

const TICKS_PER_SECOND = 100;

function readStat(path: string): { ppid: number; comm: string; ticks: number; childTicks: number } | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    // After the state (fields[0]): ppid is fields[1]; utime, stime, cutime, cstime are fields[11..14].
    return {
      ppid: Number(fields[1]),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      ticks: Number(fields[11]) + Number(fields[12]),
      childTicks: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return undefined; // Gone between the listing and the read.
  }
}

function readProcesses(): Map<number, ProcessEntry> {
  const processes = new Map<number, ProcessEntry>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(`/proc/${name}/stat`);
    if (stat === undefined) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      // A zombie: its ticks still count.
    }
    processes.set(Number(name), { ppid: stat.ppid, ticks: stat.ticks, childTicks: stat.childTicks, cmdline });
  }
  return processes;
}

/** The role of `pid`, from the nearest process up its tree that has one; undefined outside the runner's tree. */
function roleOf(pid: number, processes: Map<number, ProcessEntry>): CpuRole | 'tab' | undefined {
  for (let at = pid; ;) {
    if (at === process.pid) return 'bench runner';
    const entry = processes.get(at);
    if (entry === undefined) return undefined;
    const { cmdline } = entry;
    if (cmdline.includes('gateway-child.js')) return 'gateway';
    // What runs under a local cluster runs in one of its pods.
    if (cmdline.includes('cluster-child.js')) return at === pid ? 'local cluster' : 'pod';
    if (cmdline.includes('chromium')) {
      if (cmdline.includes('--type=renderer')) return 'tab';
      if (cmdline.includes('--type=gpu')) return 'Chromium gpu';
      if (!cmdline.includes('--type=')) return 'Chromium browser';
      return cmdline.includes('NetworkService') ? 'Chromium network' : 'Chromium other';
    }
    at = entry.ppid;
  }
}

/** A renderer's threads by role: Chromium names its main thread after the program and a worker's thread DedicatedWorker. */
function addTabThreads(pid: number, sums: CpuByRole): void {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return;
  }
  for (const thread of threads) {
    const stat = readStat(`/proc/${pid}/task/${thread}/stat`);
    if (stat === undefined) continue;
    const role: CpuRole =
      Number(thread) === pid ? 'tab main thread' : stat.comm.startsWith('DedicatedWorker') ? 'tab socket worker' : 'tab other threads';
    sums[role] += stat.ticks;
  }
}

function zero(): CpuByRole {
  return Object.fromEntries(CPU_ROLES.map((role) => [role, 0])) as CpuByRole;
}

/** CPU ticks spent so far by the runner's process tree, by role. */
function readCpuByRole(): CpuByRole {
  const processes = readProcesses();
  const sums = zero();
  for (const [pid, entry] of processes) {
    const role = roleOf(pid, processes);
    if (role === 'tab') addTabThreads(pid, sums);
    // Only a pod's processes wait for children of their own role; the others' children are other parts (or gone before).
    else if (role === 'pod') sums.pod += entry.ticks + entry.childTicks;
    else if (role !== undefined) sums[role] += entry.ticks;
  }
  return sums;
}

/**
 * Starts counting; the returned function stops and gives the CPU seconds each
 * role spent in between. Read the end before a tab closes: what a process that
 * has ended spent is lost, unless a pod's process waited for it. Without /proc
 * (not Linux) it gives undefined.
 */
export function countCpuByRole(): () => CpuByRole | undefined {
  let start: CpuByRole;
  try {
    start = readCpuByRole();
  } catch {
    return () => undefined;
  }
  return () => {
    const end = readCpuByRole();
    const spent = zero();
    for (const role of CPU_ROLES) spent[role] = Math.max(0, end[role] - start[role]) / TICKS_PER_SECOND;
    return spent;
  };
}
