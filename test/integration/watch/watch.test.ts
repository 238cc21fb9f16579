// Watching a shared session, as owner and viewers see it: the list, the
// screen on joining, live output and resizes, refusals before and after the
// upgrade, viewers that cannot keep up, and 1 000 viewers against the owner's echo.
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServerMessage, type ServerMessage } from '../../../shared/protocol.js';
import { projectRoot, startStack, type Stack } from '../../helpers/stack.js';
import { openTerminal, poll, socketOf, type TerminalClient } from '../../helpers/terminal-client.js';

/** Opens N viewers of a URL; prints `open N`, then on stdin `report`, how many closed and bytes each got. */
const VIEWERS_PROGRAM = `
import WebSocket from 'ws';
const [url, token, count] = process.argv.slice(1);
let open = 0, closed = 0, bytes = 0;
const sockets = Array.from({ length: Number(count) }, () => {
  const ws = new WebSocket(url, ['webterm.v1', 'bearer.' + token], { perMessageDeflate: false });
  ws.on('open', () => { if (++open === Number(count)) console.log('open ' + open); });
  ws.on('message', (data) => { bytes += data.length; });
  ws.on('close', () => closed++);
  ws.on('error', () => undefined);
  return ws;
});
process.stdin.on('data', () => { console.log('closed ' + closed + ' bytes ' + bytes); for (const ws of sockets) ws.terminate(); });
`;

let stack: Stack;
let cluster: LocalCluster;
const opened: Array<{ close(): void }> = [];

beforeAll(async () => {
  // No nginx pods: these tests need a shell only.
  cluster = await startLocalCluster({
    spec: { namespaces: { default: { pods: [{ name: 'shell-0', containers: [{ name: 'shell' }] }] } } },
  });
  stack = await startStack({
    cluster,
    config: {
      policy: [
        { groups: ['dev'], clusters: ['*'], namespaces: ['*'], allow: ['exec'] },
        { groups: ['watchers'], clusters: ['*'], namespaces: ['default'], allow: ['watch'] },
      ],
    },
  });
});

afterAll(async () => {
  for (const socket of opened) socket.close();
  await stack?.stop();
  await cluster?.stop();
});

interface Viewer {
  ws: WebSocket;
  messages: ServerMessage[];
  output(): string;
  closed: Promise<{ code: number }>;
  refused: Promise<{ status: number; body: string }>;
}

function watch(id: string, token: string, options: { keep?: boolean } = {}): Viewer {
  const ws = new WebSocket(`${stack.wsUrl}/api/sessions/${id}/watch`, ['webterm.v1', `bearer.${token}`], { perMessageDeflate: false });
  opened.push(ws);
  const messages: ServerMessage[] = [];
  const chunks: Buffer[] = [];
  ws.on('message', (data: Buffer, isBinary) => {
    if (!isBinary) {
      const parsed = parseServerMessage(data.toString());
      if (parsed.ok) messages.push(parsed.value);
    } else if (options.keep !== false) chunks.push(Buffer.from(data));
  });
  ws.on('error', () => undefined);
  return {
    ws,
    messages,
    output: () => Buffer.concat(chunks).toString(),
    closed: new Promise((resolve) => ws.on('close', (code) => resolve({ code }))),
    refused: new Promise((resolve) =>
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }),
    ),
  };
}

async function owned(): Promise<{ owner: TerminalClient; id: string }> {
  const owner = openTerminal(stack.wsUrl, { command: ['sh'], tty: true }, { token: stack.token() });
  opened.push(owner.ws);
  const session = await owner.waitForMessage('session');
  owner.control({ type: 'resize', cols: 100, rows: 30 });
  return { owner, id: (session as Extract<ServerMessage, { type: 'session' }>).id };
}

async function listAs(token: string) {
  const response = await fetch(`${stack.gatewayUrl}/api/sessions`, { headers: { Authorization: `Bearer ${token}` } });
  return (await response.json()) as { items: Array<Record<string, unknown>> };
}

const bob = () => stack.token({ sub: 'bob', groups: ['watchers'] });
const lastWatchers = (owner: TerminalClient) => owner.messages.filter((m) => m.type === 'watchers').at(-1);

describe('watching a shared session', () => {
  it('lists, shows the screen, then live output and resizes; the viewer cannot type', async () => {
    const { owner, id } = await owned();
    owner.sendText('echo before-$((6*7))\r');
    await owner.waitForOutput('before-42');
    expect((await listAs(stack.token())).items).toContainEqual(
      expect.objectContaining({ id, user: 'alice', shared: false, pod: 'shell-0' }),
    );
    expect((await listAs(bob())).items.map((s) => s.id)).not.toContain(id);

    owner.control({ type: 'share', enabled: true });
    const listed = async () => (await listAs(bob())).items.find((s) => s.id === id);
    for (let i = 0; i < 200 && (await listed()) === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const item = await listed();
    expect(item).toMatchObject({ id, user: 'alice', cluster: 'local', namespace: 'default', pod: 'shell-0', shared: true });
    expect(new Date(String(item?.startedAt)).toISOString()).toBe(item?.startedAt);
    expect((await listAs(stack.token({ sub: 'carol', groups: [] }))).items).toEqual([]);

    const viewer = watch(id, bob());
    await poll(() => viewer.output().includes('before-42'), 10_000, 'the screen');
    expect(viewer.messages[0]).toEqual({ type: 'resize', cols: 100, rows: 30 });
    await poll(() => JSON.stringify(lastWatchers(owner)) === JSON.stringify({ type: 'watchers', users: ['bob'] }), 5000, 'watchers');

    viewer.ws.send(Buffer.from('echo from-viewer\r'));
    viewer.ws.send(JSON.stringify({ type: 'resize', cols: 20, rows: 5 }));
    owner.sendText('echo live-$((2*3))\r');
    await poll(() => viewer.output().includes('live-6'), 5000, 'live output');
    owner.control({ type: 'resize', cols: 90, rows: 20 });
    await poll(() => viewer.messages.some((m) => m.type === 'resize' && m.cols === 90 && m.rows === 20), 5000, 'the resize');
    expect(owner.outputText()).not.toContain('from-viewer');
    expect(viewer.messages.filter((m) => m.type === 'resize' && m.cols === 20)).toEqual([]);
    expect(stack.logs.some((line) => line.includes('"watch.start"') && line.includes('"bob"'))).toBe(true);

    owner.control({ type: 'share', enabled: false });
    expect(await viewer.closed).toEqual({ code: 4403 });
    expect(viewer.messages.at(-1)).toMatchObject({ type: 'error', status: 403 });
    await poll(() => JSON.stringify(lastWatchers(owner)) === JSON.stringify({ type: 'watchers', users: [] }), 5000, 'no watchers');
    expect((await watch(id, bob()).refused).status).toBe(403);
    owner.ws.close();
  });

  it('survives a 24 MB flood in a shared, watched session: the owner gets it all, the gateway serves on', async () => {
    const { owner, id } = await owned();
    owner.control({ type: 'share', enabled: true });
    const viewer = watch(id, bob(), { keep: false });
    await poll(() => viewer.messages.some((m) => m.type === 'resize'), 10_000, 'the viewer to start');
    // Six times what the screen model may queue for parsing: it stops taking output and redraws later.
    owner.sendText("head -c 24000000 /dev/zero | tr '\\0' x; echo; echo flood-done-$((3*3))\r");
    await owner.waitForOutput('flood-done-9', 60_000);
    owner.sendText('echo after-$((2*2))\r');
    await owner.waitForOutput('after-4');
    expect((await fetch(`${stack.gatewayUrl}/healthz`)).status).toBe(200);
    owner.ws.close();
  }, 90_000);

  it('refuses before the upgrade: no grant 403, not shared 403, unknown 404, ended 404', async () => {
    const { owner, id } = await owned();
    const notShared = await watch(id, bob()).refused;
    expect(notShared.status).toBe(403);
    expect(JSON.parse(notShared.body)).toMatchObject({ error: { code: 'forbidden', message: 'that session is not shared' } });
    owner.control({ type: 'share', enabled: true });
    owner.sendText('echo shared\r');
    await owner.waitForOutput('shared');
    expect((await watch(id, stack.token({ sub: 'carol', groups: [] })).refused).status).toBe(403);
    expect((await watch('no-such-session', bob()).refused).status).toBe(404);
    owner.sendText('exit\r');
    await owner.closed;
    expect((await watch(id, bob()).refused).status).toBe(404);
  });
});

describe('viewers that cannot keep up', () => {
  it('closes slow viewers with 1008 and keeps the fast ones and the owner', async () => {
    const { owner, id } = await owned();
    owner.control({ type: 'share', enabled: true });
    owner.sendText('echo ready\r');
    await owner.waitForOutput('ready');
    const fast = watch(id, bob(), { keep: false });
    const slow = watch(id, bob(), { keep: false });
    await new Promise((resolve) => fast.ws.once('open', resolve));
    await new Promise((resolve) => slow.ws.once('open', resolve));
    // A viewer that reads nothing: its socket is paused.
    socketOf(slow.ws).pause();
    let fastBytes = 0;
    fast.ws.on('message', (data: Buffer) => (fastBytes += data.length));
    owner.sendText('head -c 16000000 /dev/zero | tr "\\0" a; echo; echo flood-$((1+1))\r');
    const dropped = () => stack.logs.some((line) => line.includes('"watch.end"') && line.includes('"too-slow"'));
    await poll(dropped, 60_000, 'the slow viewer dropped');
    socketOf(slow.ws).resume();
    expect(await slow.closed).toEqual({ code: 1008 });
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
    await owner.waitForOutput('flood-2', 60_000);
    await poll(() => fastBytes > 16_000_000, 30_000, 'the fast viewer got the output');
    owner.ws.close();
  }, 120_000);
});

describe('1 000 viewers', () => {
  /** Round trips of keystrokes to their echo, timed on the owner's socket (no polling). */
  async function echoLatencies(owner: TerminalClient, label: string, count: number): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const mark = `${label}${i};`;
      const started = performance.now();
      await new Promise<void>((resolve) => {
        let seen = '';
        const onMessage = (data: Buffer, isBinary: boolean) => {
          if (!isBinary) return;
          seen += data.toString();
          if (!seen.includes(mark)) return;
          owner.ws.off('message', onMessage);
          resolve();
        };
        owner.ws.on('message', onMessage);
        owner.sendText(mark);
      });
      times.push(performance.now() - started);
      // Keystrokes at a fast typist's pace (about 20 a second), not back to back.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return times;
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

  it("leaves the owner's echo latency where it was", async () => {
    const { owner, id } = await owned();
    owner.control({ type: 'share', enabled: true });
    owner.sendText('cat > /dev/null\r');
    await echoLatencies(owner, 'w', 5);
    const before = await echoLatencies(owner, 'a', 50);
    // The viewers live in a process of their own, so their reading is not timed as the gateway's work.
    const viewers = spawn(
      process.execPath,
      ['--input-type=module', '-e', VIEWERS_PROGRAM, `${stack.wsUrl}/api/sessions/${id}/watch`, bob(), '1000'],
      {
        cwd: projectRoot,
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    let report = '';
    viewers.stdout.on('data', (data: Buffer) => (report += data.toString()));
    await poll(() => report.includes('open 1000'), 60_000, 'the viewers to open');
    await poll(() => (lastWatchers(owner) as { users?: string[] } | undefined)?.users?.length === 1, 5000, 'watchers');
    const during = await echoLatencies(owner, 'b', 50);
    viewers.stdin.end('report\n');
    await poll(() => report.includes('closed'), 10_000, 'the viewers report');
    console.log(
      `owner echo median: ${median(before).toFixed(2)} ms alone, ${median(during).toFixed(2)} ms with 1000 viewers; viewers: ${report.trim().split('\n').at(-1)}`,
    );
    expect(median(during)).toBeLessThan(median(before) * 3 + 5);
    expect(report).toContain('closed 0');
    viewers.kill();
    owner.ws.close();
  }, 120_000);
});
