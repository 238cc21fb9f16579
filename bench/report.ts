// The bench's result: one row per figure, printed as a Markdown table and
// written to bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Spread } from './stats.js';

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

/** Prints the table with the machine it ran on, and writes latest.json under `root`. */
export function report(rows: readonly Row[], rounds: number, root: string): void {
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString(),
  };
  console.log(`\nmachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; rounds ${rounds}\n`);
  console.log('| figure | direct | gateway | result | target | met |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows)
    console.log(
      `| ${row.name} | ${row.direct ?? '–'} | ${row.gateway} | ${row.figure} | ${row.target} | ${row.met === null ? '–' : row.met ? 'yes' : 'no'} |`,
    );
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(root, 'bench', 'results', 'latest.json'),
    JSON.stringify({ machine, rounds, rows: rows.map(({ detail: _detail, ...row }) => row) }, null, 2),
  );
}
