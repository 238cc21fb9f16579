// Figure 2, keystroke echo: one stdin byte echoed by `cat`, round trip time
// direct, through kubectl proxy, the floor relay (a bound) and the gateway,
// in turn, after a warm-up round; the figure is what each relay adds at p50
// and p99.
import { echoLatencies, type Endpoints, type Route } from '../clients.js';
import type { RouteName, Row } from '../report.js';
import { alternateRoutes, percentile, WARM_UP_ROUNDS } from '../stats.js';
import { startFloorRelay } from '../processes.js';
import type { Figure } from './figure.js';

export const latency: Figure = async ({ settings, endpoints, gatewayB, kubectlProxy, routes }) => {
  const ways: Partial<Record<RouteName, { client: Route; endpoints: Endpoints }>> = {
    direct: { client: 'direct', endpoints },
    gateway: { client: 'gateway', endpoints },
  };
  if (gatewayB !== undefined) ways['gateway B'] = { client: 'gateway', endpoints: { ...endpoints, gatewayUrl: gatewayB.url } };
  if (kubectlProxy !== undefined)
    ways['kubectl proxy'] = { client: 'direct', endpoints: { ...endpoints, cluster: { ...endpoints.cluster, url: kubectlProxy.url } } };
  // The bound: a Node relay that only pipes the decrypted bytes adds this much of its own.
  const floorRelay = await startFloorRelay(endpoints.cluster);
  ways['floor relay'] = { client: 'direct', endpoints: { ...endpoints, cluster: { ...endpoints.cluster, url: floorRelay.url } } };
  const names = Object.keys(ways) as Array<'direct' | 'gateway' | 'kubectl proxy' | 'gateway B' | 'floor relay'>;
  const runs = await alternateRoutes(
    names,
    settings.rounds,
    (route) => echoLatencies(ways[route]!.endpoints, ways[route]!.client, settings.echoes),
    WARM_UP_ROUNDS,
  ).finally(() => floorRelay.stop());
  const p = (route: RouteName, q: number) => percentile(runs[route as (typeof names)[number]].flat(), q);
  if (settings.verbose)
    for (const route of names)
      console.error(route, [50, 90, 95, 98, 99, 99.5, 99.9, 100].map((q) => `${q}:${p(route, q).toFixed(3)}`).join(' '));
  for (const route of names) routes[route] = { ...routes[route], keystroke: { p50: p(route, 50), p99: p(route, 99) } };
  const added = (route: RouteName) => ({ p50: p(route, 50) - p('direct', 50), p99: p(route, 99) - p('direct', 99) });
  const show = (route: RouteName) => `${p(route, 50).toFixed(3)} / ${p(route, 99).toFixed(3)}`;
  const gateway = added('gateway');
  const proxy = kubectlProxy === undefined ? undefined : added('kubectl proxy');
  const rows: Row[] = [
    {
      name: `2. keystroke echo, ${settings.echoes} round trips × ${settings.rounds} (ms p50/p99)`,
      direct: show('direct'),
      gateway: show('gateway'),
      figure: `+${gateway.p50.toFixed(3)} / +${gateway.p99.toFixed(3)} ms`,
      target: proxy === undefined ? '≤ kubectl proxy (not run)' : `≤ kubectl proxy: +${proxy.p50.toFixed(3)} / +${proxy.p99.toFixed(3)} ms`,
      met: proxy === undefined ? null : gateway.p50 <= proxy.p50 && gateway.p99 <= proxy.p99,
    },
  ];
  if (proxy !== undefined)
    rows.push({
      name: '2b. keystroke echo through kubectl proxy (ms p50/p99)',
      direct: show('direct'),
      gateway: show('kubectl proxy'),
      figure: `+${proxy.p50.toFixed(3)} / +${proxy.p99.toFixed(3)} ms`,
      target: '– (the peer, not a target)',
      met: null,
    });
  rows.push({
    name: '2d. keystroke echo through the floor relay (ms p50/p99)',
    direct: show('direct'),
    gateway: show('floor relay'),
    figure: `+${added('floor relay').p50.toFixed(3)} / +${added('floor relay').p99.toFixed(3)} ms`,
    target: '– (a bound, not a target)',
    met: null,
  });
  if (gatewayB !== undefined)
    rows.push({
      name: '2c. keystroke echo through gateway B, built from BENCH_GATEWAY_B (ms p50/p99)',
      direct: show('direct'),
      gateway: show('gateway B'),
      figure: `+${added('gateway B').p50.toFixed(3)} / +${added('gateway B').p99.toFixed(3)} ms`,
      target: '– (A/B)',
      met: null,
    });
  return rows;
};
