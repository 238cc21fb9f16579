// Figure 3, idle sessions: N sessions through the gateway, each a `cat`
// waiting for input, spread over local cluster processes; the figure is the
// gateway's RSS growth per session from half to all of them. Then 3c: a few
// hundred sessions, each from a user of its own, on a freshly started gateway,
// through a freshly started kubectl proxy, and through a fresh floor relay (the
// bound): the RSS growth per session from empty.
import type WebSocket from 'ws';
import { openExec, type Endpoints, type Route } from '../clients.js';
import type { RouteTable, Row } from '../report.js';
import { startFloorRelay } from '../processes.js';
import { SESSIONS_PER_CLUSTER } from '../settings.js';
import type { Figure } from './figure.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Holds `count` idle sessions, reads the gateway's RSS, then closes them and waits until the clusters have ended every exec. */
async function holdIdleSessions(targets: readonly Endpoints[], rss: () => Promise<number>, count: number, batchSize: number): Promise<Row> {
  const before = await rss();
  const started = Date.now();
  const sockets: WebSocket[] = [];
  let failed = 0;
  let establishing = true;
  let halfway = 0;
  for (let offset = 0; offset < count; offset += batchSize) {
    // RSS with half the sessions open: the growth from there on is per session,
    // without the one-time growth of the heap and the allocator the first ones cause.
    if (halfway === 0 && offset >= count / 2) halfway = await rss();
    const batch = Array.from({ length: Math.min(batchSize, count - offset) }, (_, i) => {
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
  await sleep(1000);
  const after = await rss();
  const opened = count - Math.floor(count / 2 / batchSize) * batchSize;
  const perSession = (after - halfway) / opened / 1024;
  const perSessionOverall = (after - before) / count / 1024;
  for (const ws of sockets) ws.close();
  const deadline = Date.now() + 30_000;
  const active = async () => (await Promise.all(targets.map((t) => t.cluster.activeExecs()))).reduce((a, b) => a + b, 0);
  while ((await active()) > 0 && Date.now() < deadline) await sleep(100);
  return {
    name: `3. idle sessions: ${count} held (${failed} failed)`,
    gateway: `${establishSeconds.toFixed(1)} s to open all; RSS ${(before / 2 ** 20).toFixed(0)} → ${(halfway / 2 ** 20).toFixed(0)} → ${(after / 2 ** 20).toFixed(0)} MiB (${perSessionOverall.toFixed(1)} KiB/session from empty)`,
    figure: `${perSession.toFixed(1)} KiB/session`,
    target: '≤ 64 KiB/session',
    met: failed === 0 && perSession <= 64,
  };
}

/** Opens one session per target, `batchSize` at once; resolves the sockets and how many failed. */
async function openSessions(
  targets: readonly Endpoints[],
  route: Route,
  batchSize: number,
): Promise<{ sockets: WebSocket[]; failed: number }> {
  const sockets: WebSocket[] = [];
  let failed = 0;
  for (let offset = 0; offset < targets.length; offset += batchSize) {
    await Promise.all(
      targets.slice(offset, offset + batchSize).map((target) => {
        // A `cat` that was given stdin: the gateway announces the session, a direct exec says nothing, so open is enough.
        const ws = openExec(target, route, ['cat'], true);
        sockets.push(ws);
        return new Promise<void>((resolve) => {
          ws.once(route === 'gateway' ? 'message' : 'open', () => resolve());
          ws.once('close', () => {
            failed += 1;
            resolve();
          });
        });
      }),
    );
  }
  return { sockets, failed };
}

/** Idle sessions from distinct users on a fresh gateway and through a fresh kubectl proxy: KiB of RSS per session from empty. */
async function idlePerUser(context: Parameters<Figure>[0]): Promise<Row[]> {
  const { settings, endpoints, routes } = context;
  const count = settings.idleUsers;
  const measure = async (
    name: 'gateway' | 'gateway B' | 'kubectl proxy' | 'floor relay',
    route: Route,
    rss: () => Promise<number>,
    targets: Endpoints[],
  ) => {
    await sleep(1000);
    const before = await rss();
    const { sockets, failed } = await openSessions(targets, route, settings.idleBatch);
    await sleep(1000);
    const after = await rss();
    for (const ws of sockets) ws.close();
    const deadline = Date.now() + 30_000;
    while ((await endpoints.cluster.activeExecs()) > 0 && Date.now() < deadline) await sleep(100);
    const perSession = (after - before) / count / 1024;
    (routes as RouteTable)[name] = { ...routes[name], idleKiBPerSession: perSession };
    return { before, after, failed, perSession };
  };
  const rows: Row[] = [];
  for (const b of context.gatewayB === undefined ? [false] : [false, true]) {
    const fresh = await context.startFreshGateway(b);
    const users = Array.from({ length: count }, (_, i) => ({
      ...endpoints,
      gatewayUrl: fresh.url,
      token: context.signToken(`idle-user-${i}`),
    }));
    const gateway = await measure(b ? 'gateway B' : 'gateway', 'gateway', fresh.rss, users).finally(() => fresh.stop());
    rows.push({
      name: `3c. idle sessions: ${count} from ${count} users on a fresh gateway${b ? ' B' : ''} (${gateway.failed} failed)`,
      gateway: `RSS ${(gateway.before / 2 ** 20).toFixed(0)} → ${(gateway.after / 2 ** 20).toFixed(0)} MiB`,
      figure: `${gateway.perSession.toFixed(1)} KiB/session`,
      target: b ? '– (A/B)' : '≤ 32 KiB/session',
      met: b ? null : gateway.failed === 0 && gateway.perSession <= 32,
    });
  }
  // Another relay in front of the same cluster, measured the same way: the peer, and the bound.
  const through = async (
    row: string,
    name: 'kubectl proxy' | 'floor relay',
    relay: { url: string; rss(): Promise<number>; stop(): void },
    target: string,
  ) => {
    const targets = Array<Endpoints>(count).fill({ ...endpoints, cluster: { ...endpoints.cluster, url: relay.url } });
    const result = await measure(name, 'direct', () => relay.rss(), targets).finally(() => relay.stop());
    rows.push({
      name: `${row}. idle sessions: ${count} through a fresh ${name} (${result.failed} failed)`,
      gateway: `RSS ${(result.before / 2 ** 20).toFixed(0)} → ${(result.after / 2 ** 20).toFixed(0)} MiB`,
      figure: `${result.perSession.toFixed(1)} KiB/session`,
      target,
      met: null,
    });
  };
  const proxy = await context.startKubectlProxy().catch((error: Error) => {
    console.error(`kubectl proxy skipped: ${error.message}`);
    return undefined;
  });
  if (proxy !== undefined) await through('3d', 'kubectl proxy', proxy, '– (the peer, not a target)');
  // The bound: a Node relay that holds each session as two sockets and a TLS connection, and nothing else.
  await through('3e', 'floor relay', await startFloorRelay(endpoints.cluster), '– (a bound, not a target)');
  return rows;
}

export const idleSessions: Figure = async (context) => {
  const { settings, gateway, idleTargets } = context;
  const rows: Row[] = await idlePerUser(context);
  for (const count of settings.idle) rows.push(await holdIdleSessions(idleTargets, gateway.rss, count, settings.idleBatch));
  return rows;
};
