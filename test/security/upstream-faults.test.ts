// A hostile or broken API server: each fault reaches the browser as a clear
// error, and the gateway leaves no connection to it open. The fakes are
// written here, on 127.0.0.1 port 0.
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerCertificate } from '@webterm/local-cluster';
import { startStack, type Stack } from '../helpers/stack.js';
import { openTerminal, poll, socketOf } from '../helpers/terminal-client.js';

const trusted = createServerCertificate('trusted-ca');
const other = createServerCertificate('some-other-ca');

interface Fake {
  name: string;
  port: number;
  /** Sockets the fake has open now. */
  open(): number;
  /** Bytes each connection sent after its request's headers. */
  bytesAfterRequest: number[];
  close(): Promise<void>;
}

/** Counts the sockets a fake holds: TCP connections, or TLS ones for an https fake. */
function track(
  server: NetServer | HttpsServer,
  event: 'connection' | 'secureConnection' = 'secureConnection',
): { open: () => number; sockets: Set<Socket> } {
  const sockets = new Set<Socket>();
  server.on(event, (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return { open: () => sockets.size, sockets };
}

async function listen(server: NetServer | HttpsServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** An https fake whose upgrade answer is `respond`. */
async function httpsFake(
  name: string,
  certificate: typeof trusted,
  respond: (socket: Socket, head: Buffer, fake: Fake) => void,
  onRequest?: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void,
): Promise<Fake> {
  const server = createHttpsServer({ cert: certificate.certPem, key: certificate.keyPem }, onRequest);
  const tracked = track(server);
  const fake: Fake = {
    name,
    port: 0,
    open: tracked.open,
    bytesAfterRequest: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of tracked.sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('upgrade', (_req, socket: Socket, head: Buffer) => {
    const index = fake.bytesAfterRequest.push(head.length) - 1;
    socket.on('data', (chunk: Buffer) => (fake.bytesAfterRequest[index]! += chunk.length));
    socket.on('error', () => undefined);
    respond(socket, head, fake);
  });
  fake.port = await listen(server);
  return fake;
}

const fakes: Fake[] = [];
let stack: Stack;

beforeAll(async () => {
  // Refuses connections: a port that was open and is closed now.
  const closedPort = await (async () => {
    const server = createNetServer();
    const port = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  })();
  // Accepts TCP and never says a word.
  const silent = createNetServer((socket) => socket.on('error', () => undefined));
  const silentTracked = track(silent, 'connection');
  const silentFake: Fake = {
    name: 'silent',
    port: await listen(silent),
    open: silentTracked.open,
    bytesAfterRequest: [],
    close: () =>
      new Promise((r) => {
        for (const s of silentTracked.sockets) s.destroy();
        silent.close(() => r());
      }),
  };

  fakes.push(
    silentFake,
    await httpsFake('answers-500', trusted, (socket) => {
      const body = JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: 'etcdserver: request timed out',
        code: 500,
      });
      socket.end(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    }),
    await httpsFake('answers-200', trusted, (socket) => {
      // 200 instead of 101, and the connection kept open: whatever comes next must not be relayed into it.
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello');
    }),
    await httpsFake('other-ca', other, (socket) => socket.destroy()),
  );
  // Upgrades properly, sends some output, then drops the connection.
  const dropping = createHttpsServer({ cert: trusted.certPem, key: trusted.keyPem });
  const droppingTracked = track(dropping);
  const wss = new WebSocketServer({ server: dropping, handleProtocols: () => 'v5.channel.k8s.io' });
  wss.on('connection', (ws) => {
    ws.send(Buffer.concat([Buffer.from([1]), Buffer.from('partial output\n')]));
    setTimeout(() => socketOf(ws).destroy(), 200);
  });
  // Upgrades, then sends an exec status that is not a Status document.
  const garbled = createHttpsServer({ cert: trusted.certPem, key: trusted.keyPem });
  const garbledTracked = track(garbled);
  const garbledWss = new WebSocketServer({ server: garbled, handleProtocols: () => 'v5.channel.k8s.io' });
  garbledWss.on('connection', (ws) => ws.send(Buffer.concat([Buffer.from([3]), Buffer.from('null')])));
  fakes.push({
    name: 'garbled-status',
    port: await listen(garbled),
    open: garbledTracked.open,
    bytesAfterRequest: [],
    close: () =>
      new Promise((r) => {
        for (const s of garbledTracked.sockets) s.destroy();
        garbledWss.close();
        garbled.close(() => r());
      }),
  });
  fakes.push({
    name: 'drops-mid-stream',
    port: await listen(dropping),
    open: droppingTracked.open,
    bytesAfterRequest: [],
    close: () =>
      new Promise((r) => {
        for (const s of droppingTracked.sockets) s.destroy();
        wss.close();
        dropping.close(() => r());
      }),
  });

  stack = await startStack({
    clusters: [
      { name: 'refuses', server: `https://127.0.0.1:${closedPort}`, token: 'cluster-secret-token', caData: trusted.caPem },
      ...fakes.map((f) => ({ name: f.name, server: `https://127.0.0.1:${f.port}`, token: 'cluster-secret-token', caData: trusted.caPem })),
    ],
    config: { terminal: { upstreamTimeoutSeconds: 1 } },
  });
});

afterAll(async () => {
  await stack.stop();
  await Promise.all(fakes.map((f) => f.close()));
});

const fake = (name: string) => fakes.find((f) => f.name === name)!;

async function session(cluster: string) {
  const client = openTerminal(stack.wsUrl, { cluster, command: ['cat'], tty: false }, { token: stack.token() });
  // Keystrokes typed at once, as a browser would: none may reach a fake that did not switch protocols.
  client.sendText('typed-before-the-answer\n');
  const started = Date.now();
  const closed = await client.closed;
  return { closed, elapsed: Date.now() - started, messages: client.messages, output: client.outputText() };
}

describe('upstream faults', () => {
  it('a cluster that refuses the connection: 4502, cluster unreachable', async () => {
    const { closed, messages } = await session('refuses');
    expect(closed.code).toBe(4502);
    expect(messages).toEqual([expect.objectContaining({ type: 'error', status: 502, message: expect.stringContaining('refuses') })]);
  });

  it('a cluster that never answers: 4504 within the configured bound, and its socket closed', async () => {
    const { closed, elapsed, messages } = await session('silent');
    expect(closed.code).toBe(4504);
    expect(elapsed).toBeLessThan(2500);
    expect(messages[0]).toMatchObject({ type: 'error', status: 504, code: 'upstream_timeout' });
    await poll(() => fake('silent').open() === 0, 3000, 'the gateway to close its socket to the silent cluster');
  });

  it('a REST call to a cluster that never answers: 504 within the bound, and its socket closed', async () => {
    const started = Date.now();
    const response = await fetch(`${stack.gatewayUrl}/api/clusters/silent/namespaces`, {
      headers: { Authorization: `Bearer ${stack.token()}` },
    });
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
    expect(Date.now() - started).toBeLessThan(2500);
    await poll(() => fake('silent').open() === 0, 3000, 'the gateway to close its socket to the silent cluster');
  });

  it('a cluster that answers 500: an error with the cluster’s message, nothing left open', async () => {
    const { closed, messages } = await session('answers-500');
    expect(closed.code).toBe(4502);
    expect(messages[0]).toMatchObject({ type: 'error', status: 502, message: expect.stringContaining('etcdserver: request timed out') });
    await poll(() => fake('answers-500').open() === 0, 3000, 'no socket left');
  });

  it('a cluster that answers the upgrade with 200: refused, and the connection is never used again (CVE-2018-1002105)', async () => {
    const { closed, messages, output } = await session('answers-200');
    expect(closed.code).toBe(4502);
    expect(messages[0]).toMatchObject({ type: 'error', status: 502 });
    expect(output).toBe('');
    await poll(() => fake('answers-200').open() === 0, 3000, 'the gateway to close the connection that did not switch');
    // Not one byte after the request: the typed keystrokes never went down that connection.
    expect(fake('answers-200').bytesAfterRequest).toEqual([0]);
  });

  it('a cluster whose certificate comes from another CA: 4502 naming TLS, nothing sent to it', async () => {
    const { closed, messages } = await session('other-ca');
    expect(closed.code).toBe(4502);
    expect(messages[0]).toMatchObject({ type: 'error', status: 502, code: 'upstream_tls' });
    expect(fake('other-ca').bytesAfterRequest).toEqual([]);
  });

  it('a cluster that drops mid-stream: the output so far, then 4502, never an exit', async () => {
    const { closed, messages, output } = await session('drops-mid-stream');
    expect(output).toBe('partial output\n');
    expect(closed.code).toBe(4502);
    expect(messages.map((m) => m.type)).toEqual(['session', 'error']);
    expect(messages.at(-1)).toMatchObject({ status: 502, message: expect.stringContaining('lost') });
    await poll(() => fake('drops-mid-stream').open() === 0, 3000, 'no socket left');
  });

  it('a cluster that sends a garbled exec status: an error, and the gateway lives on', async () => {
    const { closed, messages } = await session('garbled-status');
    expect(closed.code).toBe(4502);
    expect(messages.at(-1)).toMatchObject({ type: 'error', message: 'the cluster sent an unreadable exec status' });
    const healthy = await fetch(`${stack.gatewayUrl}/healthz`);
    expect(healthy.status).toBe(200);
  });

  it('says none of it with the cluster’s credential', () => {
    expect(stack.logs.join('\n')).not.toContain('cluster-secret-token');
  });
});
