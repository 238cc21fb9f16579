// Figure 1, throughput: `head -c N /dev/zero` read as fast as possible, direct
// and through the gateway; and 1b, its bound: the same stream through a relay
// that only pipes the decrypted bytes.
import { drain, type Endpoints } from '../clients.js';
import { startFloorRelay } from '../processes.js';
import { fmt, mbps, type Row } from '../report.js';
import { streamingComparison, type CpuReader } from '../streaming.js';
import type { Figure } from './figure.js';

export const throughput: Figure = async ({ settings, endpoints, readCpu }) => {
  const bytes = settings.throughputMiB * 1024 * 1024;
  const command = ['head', '-c', String(bytes), '/dev/zero'];
  // A route that lost bytes must not be reported as fast.
  const whole = (run: { bytes: number; seconds: number }, what: string) => {
    if (run.bytes !== bytes) throw new Error(`${what} delivered ${run.bytes} of ${bytes} bytes`);
    return mbps(run);
  };
  const result = await streamingComparison(settings.rounds, readCpu, settings.throughputMiB, async (route) =>
    whole(await drain(endpoints, route, command), route),
  );
  const ratio = result.gateway.median / result.direct.median;
  const rows: Row[] = [
    {
      name: `1. throughput, ${settings.throughputMiB} MiB stdout (MB/s)`,
      direct: fmt(result.direct),
      gateway: fmt(result.gateway),
      figure: `${ratio.toFixed(2)}× direct`,
      target: '≥ 0.90×',
      met: ratio >= 0.9,
      detail: result.runs,
      cpuMsPerMiB: result.cpuMsPerMiB,
    },
  ];
  // The same stream through the floor relay, against direct again: how near the bound the gateway is.
  // Its client speaks v5.channel.k8s.io, as the direct one does; the relay's CPU reads in the gateway's place.
  const floorRelay = await startFloorRelay(endpoints.cluster);
  const throughFloor: Endpoints = { ...endpoints, cluster: { ...endpoints.cluster, url: floorRelay.url } };
  const floorCpu: CpuReader = async () => ({ ...(await readCpu()), gateway: await floorRelay.cpuSeconds() });
  const bound = await streamingComparison(settings.rounds, floorCpu, settings.throughputMiB, async (route) =>
    whole(await drain(route === 'direct' ? endpoints : throughFloor, 'direct', command), route === 'direct' ? route : 'the floor relay'),
  ).finally(() => floorRelay.stop());
  rows.push({
    name: '1b. bound for 1: a relay that only pipes the decrypted bytes (MB/s)',
    direct: fmt(bound.direct),
    gateway: fmt(bound.gateway),
    figure: `${(bound.gateway.median / bound.direct.median).toFixed(2)}× direct`,
    target: '– (a bound, not a target)',
    met: null,
    detail: bound.runs,
    cpuMsPerMiB: bound.cpuMsPerMiB,
  });
  return rows;
};
