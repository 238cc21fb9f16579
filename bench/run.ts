// `npm run bench`: what the gateway costs against a direct client to the same
// API server (the embedded local cluster over TLS), measured in one run,
// alternating A/B. Prints a table and writes bench/results/latest.json.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import jwt from 'jsonwebtoken';
import type { BrowserContext } from 'playwright-core';
import WebSocket from 'ws';
import { tuneHeapForStreaming } from '../server/heap-tuning.js';
import { startLocalCluster } from '../server/local-cluster/index.js';
import { ask, cpuSeconds, forkReady } from './child-ipc.js';
import { drain, echoLatencies, openExec, type ClusterEndpoint, type Endpoints, type Route } from './clients.js';
import { alternate, percentile, spread, type Spread } from './stats.js';

// The clients here, direct ones included, run with the gateway's heap setting:
// left to V8's default, a direct client reading at full speed spent 2.1 ms per
// MiB instead of 1.1, half of it in needless full collections, and a slow
// direct client would understate what the gateway costs.
tuneHeapForStreaming();

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = env('BENCH_ROUNDS', 5);
const THROUGHPUT_MB = env('BENCH_MB', 128);
const ECHOES = env('BENCH_ECHOES', 2000);
const IDLE = (process.env.BENCH_IDLE ?? '1000,5000').split(',').map(Number);
/** Idle sessions each local cluster process serves: each costs it four descriptors (socket, three pipes), and a process may hold 20 000. */
const SESSIONS_PER_CLUSTER = 2500;
/** Idle sessions opened at once. */
const IDLE_BATCH = env('BENCH_IDLE_BATCH', 100);
const ACTIVE = env('BENCH_ACTIVE', 200);
/** Navigations each way (first visit, cached): one takes well under a second, and a browser's timings spread widely. */
const PAGE_ROUNDS = env('BENCH_PAGE_ROUNDS', 11);

interface Row {
  name: string;
  direct?: string;
  gateway: string;
  figure: string;
  target: string;
  met: boolean | null;
  detail?: unknown;
  cpuMsPerMiB?: unknown;
}
const rows: Row[] = [];
const mbps = (r: { bytes: number; seconds: number }) => r.bytes / r.seconds / 1e6;
const fmt = (s: Spread, digits = 1) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

/** The main local cluster, in a process of its own. */
async function startClusterChild(): Promise<ClusterEndpoint & { cpuSeconds(): Promise<number>; stop(): void }> {
  const { child, ready } = await forkReady<{ url: string; token: string; caPem: string }>(join(root, 'dist', 'bench', 'cluster-child.js'), { env: process.env }, 'the local cluster');
  return {
    ...ready,
    activeExecs: () => ask<number>(child, 'activeExecs', 'count'),
    cpuSeconds: () => ask<number>(child, 'cpu', 'seconds'),
    stop: () => child.send({ type: 'stop' }),
  };
}

async function startGateway(clusters: Array<{ url: string; token: string; caPem: string }>, secret: string) {
  const config = {
    listen: { host: '127.0.0.1', port: 0 },
    auth: { jwt: { secret, algorithms: ['HS256'] } },
    // BENCH_RECORD=DIR records every session there (what recording costs the shell).
    policy: [{ users: ['*'], clusters: ['*'], namespaces: ['*'], allow: ['*'], record: process.env.BENCH_RECORD !== undefined }],
    ...(process.env.BENCH_RECORD === undefined ? {} : { recording: { directory: process.env.BENCH_RECORD } }),
    clusters: clusters.map((c, i) => ({ name: i === 0 ? 'local' : `fan-${i}`, server: c.url, token: c.token, caData: c.caPem })),
    actions: { 'bench-noop': { command: ['true'], namespace: 'bench', selector: 'app=bench' } },
    // BENCH_HWM: the backpressure high water mark under test (terminal.highWaterMarkBytes).
    terminal: { pingIntervalSeconds: 30, ...(process.env.BENCH_HWM ? { highWaterMarkBytes: Number(process.env.BENCH_HWM) } : {}) },
    // One bench user holds thousands of sessions; the limits are not what is measured.
    sessions: { maxSessionsPerUser: 0, idleTimeoutSeconds: 0, maxDurationSeconds: 0 },
  };
  const { child, ready } = await forkReady<{ url: string }>(
    join(root, 'dist', 'bench', 'gateway-child.js'),
    {
      env: { ...process.env, BENCH_GATEWAY_CONFIG: JSON.stringify(config), BENCH_WEB_ROOT: join(root, 'dist', 'web') },
      // BENCH_CPU_PROF=DIR writes a CPU profile of the gateway (node --cpu-prof) there.
      execArgv: ['--expose-gc', ...(process.env.BENCH_TRACE_GC ? ['--trace-gc'] : []), ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    },
    'the gateway',
  );
  const url = ready.url;
  const rss = () => ask<number>(child, 'rss', 'rss');
  const cpuSeconds = () => ask<number>(child, 'cpu', 'seconds');
  return { url, child, rss, cpuSeconds, stop: () => child.send({ type: 'stop' }) };
}

/** The bound for throughput: a relay that only pipes the cluster's decrypted bytes (floor-relay-child.ts). */
async function startFloorRelay(cluster: { url: string; token: string; caPem: string }) {
  const { child, ready } = await forkReady<{ url: string }>(join(root, 'dist', 'bench', 'floor-relay-child.js'), { env: { ...process.env, BENCH_FLOOR_UPSTREAM: JSON.stringify(cluster) } }, 'the floor relay');
  return { url: ready.url, cpuSeconds: () => ask<number>(child, 'cpu', 'seconds'), stop: () => child.send({ type: 'stop' }) };
}

/** CPU seconds each process has spent so far: the bench's clients, the gateway and the local cluster. */
type CpuReader = () => Promise<{ client: number; gateway: number; cluster: number }>;

/**
 * One A/B comparison of streaming: `run` moves `mebibytes` per call and
 * resolves MB/s. One warm-up round each way first; the CPU each process spent
 * per MiB is summed over the measured rounds.
 */
async function streamingComparison(readCpu: CpuReader, mebibytes: number, run: (route: Route) => Promise<number>) {
  const cpu = { direct: { client: 0, gateway: 0, cluster: 0 }, gateway: { client: 0, gateway: 0, cluster: 0 } };
  const runs = await alternate(
    ROUNDS,
    async (route, warmUp) => {
      const before = await readCpu();
      const rate = await run(route);
      const after = await readCpu();
      if (!warmUp) for (const name of ['client', 'gateway', 'cluster'] as const) cpu[route][name] += after[name] - before[name];
      return rate;
    },
    1,
  );
  const perMiB = (seconds: number) => Number(((seconds * 1000) / (ROUNDS * mebibytes)).toFixed(2));
  const cpuMsPerMiB = Object.fromEntries((['direct', 'gateway'] as const).map((route) => [route, { client: perMiB(cpu[route].client), gateway: perMiB(cpu[route].gateway), cluster: perMiB(cpu[route].cluster) }]));
  return { direct: spread(runs.direct), gateway: spread(runs.gateway), runs, cpuMsPerMiB };
}

async function throughput(endpoints: Endpoints, readCpu: CpuReader): Promise<void> {
  const command = ['head', '-c', String(THROUGHPUT_MB * 1024 * 1024), '/dev/zero'];
  // A route that lost bytes must not be reported as fast.
  const whole = (run: { bytes: number; seconds: number }, what: string) => {
    if (run.bytes !== THROUGHPUT_MB * 1024 * 1024) throw new Error(`${what} delivered ${run.bytes} of ${THROUGHPUT_MB * 1024 * 1024} bytes`);
    return mbps(run);
  };
  const result = await streamingComparison(readCpu, THROUGHPUT_MB, async (route) => whole(await drain(endpoints, route, command), route));
  const ratio = result.gateway.median / result.direct.median;
  rows.push({
    name: `1. throughput, ${THROUGHPUT_MB} MiB stdout (MB/s)`,
    direct: fmt(result.direct),
    gateway: fmt(result.gateway),
    figure: `${ratio.toFixed(2)}× direct`,
    target: '≥ 0.90×',
    met: ratio >= 0.9,
    detail: result.runs,
    cpuMsPerMiB: result.cpuMsPerMiB,
  });
  // The same stream through the floor relay, against direct again: how near the bound the gateway is.
  // Its client speaks v5.channel.k8s.io, as the direct one does; the relay's CPU reads in the gateway's place.
  const floorRelay = await startFloorRelay(endpoints.cluster);
  const throughFloor: Endpoints = { ...endpoints, cluster: { ...endpoints.cluster, url: floorRelay.url } };
  const floorCpu: CpuReader = async () => ({ ...(await readCpu()), gateway: await floorRelay.cpuSeconds() });
  const bound = await streamingComparison(floorCpu, THROUGHPUT_MB, async (route) => whole(await drain(route === 'direct' ? endpoints : throughFloor, 'direct', command), route === 'direct' ? route : 'the floor relay')).finally(() => floorRelay.stop());
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
}

async function latency(endpoints: Endpoints): Promise<void> {
  const runs = await alternate(ROUNDS, (route) => echoLatencies(endpoints, route, ECHOES));
  const all = (route: 'direct' | 'gateway') => runs[route].flat();
  const p = (route: 'direct' | 'gateway', q: number) => percentile(all(route), q);
  if (process.env.BENCH_VERBOSE) for (const route of ['direct', 'gateway'] as const) console.error(route, [50, 90, 95, 98, 99, 99.5, 99.9, 100].map((q) => `${q}:${p(route, q).toFixed(3)}`).join(' '));
  const added50 = p('gateway', 50) - p('direct', 50);
  const added99 = p('gateway', 99) - p('direct', 99);
  rows.push({
    name: `2. keystroke echo, ${ECHOES} round trips (ms p50/p99)`,
    direct: `${p('direct', 50).toFixed(3)} / ${p('direct', 99).toFixed(3)}`,
    gateway: `${p('gateway', 50).toFixed(3)} / ${p('gateway', 99).toFixed(3)}`,
    figure: `+${added50.toFixed(3)} / +${added99.toFixed(3)} ms`,
    target: '≤ +0.3 / +1 ms',
    met: added50 <= 0.3 && added99 <= 1,
  });
}

async function idleSessions(targets: Endpoints[], rss: () => Promise<number>, count: number): Promise<void> {
  const before = await rss();
  const started = Date.now();
  const sockets: WebSocket[] = [];
  let failed = 0;
  let establishing = true;
  let halfway = 0;
  for (let offset = 0; offset < count; offset += IDLE_BATCH) {
    // RSS with half the sessions open: the growth from there on is per session,
    // without the one-time growth of the heap and the allocator the first ones cause.
    if (halfway === 0 && offset >= count / 2) halfway = await rss();
    const batch = Array.from({ length: Math.min(IDLE_BATCH, count - offset) }, (_, i) => {
      const target = targets[Math.floor((offset + i) / SESSIONS_PER_CLUSTER) % targets.length]!;
      const ws = openExec(target, 'gateway', ['cat'], true);
      sockets.push(ws);
      return new Promise<void>((resolve) => {
        ws.once('message', () => resolve());
        ws.once('close', () => {
          if (establishing) failed += 1;
          resolve();
        });
      });
    });
    await Promise.all(batch);
  }
  const establishSeconds = (Date.now() - started) / 1000;
  establishing = false;
  await new Promise((r) => setTimeout(r, 1000));
  const after = await rss();
  const opened = count - Math.floor(count / 2 / IDLE_BATCH) * IDLE_BATCH;
  const perSession = (after - halfway) / opened / 1024;
  const perSessionOverall = (after - before) / count / 1024;
  for (const ws of sockets) ws.close();
  const deadline = Date.now() + 30_000;
  const active = async () => (await Promise.all(targets.map((t) => t.cluster.activeExecs()))).reduce((a, b) => a + b, 0);
  while ((await active()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  rows.push({
    name: `3. idle sessions: ${count} held (${failed} failed)`,
    gateway: `${establishSeconds.toFixed(1)} s to open all; RSS ${(before / 2 ** 20).toFixed(0)} → ${(halfway / 2 ** 20).toFixed(0)} → ${(after / 2 ** 20).toFixed(0)} MiB (${perSessionOverall.toFixed(1)} KiB/session from empty)`,
    figure: `${perSession.toFixed(1)} KiB/session`,
    target: '≤ 64 KiB/session',
    met: failed === 0 && perSession <= 64,
  });
}

async function slowConsumer(endpoints: Endpoints, rss: () => Promise<number>): Promise<void> {
  const megabytes = env('BENCH_SLOW_MB', 64);
  const rate = env('BENCH_SLOW_RATE', 8e6);
  let peak = await rss();
  const timer = setInterval(() => void rss().then((r) => (peak = Math.max(peak, r))), 250);
  const result = await drain(endpoints, 'gateway', ['head', '-c', String(megabytes * 1024 * 1024), '/dev/zero'], { readBytesPerSecond: rate });
  clearInterval(timer);
  const lost = megabytes * 1024 * 1024 - result.bytes;
  rows.push({
    name: `4. slow consumer: ${megabytes} MiB read at ${rate / 1e6} MB/s`,
    gateway: `${result.seconds.toFixed(1)} s, ${lost} bytes lost`,
    figure: `peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`,
    target: '< 150 MiB, no loss',
    met: peak < 150 * 2 ** 20 && lost === 0,
  });
}

async function manyActive(endpoints: Endpoints, readCpu: CpuReader): Promise<void> {
  const perSessionMb = env('BENCH_ACTIVE_MB', 4);
  const command = ['head', '-c', String(perSessionMb * 1024 * 1024), '/dev/zero'];
  const result = await streamingComparison(readCpu, ACTIVE * perSessionMb, async (route) => {
    const started = process.hrtime.bigint();
    const results = await Promise.all(Array.from({ length: ACTIVE }, () => drain(endpoints, route, command)));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return results.reduce((sum, r) => sum + r.bytes, 0) / seconds / 1e6;
  });
  const ratio = result.gateway.median / result.direct.median;
  rows.push({
    name: `5. ${ACTIVE} active sessions × ${perSessionMb} MiB (aggregate MB/s)`,
    direct: fmt(result.direct),
    gateway: fmt(result.gateway),
    figure: `${ratio.toFixed(2)}× direct`,
    target: '≥ 0.80×',
    met: ratio >= 0.8,
    detail: result.runs,
    cpuMsPerMiB: result.cpuMsPerMiB,
  });
}

async function fanOut(gatewayUrl: string, token: string, clusterNames: string[]): Promise<void> {
  const times: number[] = [];
  let pods = 0;
  let success = true;
  for (let round = 0; round < ROUNDS; round += 1) {
    const started = Date.now();
    const response = await fetch(`${gatewayUrl}/api/actions/bench-noop`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ targets: clusterNames.map((cluster) => ({ cluster })) }),
    });
    const body = (await response.json()) as { success: boolean; clusters: Array<{ results: unknown[] }> };
    times.push((Date.now() - started) / 1000);
    pods = body.clusters.reduce((sum, c) => sum + c.results.length, 0);
    success &&= body.success;
  }
  const s = spread(times);
  rows.push({ name: `6. fan-out: action on ${pods} pods over ${clusterNames.length} clusters (s)`, gateway: fmt(s, 2), figure: `${s.median.toFixed(2)} s${success ? '' : ' (failures!)'}`, target: '≤ 2 s', met: success && s.median <= 2 });
}

async function page(gatewayUrl: string, token: string): Promise<void> {
  // The terminal page's own JS and CSS, its lazily loaded chunks included (Vite's manifest lists them).
  const manifest = JSON.parse(readFileSync(join(root, 'dist', 'web', '.vite', 'manifest.json'), 'utf8')) as Record<string, { file: string; css?: string[]; imports?: string[]; dynamicImports?: string[] }>;
  const files = new Set<string>();
  const visit = (key: string) => {
    const chunk = manifest[key];
    if (chunk === undefined || files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const css of chunk.css ?? []) files.add(css);
    for (const next of [...(chunk.imports ?? []), ...(chunk.dynamicImports ?? [])]) visit(next);
  };
  visit('index.html');
  const gzipped = [...files].reduce((sum, f) => sum + gzipSync(readFileSync(join(root, 'dist', 'web', f))).length, 0) / 1024;
  // Cold: each navigation in a new browser context (empty cache, as a first visit); warm: one
  // context whose cache has the assets (every later visit, an embedding portal's iframe).
  let cold = Number.NaN;
  let warm = Number.NaN;
  try {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const firstPrompt = async (context: BrowserContext) => {
      const tab = await context.newPage();
      const started = Date.now();
      await tab.goto(`${gatewayUrl}/?cluster=local&namespace=default&pod=shell-0&container=shell#token=${token}`);
      await tab.waitForFunction(() => /[$#] $/.test((window as unknown as { __webterm: { bufferText(): string } }).__webterm.bufferText()), undefined, { polling: 5 });
      const elapsed = Date.now() - started;
      await tab.close();
      return elapsed;
    };
    const coldSamples: number[] = [];
    const warmSamples: number[] = [];
    const warmContext = await browser.newContext();
    await firstPrompt(warmContext);
    for (let round = 0; round < PAGE_ROUNDS; round += 1) {
      const coldContext = await browser.newContext();
      coldSamples.push(await firstPrompt(coldContext));
      await coldContext.close();
      warmSamples.push(await firstPrompt(warmContext));
    }
    await browser.close();
    cold = spread(coldSamples).median;
    warm = spread(warmSamples).median;
  } catch (error) {
    console.error(`page timing skipped: ${(error as Error).message}`);
  }
  rows.push({
    name: '7. page: gzipped JS+CSS; navigation → first prompt (first visit; cached)',
    gateway: `${gzipped.toFixed(0)} KiB; ${cold.toFixed(0)} ms; ${warm.toFixed(0)} ms`,
    figure: `${gzipped.toFixed(0)} KiB, ${cold.toFixed(0)} ms`,
    target: '≤ 250 KiB, ≤ 500 ms',
    met: gzipped <= 250 && cold <= 500,
  });
}

const only = (process.env.BENCH_ONLY ?? '1,2,3,4,5,6,7').split(',');
const secret = randomBytes(24).toString('base64url');
const token = jwt.sign({ sub: 'bench', groups: [] }, secret, { algorithm: 'HS256', expiresIn: 3600 });
const main = await startClusterChild();
// More local cluster processes for the idle sessions, SESSIONS_PER_CLUSTER each.
const idleClusters = only.includes('3') ? await Promise.all(Array.from({ length: Math.ceil(Math.max(...IDLE) / SESSIONS_PER_CLUSTER) - 1 }, () => startClusterChild())) : [];
const fanClusters = only.includes('6')
  ? await Promise.all(
      Array.from({ length: 9 }, () =>
        startLocalCluster({ spec: { namespaces: { bench: { pods: [{ name: 'p', replicas: 10, labels: { app: 'bench' }, containers: [{ name: 'c', shells: ['sh'] }] }] } } } }),
      ),
    )
  : [];
// With these nine, ten clusters of ten bench pods each: 100 pods for the fan-out.
const mainBench = await startLocalCluster({ spec: { namespaces: { bench: { pods: [{ name: 'p', replicas: 10, labels: { app: 'bench' }, containers: [{ name: 'c', shells: ['sh'] }] }] } } } });
const gateway = await startGateway([main, mainBench, ...fanClusters, ...idleClusters], secret);
const endpoints: Endpoints = { cluster: main, gatewayUrl: gateway.url, token };
const readCpu: CpuReader = async () => ({ client: cpuSeconds(), gateway: await gateway.cpuSeconds(), cluster: await main.cpuSeconds() });
try {
  if (only.includes('4')) await slowConsumer(endpoints, gateway.rss);
  if (only.includes('1')) await throughput(endpoints, readCpu);
  if (only.includes('2')) await latency(endpoints);
  if (only.includes('5')) await manyActive(endpoints, readCpu);
  if (only.includes('6')) await fanOut(gateway.url, token, ['fan-1', ...fanClusters.map((_, i) => `fan-${i + 2}`)]);
  if (only.includes('7')) await page(gateway.url, token);
  const idleTargets = [endpoints, ...idleClusters.map((cluster, i) => ({ ...endpoints, cluster, clusterName: `fan-${i + 2 + fanClusters.length}` }))];
  if (only.includes('3')) for (const count of IDLE) await idleSessions(idleTargets, gateway.rss, count);
} finally {
  gateway.stop();
  main.stop();
  for (const cluster of idleClusters) cluster.stop();
  await Promise.all([mainBench, ...fanClusters].map((c) => c.stop()));
}

const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
console.log(`\nmachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; rounds ${ROUNDS}\n`);
console.log('| figure | direct | gateway | result | target | met |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(`| ${row.name} | ${row.direct ?? '–'} | ${row.gateway} | ${row.figure} | ${row.target} | ${row.met === null ? '–' : row.met ? 'yes' : 'no'} |`);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'latest.json'), JSON.stringify({ machine, rounds: ROUNDS, rows: rows.map(({ detail: _detail, ...row }) => row) }, null, 2));
process.exit(0);
