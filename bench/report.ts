// The bench's result: one row per figure, printed as a Markdown table and
// written to bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Spread } from './stats.js';
import type { CpuSample } from './streaming.js';

/** The routes from a client to the API server that the bench compares, in the order the route table lists them. */
export const ROUTES = ['direct', 'kubectl proxy', 'floor relay', 'gateway', 'gateway B'] as const;
export type RouteName = (typeof ROUTES)[number];

/** One route's line of the route table, filled in by the figures that run (1, 2, 3). */
export interface RouteLine {
  mbps?: Spread;
  vsDirect?: number;
  cpuMsPerMiB?: CpuSample;
  /** Keystroke round trip, ms. */
  keystroke?: { p50: number; p99: number };
  idleKiBPerSession?: number;
}
export type RouteTable = Partial<Record<RouteName, RouteLine>>;

export interface Row {
  name: string;
  direct?: string;
  gateway: string;
  figure: string;
  target: string;
  /** null: a bound or a reference, not held to a target. */
  met: boolean | null;
  /** Every run's value; printed nowhere and left out of latest.json. */
  detail?: unknown;
  cpuMsPerMiB?: unknown;
}

/** MB/s of a run. */
export const mbps = (r: { bytes: number; seconds: number }) => r.bytes / r.seconds / 1e6;

/** "median (min–max)". */
export const fmt = (s: Spread, digits = 1) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

const dash = (value: string | undefined) => value ?? '–';

/** The route table: one line per route, as the issue set it out. */
function printRoutes(routes: RouteTable): void {
  const present = ROUTES.filter((route) => routes[route] !== undefined);
  if (present.length === 0) return;
  console.log('| route | MB/s | vs direct | relay CPU per MiB | keystroke p50 / p99 | KiB per idle session |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const route of present) {
    const line = routes[route]!;
    const relayCpu = line.cpuMsPerMiB === undefined || route === 'direct' ? undefined : `${line.cpuMsPerMiB.relay.toFixed(2)} ms`;
    const keystroke = line.keystroke && `${line.keystroke.p50.toFixed(2)} / ${line.keystroke.p99.toFixed(2)} ms`;
    console.log(
      `| ${route} | ${dash(line.mbps && fmt(line.mbps, 0))} | ${dash(line.vsDirect?.toFixed(2))} | ${dash(relayCpu)} | ${dash(keystroke)} | ${dash(line.idleKiBPerSession?.toFixed(1))} |`,
    );
  }
  const cpu = present.filter((route) => routes[route]!.cpuMsPerMiB !== undefined);
  if (cpu.length > 0)
    console.log(
      `\nCPU per MiB (ms; client / relay / local cluster): ${cpu
        .map((route) => {
          const c = routes[route]!.cpuMsPerMiB!;
          return `${route} ${c.client.toFixed(2)} / ${route === 'direct' ? '–' : c.relay.toFixed(2)} / ${c.cluster.toFixed(2)}`;
        })
        .join('; ')}\n`,
    );
}

/** Prints the tables with the machine it ran on, and writes latest.json under `root`. */
export function report(rows: readonly Row[], routes: RouteTable, rounds: number, root: string): void {
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString(),
  };
  console.log(`\nmachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; rounds ${rounds}\n`);
  printRoutes(routes);
  console.log('| figure | direct | gateway | result | target | met |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows)
    console.log(
      `| ${row.name} | ${row.direct ?? '–'} | ${row.gateway} | ${row.figure} | ${row.target} | ${row.met === null ? '–' : row.met ? 'yes' : 'no'} |`,
    );
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(root, 'bench', 'results', 'latest.json'),
    JSON.stringify({ machine, rounds, routes, rows: rows.map(({ detail: _detail, ...row }) => row) }, null, 2),
  );
}
