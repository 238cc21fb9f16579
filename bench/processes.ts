// The processes a bench run measures, each in its own process so its CPU and
// memory are read apart from the clients': the local clusters, the gateway
// and the floor relay. Each is driven over IPC (child-ipc.ts).
import { join } from 'node:path';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { ask, forkReady } from './child-ipc.js';
import type { ClusterEndpoint } from './clients.js';
import { root, type BenchSettings } from './settings.js';

interface ClusterAddress {
  url: string;
  token: string;
  caPem: string;
}

export interface ClusterChild extends ClusterEndpoint {
  cpuSeconds(): Promise<number>;
  stop(): void;
}

/** A local cluster in a process of its own (cluster-child.ts). */
export async function startClusterChild(): Promise<ClusterChild> {
  const { child, ready } = await forkReady<ClusterAddress>(
    join(root, 'dist', 'bench', 'cluster-child.js'),
    { env: process.env },
    'the local cluster',
  );
  return {
    ...ready,
    activeExecs: () => ask<number>(child, 'activeExecs', 'count'),
    cpuSeconds: () => ask<number>(child, 'cpu', 'seconds'),
    stop: () => child.send({ type: 'stop' }),
  };
}

/** A local cluster in this process with ten pods labelled app=bench in namespace bench, for the fan-out. */
export function startBenchPodsCluster(): Promise<LocalCluster> {
  return startLocalCluster({
    spec: {
      namespaces: { bench: { pods: [{ name: 'p', replicas: 10, labels: { app: 'bench' }, containers: [{ name: 'c', shells: ['sh'] }] }] } },
    },
  });
}

export interface GatewayChild {
  url: string;
  rss(): Promise<number>;
  cpuSeconds(): Promise<number>;
  stop(): void;
}

/** The gateway (gateway-child.ts) in front of `clusters`: the first is `local`, the others `fan-1`, `fan-2`, … */
export async function startGateway(
  clusters: readonly ClusterAddress[],
  secret: string,
  settings: BenchSettings,
  tree: string = root,
): Promise<GatewayChild> {
  const config = {
    listen: { host: '127.0.0.1', port: 0 },
    auth: { jwt: { secret, algorithms: ['HS256'] } },
    policy: [{ users: ['*'], clusters: ['*'], namespaces: ['*'], allow: ['*'], record: settings.recordDirectory !== undefined }],
    ...(settings.recordDirectory === undefined ? {} : { recording: { directory: settings.recordDirectory } }),
    clusters: clusters.map((c, i) => ({ name: i === 0 ? 'local' : `fan-${i}`, server: c.url, token: c.token, caData: c.caPem })),
    actions: { 'bench-noop': { command: ['true'], namespace: 'bench', selector: 'app=bench' } },
    terminal: {
      pingIntervalSeconds: 30,
      ...(settings.highWaterMarkBytes === undefined ? {} : { highWaterMarkBytes: settings.highWaterMarkBytes }),
    },
    // One bench user holds thousands of sessions; the limits are not what is measured.
    sessions: { maxSessionsPerUser: 0, idleTimeoutSeconds: 0, maxDurationSeconds: 0 },
  };
  const execArgv = ['--expose-gc', ...(settings.traceGc ? ['--trace-gc'] : [])];
  if (settings.cpuProfileDirectory !== undefined) execArgv.push('--cpu-prof', `--cpu-prof-dir=${settings.cpuProfileDirectory}`);
  const { child, ready } = await forkReady<{ url: string }>(
    join(tree, 'dist', 'bench', 'gateway-child.js'),
    { env: { ...process.env, BENCH_GATEWAY_CONFIG: JSON.stringify(config), BENCH_WEB_ROOT: join(tree, 'dist', 'web') }, execArgv },
    'the gateway',
  );
  return {
    url: ready.url,
    rss: () => ask<number>(child, 'rss', 'rss'),
    cpuSeconds: () => ask<number>(child, 'cpu', 'seconds'),
    stop: () => child.send({ type: 'stop' }),
  };
}

/** The bound for throughput: a relay that only pipes the cluster's decrypted bytes (floor-relay-child.ts). */
export async function startFloorRelay(cluster: ClusterAddress) {
  const { child, ready } = await forkReady<{ url: string }>(
    join(root, 'dist', 'bench', 'floor-relay-child.js'),
    { env: { ...process.env, BENCH_FLOOR_UPSTREAM: JSON.stringify(cluster) }, execArgv: ['--expose-gc'] },
    'the floor relay',
  );
  return {
    url: ready.url,
    rss: () => ask<number>(child, 'rss', 'rss'),
    cpuSeconds: () => ask<number>(child, 'cpu', 'seconds'),
    stop: () => child.send({ type: 'stop' }),
  };
}
