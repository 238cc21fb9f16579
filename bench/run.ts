// `npm run bench`: what the gateway costs against a direct client to the same
// API server (the embedded local cluster over TLS), measured in one run,
// alternating A/B. Starts the processes, runs the figures BENCH_ONLY names
// (all by default), prints a table and writes bench/results/latest.json.
import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { tuneHeapForStreaming } from '../server/heap-tuning.js';
import { cpuSeconds } from './child-ipc.js';
import type { Endpoints } from './clients.js';
import { fanOut } from './figures/fan-out.js';
import { files } from './figures/files.js';
import { flood } from './figures/flood.js';
import type { BenchContext, Figure } from './figures/figure.js';
import { idleSessions } from './figures/idle-sessions.js';
import { latency } from './figures/latency.js';
import { manyActive } from './figures/many-active.js';
import { page } from './figures/page.js';
import { slowConsumer } from './figures/slow-consumer.js';
import { throughput } from './figures/throughput.js';
import { startKubectlProxy } from './kubectl-proxy.js';
import { startBenchPodsCluster, startClusterChild, startGateway } from './processes.js';
import { report, type RouteTable, type Row } from './report.js';
import { SESSIONS_PER_CLUSTER, readSettings, root } from './settings.js';

// The clients here, direct ones included, run with the gateway's heap setting:
// left to V8's default, a direct client reading at full speed spends about
// twice the CPU per MiB, half of it in needless full collections, and a slow
// direct client would understate what the gateway costs.
tuneHeapForStreaming();

/** Every figure by its number, in the order they run and are printed. */
const FIGURES: ReadonlyArray<readonly [string, Figure]> = [
  ['4', slowConsumer],
  ['1', throughput],
  ['2', latency],
  ['5', manyActive],
  ['6', fanOut],
  ['7', page],
  ['8', flood],
  ['3', idleSessions],
  ['9', files],
];

const settings = readSettings(process.env);
const wanted = (figure: string) => settings.only.includes(figure);
const secret = randomBytes(24).toString('base64url');
const signToken = (sub: string) => jwt.sign({ sub, groups: [] }, secret, { algorithm: 'HS256', expiresIn: 3600 });
const token = signToken('bench');
const main = await startClusterChild();
// More local cluster processes for the idle sessions, SESSIONS_PER_CLUSTER each.
const idleClusters = wanted('3')
  ? await Promise.all(Array.from({ length: Math.ceil(Math.max(...settings.idle) / SESSIONS_PER_CLUSTER) - 1 }, () => startClusterChild()))
  : [];
const fanClusters = wanted('6') ? await Promise.all(Array.from({ length: 9 }, () => startBenchPodsCluster())) : [];
// With these nine, ten clusters of ten bench pods each: 100 pods for the fan-out.
const mainBench = await startBenchPodsCluster();
const gateway = await startGateway([main, mainBench, ...fanClusters, ...idleClusters], secret, settings);
const gatewayB =
  settings.gatewayB === undefined
    ? undefined
    : await startGateway([main, mainBench, ...fanClusters, ...idleClusters], secret, settings, settings.gatewayB);
const endpoints: Endpoints = { cluster: main, gatewayUrl: gateway.url, token };
const proxyFor = () => startKubectlProxy(main, settings.kubectl);
// One kubectl proxy for the streaming and keystroke figures; without kubectl they run without it.
const kubectlProxy =
  wanted('1') || wanted('2') ? await proxyFor().catch((error: Error) => void console.error(`kubectl proxy: ${error.message}`)) : undefined;
const routes: RouteTable = {};
const context: BenchContext = {
  settings,
  endpoints,
  gateway,
  gatewayB,
  token,
  readCpu: async () => ({ client: cpuSeconds(), gateway: await gateway.cpuSeconds(), cluster: await main.cpuSeconds() }),
  clusterCpuSeconds: main.cpuSeconds,
  kubectlProxy: kubectlProxy ?? undefined,
  startKubectlProxy: proxyFor,
  // A gateway with none of the bench's history: the idle figure per user starts from its empty state.
  startFreshGateway: (b = false) => startGateway([main], secret, settings, b ? settings.gatewayB : undefined),
  signToken,
  routes,
  fanOutClusters: ['fan-1', ...fanClusters.map((_, i) => `fan-${i + 2}`)],
  idleTargets: [
    endpoints,
    ...idleClusters.map((cluster, i) => ({ ...endpoints, cluster, clusterName: `fan-${i + 2 + fanClusters.length}` })),
  ],
};
const rows: Row[] = [];
try {
  for (const [figure, measure] of FIGURES) if (wanted(figure)) rows.push(...(await measure(context)));
} finally {
  gateway.stop();
  gatewayB?.stop();
  kubectlProxy?.stop();
  main.stop();
  for (const cluster of idleClusters) cluster.stop();
  await Promise.all([mainBench, ...fanClusters].map((c) => c.stop()));
}
report(rows, routes, settings.rounds, root);
process.exit(0);
