// Figure 5, many active sessions: N sessions streaming at once, direct and
// through the gateway; the figure is the aggregate MB/s.
import { drain } from '../clients.js';
import { fmt } from '../report.js';
import { streamingComparison } from '../streaming.js';
import type { Figure } from './figure.js';

export const manyActive: Figure = async ({ settings, endpoints, readCpu }) => {
  const { active, activeMiB } = settings;
  const command = ['head', '-c', String(activeMiB * 1024 * 1024), '/dev/zero'];
  const result = await streamingComparison(settings.rounds, readCpu, active * activeMiB, async (route) => {
    const started = process.hrtime.bigint();
    const results = await Promise.all(Array.from({ length: active }, () => drain(endpoints, route, command)));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return results.reduce((sum, r) => sum + r.bytes, 0) / seconds / 1e6;
  });
  const ratio = result.gateway.median / result.direct.median;
  return [
    {
      name: `5. ${active} active sessions × ${activeMiB} MiB (aggregate MB/s)`,
      direct: fmt(result.direct),
      gateway: fmt(result.gateway),
      figure: `${ratio.toFixed(2)}× direct`,
      target: '≥ 0.80×',
      met: ratio >= 0.8,
      detail: result.runs,
      cpuMsPerMiB: result.cpuMsPerMiB,
    },
  ];
};
