// Nothing a local cluster starts outlives its process, whichever way that
// process ends: exit, SIGTERM, SIGINT, SIGKILL or an uncaught error, with an
// interactive shell open, a session held for resume and the nginx pods running.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_PREFIX } from '@webterm/local-cluster/leftovers';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { ENDINGS, startEndingProcess, type Ending, type EndingProcess } from '../../helpers/ending-process.js';
import { captureTree, describeProcesses, survivors, type TreeSnapshot } from '../../helpers/process-tree.js';
import { startStack, type Stack } from '../../helpers/stack.js';
import { openTerminal } from '../../helpers/terminal-client.js';
import { commandQuery, rawExec } from './raw-client.js';

const LIFETIME_MS = 2000;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'webterm-lifetimes-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The temporary directory of the local cluster running in process `pid`. */
function clusterRoot(pid: number): string | undefined {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(ROOT_PREFIX)) continue;
    try {
      if (readFileSync(join(tmpdir(), name, 'owner'), 'utf8').split(' ')[0] === String(pid)) return join(tmpdir(), name);
    } catch {
      // Being made or removed.
    }
  }
  return undefined;
}

/** `npm run local-cluster` in its own process, and what kubectl would read from its kubeconfig. */
async function startClusterProcess(): Promise<{ process: EndingProcess; cluster: LocalCluster; root: string }> {
  const kubeconfigPath = join(dir, `kubeconfig-${Date.now()}-${Math.random()}`);
  const child = startEndingProcess(['--local-cluster', '--kubeconfig', kubeconfigPath], { PORT: '0', LOG_LEVEL: 'warn' });
  await child.waitFor(/# kubeconfig written to/);
  const kubeconfig = parse(readFileSync(kubeconfigPath, 'utf8')) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
    users: Array<{ user: { token: string } }>;
  };
  const cluster = {
    url: kubeconfig.clusters[0]!.cluster.server,
    token: kubeconfig.users[0]!.user.token,
    caPem: Buffer.from(kubeconfig.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString(),
  } as LocalCluster;
  const root = clusterRoot(child.pid);
  if (root === undefined) throw new Error('no temporary directory owned by the local cluster process');
  return { process: child, cluster, root };
}

/**
 * Through a gateway at `wsUrl`: an interactive shell with children in the
 * background (one ignoring SIGHUP, one in a session of its own), and a second
 * shell whose browser dropped, so the gateway holds it for resume.
 */
async function openSessions(wsUrl: string, token: string): Promise<void> {
  const shell = openTerminal(wsUrl, { tty: true }, { token });
  shell.sendText('sleep 1001 & (trap "" HUP; exec sleep 1002) & setsid sleep 1003 & echo "ready""-shell"\n');
  await shell.waitForOutput('ready-shell');
  const held = openTerminal(wsUrl, { tty: true }, { token });
  held.sendText('sleep 1004 & echo "ready""-held"; cat\n');
  await held.waitForOutput('ready-held');
  held.ws.terminate();
}

/** Waits until `root`'s tree holds every process the scene started, and returns it. */
async function captureScene(pid: number, root: string, expected: Record<string, number>): Promise<TreeSnapshot> {
  let snapshot = captureTree(pid, [root]);
  const count = (comm: string) => snapshot.processes.filter((p) => p.comm === comm).length;
  const complete = () => Object.entries(expected).every(([comm, n]) => count(comm) >= n);
  const deadline = Date.now() + 15_000;
  while (!complete()) {
    if (Date.now() > deadline) throw new Error(`the scene is not all there: ${describeProcesses(snapshot.processes).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    snapshot = captureTree(pid, [root]);
  }
  return snapshot;
}

/** Ends the process `how`, then expects nothing of `snapshot` left within 2 s of its end. */
async function endAndCheck(child: EndingProcess, snapshot: TreeSnapshot, how: Ending): Promise<void> {
  child.end(how);
  await child.exited;
  const ended = Date.now();
  let left = survivors(snapshot);
  while (left.length > 0 && Date.now() - ended < LIFETIME_MS) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    left = survivors(snapshot);
  }
  const list = describeProcesses(left).join('\n');
  expect(left.length, `${left.length} of ${snapshot.processes.length} processes outlived the ${how} by ${LIFETIME_MS} ms:\n${list}`).toBe(
    0,
  );
}

/**
 * The directory is gone: at once after an end the process sees, and within
 * 2 s after SIGKILL, when the watchdog removes it (a later start's janitor,
 * tested in nginx.test.ts, is the last resort).
 */
async function expectRootRemoved(root: string, how: Ending): Promise<void> {
  const deadline = Date.now() + (how === 'SIGKILL' ? LIFETIME_MS : 0);
  while (existsSync(root) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(existsSync(root), `${root} after the ${how}`).toBe(false);
}

describe('the local cluster process (npm run local-cluster) behind a gateway', () => {
  it.each(ENDINGS)(
    'leaves no process and no directory after %s',
    async (how) => {
      const { process: child, cluster, root } = await startClusterProcess();
      let stack: Stack | undefined;
      try {
        stack = await startStack({ cluster, config: { sessions: { resumeGraceSeconds: 60 } } });
        await openSessions(stack.wsUrl, stack.token());
        const snapshot = await captureScene(child.pid, root, { nginx: 4, sleep: 4, cat: 1 });
        await endAndCheck(child, snapshot, how);
        await expectRootRemoved(root, how);
      } finally {
        await stack?.stop();
        await child.kill();
      }
    },
    60_000,
  );

  it.each(ENDINGS)(
    'leaves no process after a burst of 200 sessions closed at once, then %s',
    async (how) => {
      const { process: child, cluster, root } = await startClusterProcess();
      try {
        const execs = Array.from({ length: 200 }, () =>
          rawExec(cluster, `${commandQuery(['cat'])}&stdin=true&stdout=true`, ['v5.channel.k8s.io']),
        );
        await Promise.all(execs.map((exec) => exec.opened));
        const snapshot = await captureScene(child.pid, root, { nginx: 4, cat: 200 });
        for (const exec of execs) exec.ws.terminate();
        await endAndCheck(child, snapshot, how);
        await expectRootRemoved(root, how);
      } finally {
        await child.kill();
      }
    },
    60_000,
  );
});

describe('stop()', () => {
  it('ends what ignored the hang-up or left its session by a double fork, and the nginx, before it resolves', async () => {
    const cluster = await startLocalCluster();
    const root = clusterRoot(process.pid);
    let stack: Stack | undefined;
    try {
      expect(root).toBeDefined();
      stack = await startStack({ cluster, config: { sessions: { resumeGraceSeconds: 60 } } });
      await openSessions(stack.wsUrl, stack.token());
      const snapshot = captureTree(process.pid, [root!]);
      const scene = snapshot.processes.filter((p) => p.pid !== process.pid && (p.comm === 'sleep' || p.comm === 'nginx'));
      expect(scene.length).toBeGreaterThanOrEqual(8);
      await cluster.stop();
      const known = new Map(scene.map((p) => [p.pid, p.start]));
      const left = survivors({ processes: scene, groups: new Set(), sessions: new Set() }).filter((p) => known.get(p.pid) === p.start);
      expect(describeProcesses(left)).toEqual([]);
      expect(existsSync(root!)).toBe(false);
    } finally {
      await stack?.stop();
      await cluster.stop();
    }
  }, 60_000);
});

describe('the demo gateway (npm start)', () => {
  // SIGTERM drains for 30 s first; the local cluster's side of it is the same as above.
  it.each(ENDINGS.filter((how) => how !== 'SIGTERM'))(
    'leaves no process and no directory after %s',
    async (how) => {
      const child = startEndingProcess([], { GATEWAY_CONFIG: '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
      try {
        const [, url, token] = await child.waitFor(/Open (https?:\/\/[^/]+)\/#token=(\S+)/);
        const root = clusterRoot(child.pid);
        if (root === undefined) throw new Error('no temporary directory owned by the gateway process');
        await openSessions(url!.replace(/^http/, 'ws'), token!);
        const snapshot = await captureScene(child.pid, root, { nginx: 4, sleep: 4, cat: 1 });
        await endAndCheck(child, snapshot, how);
        await expectRootRemoved(root, how);
      } finally {
        await child.kill();
      }
    },
    60_000,
  );
});
