// Load: 500 interactive sessions typing and reading at once for 30 s through
// one gateway (in a process of its own, so its memory and CPU are its own),
// every byte checked. The figures are printed (and kept in
// test/reliability/results/load.json with UPDATE_RESULTS=1).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { projectRoot, signToken } from '../helpers/stack.js';
import { openTerminal, type TerminalClient } from '../helpers/terminal-client.js';

const SESSIONS = Number(process.env.LOAD_SESSIONS ?? 500);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const secret = 'load-test-secret-0123456789abcdef';

let cluster: LocalCluster;
let gateway: GatewayProcess;

/** RSS (bytes) and CPU seconds of a process, from /proc. */
function usage(pid: number): { rss: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rss: rssKiB * 1024, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 };
}

beforeAll(async () => {
  cluster = await startLocalCluster();
  gateway = await startGatewayProcess((dir) => ({
    auth: { jwt: { secret, algorithms: ['HS256'] } },
    clusters: [{ name: 'local', server: cluster.url, token: cluster.token, caData: cluster.caPem }],
    policy: [{ users: ['*'], clusters: ['*'], namespaces: ['*'], allow: ['exec'] }],
    sessions: { maxSessionsPerUser: 0 },
    audit: { file: join(dir, 'audit.log') },
  }));
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await cluster?.stop();
});

describe('load', () => {
  it(
    `holds ${SESSIONS} interactive sessions typing for ${SECONDS} s with no error and no lost byte`,
    async () => {
      const token = signToken(secret);
      const wsUrl = gateway.url.replace(/^http/, 'ws');
      const before = usage(gateway.child.pid!);
      const clients: TerminalClient[] = [];
      for (let i = 0; i < SESSIONS; i += 50) {
        const batch = Array.from({ length: Math.min(50, SESSIONS - i) }, () =>
          openTerminal(wsUrl, { command: ['cat'], tty: false }, { token }),
        );
        await Promise.all(batch.map((c) => c.waitForMessage('session', 30_000)));
        clients.push(...batch);
      }
      const sent = clients.map(() => [] as string[]);
      const started = Date.now();
      let peakRss = 0;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, usage(gateway.child.pid!).rss)), 500);
      // Each session types a line every 100–200 ms, as a person at a fast keyboard would.
      await Promise.all(
        clients.map(async (client, index) => {
          let n = 0;
          while (Date.now() - started < SECONDS * 1000) {
            const line = `s${index}-l${n++}-${'x'.repeat(index % 40)}\n`;
            sent[index]!.push(line);
            client.sendText(line);
            await new Promise((resolve) => setTimeout(resolve, 100 + ((index * 37 + n * 11) % 100)));
          }
        }),
      );
      clearInterval(sampler);
      const duringCpu = usage(gateway.child.pid!).cpuSeconds - before.cpuSeconds;
      for (const client of clients) client.control({ type: 'eof' });
      const exits = await Promise.all(clients.map((client) => client.waitForMessage('exit', 30_000)));
      expect(exits.every((m) => m.type === 'exit' && m.code === 0)).toBe(true);
      let bytesVerified = 0;
      const wrong: number[] = [];
      clients.forEach((client, index) => {
        const expected = sent[index]!.join('');
        if (client.outputText() !== expected) wrong.push(index);
        bytesVerified += Buffer.byteLength(expected);
      });
      expect(wrong).toEqual([]);
      const errors = clients.flatMap((c) => c.messages.filter((m) => m.type === 'error'));
      expect(errors).toEqual([]);
      const after = usage(gateway.child.pid!);
      const figures = {
        date: new Date().toISOString(),
        sessions: SESSIONS,
        seconds: SECONDS,
        linesTyped: sent.reduce((sum, lines) => sum + lines.length, 0),
        bytesVerifiedEachWay: bytesVerified,
        gatewayRssMiB: {
          before: Math.round(before.rss / 2 ** 20),
          peak: Math.round(peakRss / 2 ** 20),
          after: Math.round(after.rss / 2 ** 20),
        },
        gatewayCpuSeconds: Math.round(duringCpu * 10) / 10,
        gatewayCpuPercentOfOneCore: Math.round((duringCpu / SECONDS) * 100),
      };
      console.log(`load: ${JSON.stringify(figures)}`);
      // UPDATE_RESULTS=1 keeps the figures of this run (docs/security.md quotes them).
      if (SESSIONS >= 500 && process.env.UPDATE_RESULTS === '1') {
        mkdirSync(join(projectRoot, 'test', 'reliability', 'results'), { recursive: true });
        writeFileSync(join(projectRoot, 'test', 'reliability', 'results', 'load.json'), `${JSON.stringify(figures, null, 2)}\n`);
      }
      for (const client of clients) client.ws.close(1000);
    },
    (SECONDS + 120) * 1000,
  );
});
