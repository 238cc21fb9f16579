// The comparisons of the streaming figures (1 and 5): MB/s on each route, and
// the CPU each process (the client, the relay, the local cluster) spent per
// MiB moved.
import { alternateRoutes, spread, WARM_UP_ROUNDS, type Spread } from './stats.js';
import type { Route } from './clients.js';

/** CPU seconds each process has spent so far: the bench's clients, the gateway and the local cluster. */
export type CpuReader = () => Promise<{ client: number; gateway: number; cluster: number }>;

/** CPU seconds (or ms per MiB) of the processes on one route; `relay` is 0 for direct. */
export interface CpuSample {
  client: number;
  relay: number;
  cluster: number;
}

const PROCESSES = ['client', 'relay', 'cluster'] as const;

/**
 * Streaming on every route in turn: `run` moves `mebibytes` per call and
 * resolves MB/s. One warm-up round on each route first; the CPU each process
 * spent per MiB is summed over the measured rounds.
 */
export async function streamingRoutes<R extends string>(
  routes: readonly R[],
  rounds: number,
  readCpu: (route: R) => Promise<CpuSample>,
  mebibytes: number,
  run: (route: R) => Promise<number>,
): Promise<{ spreads: Record<R, Spread>; runs: Record<R, number[]>; cpuMsPerMiB: Record<R, CpuSample> }> {
  const cpu = Object.fromEntries(routes.map((route) => [route, { client: 0, relay: 0, cluster: 0 }])) as Record<R, CpuSample>;
  const runs = await alternateRoutes(
    routes,
    rounds,
    async (route, warmUp) => {
      const before = await readCpu(route);
      const rate = await run(route);
      const after = await readCpu(route);
      if (!warmUp) for (const name of PROCESSES) cpu[route][name] += after[name] - before[name];
      return rate;
    },
    WARM_UP_ROUNDS,
  );
  const perMiB = (seconds: number) => Number(((seconds * 1000) / (rounds * mebibytes)).toFixed(2));
  const map = <T>(f: (route: R) => T) => Object.fromEntries(routes.map((route) => [route, f(route)])) as Record<R, T>;
  return {
    spreads: map((route) => spread(runs[route])),
    runs,
    cpuMsPerMiB: map((route) => ({
      client: perMiB(cpu[route].client),
      relay: perMiB(cpu[route].relay),
      cluster: perMiB(cpu[route].cluster),
    })),
  };
}

/** One A/B comparison of streaming, direct against the gateway (figure 5). */
export async function streamingComparison(rounds: number, readCpu: CpuReader, mebibytes: number, run: (route: Route) => Promise<number>) {
  const result = await streamingRoutes(
    ['direct', 'gateway'] as const,
    rounds,
    async (route) => {
      const cpu = await readCpu();
      return { client: cpu.client, relay: route === 'gateway' ? cpu.gateway : 0, cluster: cpu.cluster };
    },
    mebibytes,
    run,
  );
  const cpuMsPerMiB = {
    direct: { client: result.cpuMsPerMiB.direct.client, gateway: 0, cluster: result.cpuMsPerMiB.direct.cluster },
    gateway: {
      client: result.cpuMsPerMiB.gateway.client,
      gateway: result.cpuMsPerMiB.gateway.relay,
      cluster: result.cpuMsPerMiB.gateway.cluster,
    },
  };
  return { direct: result.spreads.direct, gateway: result.spreads.gateway, runs: result.runs, cpuMsPerMiB };
}
