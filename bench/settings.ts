// What a bench run measures and how much: the BENCH_* environment variables,
// read once by the runner and handed to the figures.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository: dist/bench/settings.js is three folders below it. */
export const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** Idle sessions each local cluster process serves: each costs it four descriptors (socket, three pipes), and a process may hold 20 000. */
export const SESSIONS_PER_CLUSTER = 2500;

export interface BenchSettings {
  /** Measured rounds each way of every A/B comparison. */
  rounds: number;
  /** Figures to run, by number ("1" … "8"). */
  only: readonly string[];
  throughputMiB: number;
  echoes: number;
  /** Idle session counts held, one after the other. */
  idle: readonly number[];
  /** Idle sessions opened at once. */
  idleBatch: number;
  /** Idle sessions, each from a user of its own, on a freshly started gateway and through kubectl proxy. */
  idleUsers: number;
  /** The kubectl whose `proxy` is a route. */
  kubectl: string;
  active: number;
  activeMiB: number;
  slowMiB: number;
  slowBytesPerSecond: number;
  /** Navigations each way (first visit, cached): one takes well under a second, and a browser's timings spread widely. */
  pageRounds: number;
  /** The flood of figure 8: MiB of random bytes, base64-encoded (so 4/3 as many bytes shown). */
  floodMiB: number;
  /** Runs each way of figure 8 (the page, the bare xterm.js). */
  floodRounds: number;
  /** A keystroke is typed this often during the page's flood. */
  floodProbeMs: number;
  /** Records every session in this folder (what recording costs the shell). */
  recordDirectory: string | undefined;
  /** The backpressure high water mark under test (terminal.highWaterMarkBytes). */
  highWaterMarkBytes: number | undefined;
  /** Another tree (its root) whose built gateway runs beside this one as route `gateway B`: A/B of a change in one run. */
  gatewayB: string | undefined;
  /** Writes a CPU profile of the gateway (node --cpu-prof) to this folder. */
  cpuProfileDirectory: string | undefined;
  traceGc: boolean;
  verbose: boolean;
}

export function readSettings(env: NodeJS.ProcessEnv): BenchSettings {
  const number = (name: string, fallback: number) => Number(env[name] ?? fallback);
  const text = (name: string) => (env[name] === '' ? undefined : env[name]);
  return Object.freeze({
    rounds: number('BENCH_ROUNDS', 5),
    only: (env.BENCH_ONLY ?? '1,2,3,4,5,6,7,8,9').split(','),
    throughputMiB: number('BENCH_MB', 256),
    echoes: number('BENCH_ECHOES', 2000),
    idle: (env.BENCH_IDLE ?? '1000,5000').split(',').map(Number),
    idleBatch: number('BENCH_IDLE_BATCH', 100),
    idleUsers: number('BENCH_IDLE_USERS', 300),
    kubectl: env.BENCH_KUBECTL ?? '/usr/bin/kubectl',
    active: number('BENCH_ACTIVE', 200),
    activeMiB: number('BENCH_ACTIVE_MB', 4),
    slowMiB: number('BENCH_SLOW_MB', 64),
    slowBytesPerSecond: number('BENCH_SLOW_RATE', 8e6),
    pageRounds: number('BENCH_PAGE_ROUNDS', 11),
    floodMiB: number('BENCH_FLOOD_MB', 48),
    floodRounds: number('BENCH_FLOOD_ROUNDS', 3),
    floodProbeMs: number('BENCH_FLOOD_PROBE_MS', 500),
    recordDirectory: env.BENCH_RECORD,
    highWaterMarkBytes: text('BENCH_HWM') === undefined ? undefined : Number(env.BENCH_HWM),
    cpuProfileDirectory: text('BENCH_CPU_PROF'),
    gatewayB: text('BENCH_GATEWAY_B'),
    traceGc: text('BENCH_TRACE_GC') !== undefined,
    verbose: text('BENCH_VERBOSE') !== undefined,
  });
}
