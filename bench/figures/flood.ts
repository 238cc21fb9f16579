// Figure 8, the page under a flood: the time for the terminal page to show
// the output of `head -c 48M /dev/urandom | base64 -w 76` (64 MB), typed in
// the pod's shell, end to end through the gateway, against the same bytes written straight into a bare
// xterm.js (same version, renderer and size) in the same browser, alternating;
// the tab's JS heap after it; keystrokes echoed during the flood; and the CPU
// each part spent meanwhile (the pod, the local cluster, the gateway, the tab's
// threads, the rest of Chromium, the bench), as all share the machine's cores.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { floodBareXterm } from '../browser/bare-xterm.js';
import { floodPage, type PageFloodResult } from '../browser/page-flood.js';
import { QuietChromium } from '../browser/quiet-chromium.js';
import { CPU_ROLES, type CpuByRole } from '../process-cpu.js';
import type { Row } from '../report.js';
import { alternateRoutes, median, spread } from '../stats.js';
import type { Figure } from './figure.js';

/** The flood as the pod's terminal delivers it: base64 lines, each ended by CR LF (the tty's onlcr). */
function floodBytes(command: string): Buffer {
  const lines = execFileSync('sh', ['-c', command], { maxBuffer: 1 << 30 });
  const out = Buffer.allocUnsafe(lines.length + lines.length / 76 + 1);
  let at = 0;
  for (let start = 0; start < lines.length;) {
    const end = lines.indexOf(10, start);
    const stop = end === -1 ? lines.length : end;
    at += lines.copy(out, at, start, stop);
    if (end === -1) break;
    out[at++] = 13;
    out[at++] = 10;
    start = end + 1;
  }
  return out.subarray(0, at);
}

const mb = (bytes: number, seconds: number) => bytes / seconds / 1e6;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

export const flood: Figure = async ({ settings, gateway, gatewayB, token }) => {
  const command = `head -c ${settings.floodMiB}M /dev/urandom | base64 -w 76`;
  const data = floodBytes(command);
  const query = new URLSearchParams({ cluster: 'local', namespace: 'default', pod: 'shell-0', container: 'shell' });
  const url = (base: string) => `${base}/?${query}#token=${token}`;
  const browser = await QuietChromium.launch();
  const pageRuns: PageFloodResult[] = [];
  const pageBRuns: PageFloodResult[] = [];
  const bareRuns: Array<{ seconds: number; bytes: number; heapBytes: number; cpuSeconds: CpuByRole | undefined }> = [];
  let renderer: 'webgl' | 'dom' | undefined;
  let size = { cols: 0, rows: 0 };
  try {
    // The page first: the bare terminal takes its renderer and size.
    const ways = gatewayB === undefined ? (['page', 'bare'] as const) : (['page', 'bare', 'page B'] as const);
    await alternateRoutes<'page' | 'bare' | 'page B', undefined>(ways, settings.floodRounds, async (route) => {
      if (route === 'page B') {
        const run = await floodPage(browser, url(gatewayB!.url), command, settings.floodProbeMs);
        pageBRuns.push(run);
        if (settings.verbose) console.error('page B', JSON.stringify(run));
      } else if (route === 'page') {
        const run = await floodPage(browser, url(gateway.url), command, settings.floodProbeMs);
        renderer = run.renderer;
        size = run.size;
        pageRuns.push(run);
        if (settings.verbose) console.error('page', JSON.stringify({ ...run, echoMs: run.echoMs }));
      } else {
        const run = await floodBareXterm(browser, data, size, (renderer ?? 'webgl') === 'webgl');
        bareRuns.push(run);
        if (settings.verbose) console.error('bare', JSON.stringify(run));
      }
    });
  } finally {
    await browser.close();
  }
  const pageRate = spread(pageRuns.map((r) => mb(data.length, r.seconds)));
  const bareRate = spread(bareRuns.map((r) => mb(r.bytes, r.seconds)));
  const ratio = pageRate.median / bareRate.median;
  const heap = Math.max(...pageRuns.map((r) => r.heapBytes));
  const echoes = pageRuns.flatMap((r) => r.echoMs);
  const echoWorst = Math.max(...echoes);
  const frames = pageRuns[0]!.frames;
  const show = (s: { median: number; min: number; max: number }) => `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
  const rows: Row[] = [
    {
      name: `8. page: ${(data.length / 1e6).toFixed(0)} MB flood shown (MB/s; ${renderer} ${size.cols}×${size.rows})`,
      direct: `bare xterm.js ${show(bareRate)}`,
      gateway: `page ${show(pageRate)}; ${frames.count} frames of ${(frames.bytes / frames.count / 1024).toFixed(1)} KiB avg, ${frames.pauses} pauses`,
      figure: `${ratio.toFixed(2)}× bare xterm.js`,
      target: '≥ 0.80×',
      met: ratio >= 0.8,
      detail: { pageRuns, bareRuns },
    },
    {
      name: '8b. page: tab JS heap after the flood (MiB)',
      direct: `bare xterm.js ${mib(Math.max(...bareRuns.map((r) => r.heapBytes)))}`,
      gateway: mib(heap),
      figure: `${mib(heap)} MiB`,
      target: '< 300 MiB',
      met: heap < 300 * 2 ** 20,
    },
    {
      name: `8c. page: keystroke echo during the flood (${echoes.length} keystrokes, ms)`,
      gateway: `median ${spread(echoes).median.toFixed(0)}, max ${echoWorst.toFixed(0)}`,
      figure: `${echoWorst.toFixed(0)} ms worst`,
      target: '≤ 100 ms',
      met: echoes.length > 0 && echoWorst <= 100,
    },
  ];
  if (pageBRuns.length > 0) {
    const rateB = spread(pageBRuns.map((r) => mb(data.length, r.seconds)));
    const echoesB = pageBRuns.flatMap((r) => r.echoMs);
    const framesB = pageBRuns[0]!.frames;
    rows.push({
      name: '8d. page through gateway B, built from BENCH_GATEWAY_B (MB/s; echo ms)',
      direct: `bare xterm.js ${show(bareRate)}`,
      gateway: `page ${show(rateB)}; ${framesB.count} frames of ${(framesB.bytes / framesB.count / 1024).toFixed(1)} KiB avg, ${framesB.pauses} pauses; echo median ${spread(echoesB).median.toFixed(0)}, max ${Math.max(...echoesB).toFixed(0)}; heap ${mib(Math.max(...pageBRuns.map((r) => r.heapBytes)))} MiB`,
      figure: `${(rateB.median / bareRate.median).toFixed(2)}× bare xterm.js`,
      target: '– (A/B)',
      met: null,
    });
  }
  const pageCpu = cpuSpent(pageRuns);
  const bareCpu = cpuSpent(bareRuns);
  if (pageCpu !== undefined && bareCpu !== undefined)
    rows.push({
      name: '8e. page: CPU seconds from Enter to idle, by part (median of runs; busy cores)',
      direct: `bare xterm.js ${bareCpu.text}`,
      gateway: pageCpu.text,
      figure: `${pageCpu.busyCores.toFixed(1)} of ${availableParallelism()} cores busy`,
      target: '– (where the time goes)',
      met: null,
    });
  return rows;
};

/** The median CPU seconds of each part over `runs`, the parts that spent any listed, and the cores they kept busy. */
function cpuSpent(
  runs: ReadonlyArray<{ seconds: number; cpuSeconds: CpuByRole | undefined }>,
): { text: string; busyCores: number } | undefined {
  if (runs.length === 0 || runs.some((run) => run.cpuSeconds === undefined)) return undefined;
  const parts = CPU_ROLES.map((role) => [role, median(runs.map((run) => run.cpuSeconds![role]))] as const).filter(
    ([, seconds]) => seconds >= 0.01,
  );
  const total = parts.reduce((sum, [, seconds]) => sum + seconds, 0);
  const wall = median(runs.map((run) => run.seconds));
  return {
    text: `${parts.map(([role, seconds]) => `${role} ${seconds.toFixed(2)}`).join(', ')}; ${total.toFixed(2)} s in ${wall.toFixed(2)} s`,
    busyCores: total / wall,
  };
}
