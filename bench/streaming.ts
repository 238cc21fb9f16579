// The A/B comparison of the streaming figures (1, 1b and 5): MB/s each way,
// and the CPU each process spent per MiB moved.
import { alternate, spread } from './stats.js';
import type { Route } from './clients.js';

/** CPU seconds each process has spent so far: the bench's clients, the gateway and the local cluster. */
export type CpuReader = () => Promise<{ client: number; gateway: number; cluster: number }>;

/**
 * One A/B comparison of streaming: `run` moves `mebibytes` per call and
 * resolves MB/s. One warm-up round each way first; the CPU each process spent
 * per MiB is summed over the measured rounds.
 */
export async function streamingComparison(rounds: number, readCpu: CpuReader, mebibytes: number, run: (route: Route) => Promise<number>) {
  const cpu = { direct: { client: 0, gateway: 0, cluster: 0 }, gateway: { client: 0, gateway: 0, cluster: 0 } };
  const runs = await alternate(
    rounds,
    async (route, warmUp) => {
      const before = await readCpu();
      const rate = await run(route);
      const after = await readCpu();
      if (!warmUp) for (const name of ['client', 'gateway', 'cluster'] as const) cpu[route][name] += after[name] - before[name];
      return rate;
    },
    1,
  );
  const perMiB = (seconds: number) => Number(((seconds * 1000) / (rounds * mebibytes)).toFixed(2));
  const cpuMsPerMiB = Object.fromEntries(
    (['direct', 'gateway'] as const).map((route) => [
      route,
      { client: perMiB(cpu[route].client), gateway: perMiB(cpu[route].gateway), cluster: perMiB(cpu[route].cluster) },
    ]),
  );
  return { direct: spread(runs.direct), gateway: spread(runs.gateway), runs, cpuMsPerMiB };
}
