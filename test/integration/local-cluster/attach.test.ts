// pods/{pod}/attach on the local cluster: the exec channel protocols joined to
// the container's main process, shared by several clients, left running when
// they detach; and kubectl attach against it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { kubectlBinaries, runKubectl, writeKubeconfig } from '../../helpers/kubectl.js';
import { httpsGet } from './raw-client.js';

let cluster: LocalCluster;
let kubeconfig: { path: string; remove(): void };

beforeAll(async () => {
  cluster = await startLocalCluster({
    spec: {
      namespaces: {
        attach: {
          pods: [
            { name: 'cat-0', containers: [{ name: 'main', command: ['cat'], stdin: true }] },
            { name: 'quiet-0', containers: [{ name: 'main', command: ['sh', '-c', 'echo started; exec cat'] }] },
            { name: 'tty-0', containers: [{ name: 'main', command: ['sh'], stdin: true, tty: true }] },
          ],
        },
      },
    },
  });
  kubeconfig = writeKubeconfig(cluster.kubeconfig());
});

afterAll(async () => {
  await cluster?.stop();
  kubeconfig?.remove();
});

interface Attached {
  ws: WebSocket;
  output(): string;
  status(): string;
  opened: Promise<string>;
  closed: Promise<number>;
}

function attach(pod: string, query: string, protocols = ['v5.channel.k8s.io']): Attached {
  const ws = new WebSocket(`${cluster.url.replace('https', 'wss')}/api/v1/namespaces/attach/pods/${pod}/attach?${query}`, protocols, {
    headers: { Authorization: `Bearer ${cluster.token}` },
    ca: cluster.caPem,
  });
  const frames: Buffer[] = [];
  ws.on('message', (data: Buffer) => frames.push(Buffer.from(data)));
  ws.on('error', () => undefined);
  const channel = (n: number) =>
    frames
      .filter((f) => f[0] === n)
      .map((f) => f.subarray(1).toString())
      .join('');
  return {
    ws,
    output: () => channel(1),
    status: () => channel(3),
    opened: new Promise((resolve) => ws.on('open', () => resolve(ws.protocol))),
    closed: new Promise((resolve) => ws.on('close', (code) => resolve(code))),
  };
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
const stdin = (text: string) => Buffer.concat([Buffer.from([0]), Buffer.from(text)]);

describe('pods/{pod}/attach', () => {
  it('shares the main process between two clients: both see the output, stdin from each goes in', async () => {
    const a = attach('cat-0', 'stdin=true&stdout=true&stderr=true');
    const b = attach('cat-0', 'stdin=true&stdout=true&stderr=true');
    expect(await a.opened).toBe('v5.channel.k8s.io');
    await b.opened;
    a.ws.send(stdin('from a\n'));
    await until(() => a.output() === 'from a\n' && b.output() === 'from a\n');
    b.ws.send(stdin('from b\n'));
    await until(() => a.output() === 'from a\nfrom b\n' && b.output() === 'from a\nfrom b\n');
    // The v5 CLOSE of stdin ends a's attach with Success; the process runs on for b.
    a.ws.send(Buffer.from([255, 0]));
    expect(await a.closed).toBe(1000);
    expect(JSON.parse(a.status())).toEqual({ metadata: {}, status: 'Success' });
    b.ws.send(stdin('still here\n'));
    await until(() => b.output().endsWith('still here\n'));
    b.ws.close(1000);
    await b.closed;
    // Detached, the process still runs: a new client reaches it, and the log has it all.
    const c = attach('cat-0', 'stdin=true&stdout=true', ['v4.channel.k8s.io']);
    expect(await c.opened).toBe('v4.channel.k8s.io');
    c.ws.send(stdin('again\n'));
    await until(() => c.output() === 'again\n');
    c.ws.close(1000);
    const log = await httpsGet(cluster, '/api/v1/namespaces/attach/pods/cat-0/log');
    expect(log.body).toBe('from a\nfrom b\nstill here\nagain\n');
  });

  it('drops stdin to a container started without stdin, and shows it nothing', async () => {
    const a = attach('quiet-0', 'stdin=true&stdout=true');
    await a.opened;
    a.ws.send(stdin('ignored\n'));
    a.ws.send(Buffer.from([255, 0]));
    expect(await a.closed).toBe(1000);
    expect(a.output()).toBe('');
    expect((await httpsGet(cluster, '/api/v1/namespaces/attach/pods/quiet-0/log')).body).toBe('started\n');
  });

  it('attaches to a terminal, follows resizes, and tells every client when the process ends', async () => {
    const a = attach('tty-0', 'stdin=true&stdout=true&tty=true');
    const b = attach('tty-0', 'stdout=true');
    await Promise.all([a.opened, b.opened]);
    a.ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":101,"Height":33}')]));
    a.ws.send(stdin('stty size\r'));
    await until(() => b.output().includes('33 101'));
    a.ws.send(stdin('exit\r'));
    expect(await a.closed).toBe(1000);
    expect(await b.closed).toBe(1000);
    expect(JSON.parse(b.status())).toEqual({ metadata: {}, status: 'Success' });
  });

  it('refuses what the API server refuses before the upgrade', async () => {
    const missing = await httpsGet(cluster, '/api/v1/namespaces/attach/pods/no-such-pod/attach?stdout=true');
    expect(JSON.parse(missing.body)).toMatchObject({ code: 404, message: 'pods "no-such-pod" not found' });
    const plain = await httpsGet(cluster, '/api/v1/namespaces/attach/pods/cat-0/attach?stdout=true');
    expect(JSON.parse(plain.body)).toMatchObject({ code: 400, message: 'Upgrade request required' });
  });
});

const binaries = kubectlBinaries();
describe.skipIf(binaries.length === 0)('kubectl attach', () => {
  it('attaches with piped stdin and detaches at its end, leaving the process running', async () => {
    const kubectl = binaries[0]!;
    const before = await httpsGet(cluster, '/api/v1/namespaces/attach/pods/cat-0');
    const restarts = (JSON.parse(before.body) as { status: { containerStatuses: Array<{ restartCount: number }> } }).status
      .containerStatuses[0]!.restartCount;
    const result = await runKubectl(kubectl, ['--kubeconfig', kubeconfig.path, '-n', 'attach', 'attach', '-i', 'cat-0'], {
      input: 'via kubectl\n',
    });
    expect(result.code).toBe(0);
    // What kubectl sent reached the process (its log), whether or not the echo came back before the detach.
    const log = await httpsGet(cluster, '/api/v1/namespaces/attach/pods/cat-0/log');
    expect(log.body).toContain('via kubectl\n');
    const after = await httpsGet(cluster, '/api/v1/namespaces/attach/pods/cat-0');
    const status = (JSON.parse(after.body) as { status: { containerStatuses: Array<{ restartCount: number; state: object }> } }).status
      .containerStatuses[0]!;
    expect(status.restartCount).toBe(restarts);
    expect(status.state).toHaveProperty('running');
  });
});
