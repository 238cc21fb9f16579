// Figure 3, idle sessions: N sessions through the gateway, each a `cat`
// waiting for input, spread over local cluster processes; the figure is the
// gateway's RSS growth per session from half to all of them.
import type WebSocket from 'ws';
import { openExec, type Endpoints } from '../clients.js';
import type { Row } from '../report.js';
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

export const idleSessions: Figure = async ({ settings, gateway, idleTargets }) => {
  const rows: Row[] = [];
  for (const count of settings.idle) rows.push(await holdIdleSessions(idleTargets, gateway.rss, count, settings.idleBatch));
  return rows;
};
