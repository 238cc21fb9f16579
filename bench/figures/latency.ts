// Figure 2, keystroke echo: one stdin byte echoed by `cat`, round trip time
// direct and through the gateway; the figure is what the gateway adds at p50 and p99.
import { echoLatencies, type Route } from '../clients.js';
import { alternate, percentile } from '../stats.js';
import type { Figure } from './figure.js';

export const latency: Figure = async ({ settings, endpoints }) => {
  const runs = await alternate(settings.rounds, (route) => echoLatencies(endpoints, route, settings.echoes));
  const p = (route: Route, q: number) => percentile(runs[route].flat(), q);
  if (settings.verbose)
    for (const route of ['direct', 'gateway'] as const)
      console.error(route, [50, 90, 95, 98, 99, 99.5, 99.9, 100].map((q) => `${q}:${p(route, q).toFixed(3)}`).join(' '));
  const added50 = p('gateway', 50) - p('direct', 50);
  const added99 = p('gateway', 99) - p('direct', 99);
  return [
    {
      name: `2. keystroke echo, ${settings.echoes} round trips (ms p50/p99)`,
      direct: `${p('direct', 50).toFixed(3)} / ${p('direct', 99).toFixed(3)}`,
      gateway: `${p('gateway', 50).toFixed(3)} / ${p('gateway', 99).toFixed(3)}`,
      figure: `+${added50.toFixed(3)} / +${added99.toFixed(3)} ms`,
      target: '≤ +0.3 / +1 ms',
      met: added50 <= 0.3 && added99 <= 1,
    },
  ];
};
