// Figure 6, fan-out: one action (`true`) on every bench pod of the fan-out
// clusters through POST /api/actions/{action}, with the default concurrency.
import { fmt } from '../report.js';
import { spread } from '../stats.js';
import type { Figure } from './figure.js';

export const fanOut: Figure = async ({ settings, gateway, token, fanOutClusters }) => {
  const times: number[] = [];
  let pods = 0;
  let success = true;
  for (let round = 0; round < settings.rounds; round += 1) {
    const started = Date.now();
    const response = await fetch(`${gateway.url}/api/actions/bench-noop`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ targets: fanOutClusters.map((cluster) => ({ cluster })) }),
    });
    const body = (await response.json()) as { success: boolean; clusters: Array<{ results: unknown[] }> };
    times.push((Date.now() - started) / 1000);
    pods = body.clusters.reduce((sum, c) => sum + c.results.length, 0);
    success &&= body.success;
  }
  const s = spread(times);
  return [
    {
      name: `6. fan-out: action on ${pods} pods over ${fanOutClusters.length} clusters (s)`,
      gateway: fmt(s, 2),
      figure: `${s.median.toFixed(2)} s${success ? '' : ' (failures!)'}`,
      target: '≤ 2 s',
      met: success && s.median <= 2,
    },
  ];
};
