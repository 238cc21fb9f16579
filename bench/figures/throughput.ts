// Figure 1, throughput: `head -c N /dev/zero` read as fast as possible on
// every route in turn: direct, through kubectl proxy (the relay a user would
// otherwise pick), through the floor relay (a bound: it only pipes the
// decrypted bytes) and through the gateway; and the CPU each relay spends per MiB.
import { drain, type Endpoints, type Route } from '../clients.js';
import { startFloorRelay } from '../processes.js';
import { ROUTES, fmt, mbps, type RouteName, type Row } from '../report.js';
import { streamingRoutes } from '../streaming.js';
import { cpuSeconds } from '../child-ipc.js';
import type { Figure } from './figure.js';

export const throughput: Figure = async ({ settings, endpoints, gateway, gatewayB, clusterCpuSeconds, kubectlProxy, routes }) => {
  const bytes = settings.throughputMiB * 1024 * 1024;
  const command = ['head', '-c', String(bytes), '/dev/zero'];
  // A route that lost bytes must not be reported as fast.
  const whole = (run: { bytes: number; seconds: number }, what: string) => {
    if (run.bytes !== bytes) throw new Error(`${what} delivered ${run.bytes} of ${bytes} bytes`);
    return mbps(run);
  };
  // The floor relay and kubectl proxy pass v5.channel.k8s.io through: their clients are direct ones pointed at them.
  const floorRelay = await startFloorRelay(endpoints.cluster);
  const through = (url: string): Endpoints => ({ ...endpoints, cluster: { ...endpoints.cluster, url } });
  const ways: Partial<Record<RouteName, { client: Route; endpoints: Endpoints; relayCpu: () => Promise<number> }>> = {
    direct: { client: 'direct', endpoints, relayCpu: async () => 0 },
    'floor relay': { client: 'direct', endpoints: through(floorRelay.url), relayCpu: floorRelay.cpuSeconds },
    gateway: { client: 'gateway', endpoints, relayCpu: gateway.cpuSeconds },
  };
  if (gatewayB !== undefined)
    ways['gateway B'] = { client: 'gateway', endpoints: { ...endpoints, gatewayUrl: gatewayB.url }, relayCpu: gatewayB.cpuSeconds };
  if (kubectlProxy !== undefined)
    ways['kubectl proxy'] = { client: 'direct', endpoints: through(kubectlProxy.url), relayCpu: kubectlProxy.cpuSeconds };
  const names = (Object.keys(ways) as RouteName[]).sort((a, b) => ROUTES.indexOf(a) - ROUTES.indexOf(b));
  const result = await streamingRoutes(
    names,
    settings.rounds,
    async (route) => ({ client: cpuSeconds(), relay: await ways[route]!.relayCpu(), cluster: await clusterCpuSeconds() }),
    settings.throughputMiB,
    async (route) => whole(await drain(ways[route]!.endpoints, ways[route]!.client, command), route),
  ).finally(() => floorRelay.stop());
  const direct = result.spreads.direct.median;
  for (const route of names)
    routes[route] = {
      ...routes[route],
      mbps: result.spreads[route],
      vsDirect: result.spreads[route].median / direct,
      cpuMsPerMiB: result.cpuMsPerMiB[route],
    };
  const gatewayRate = result.spreads.gateway.median;
  const gatewayCpu = result.cpuMsPerMiB.gateway.relay;
  const proxy =
    kubectlProxy === undefined
      ? undefined
      : { rate: result.spreads['kubectl proxy'].median, cpu: result.cpuMsPerMiB['kubectl proxy'].relay };
  const rows: Row[] = [
    {
      name: `1. throughput, ${settings.throughputMiB} MiB stdout (MB/s)`,
      direct: fmt(result.spreads.direct),
      gateway: fmt(result.spreads.gateway),
      figure: `${(gatewayRate / direct).toFixed(2)}× direct`,
      target: proxy === undefined ? '≥ kubectl proxy (not run)' : `≥ kubectl proxy: ${(proxy.rate / direct).toFixed(2)}× direct`,
      met: proxy === undefined ? null : gatewayRate >= proxy.rate,
      detail: result.runs,
      cpuMsPerMiB: result.cpuMsPerMiB,
    },
    {
      name: '1b. bound for 1: a relay that only pipes the decrypted bytes (MB/s)',
      direct: fmt(result.spreads.direct),
      gateway: fmt(result.spreads['floor relay']),
      figure: `${(result.spreads['floor relay'].median / direct).toFixed(2)}× direct`,
      target: '– (a bound, not a target)',
      met: null,
    },
  ];
  if (proxy !== undefined)
    rows.push(
      {
        name: '1c. kubectl proxy, the same stream (MB/s)',
        direct: fmt(result.spreads.direct),
        gateway: fmt(result.spreads['kubectl proxy']),
        figure: `${(proxy.rate / direct).toFixed(2)}× direct`,
        target: '– (the peer, not a target)',
        met: null,
      },
      {
        name: '1d. relay CPU per MiB: the gateway against kubectl proxy (ms)',
        gateway: `${gatewayCpu.toFixed(2)}; kubectl proxy ${proxy.cpu.toFixed(2)}; floor relay ${result.cpuMsPerMiB['floor relay'].relay.toFixed(2)}`,
        figure: `${(gatewayCpu / proxy.cpu).toFixed(2)}× kubectl proxy`,
        target: '≤ 1.00× kubectl proxy',
        met: gatewayCpu <= proxy.cpu,
      },
    );
  if (gatewayB !== undefined)
    rows.push({
      name: '1e. the same stream through gateway B, built from BENCH_GATEWAY_B (MB/s; relay CPU per MiB)',
      direct: `gateway ${fmt(result.spreads.gateway)}; ${gatewayCpu.toFixed(2)} ms`,
      gateway: `${fmt(result.spreads['gateway B'])}; ${result.cpuMsPerMiB['gateway B'].relay.toFixed(2)} ms`,
      figure: `${(result.spreads['gateway B'].median / gatewayRate).toFixed(2)}× gateway; CPU ${(result.cpuMsPerMiB['gateway B'].relay / gatewayCpu).toFixed(2)}×`,
      target: '– (A/B)',
      met: null,
    });
  return rows;
};
