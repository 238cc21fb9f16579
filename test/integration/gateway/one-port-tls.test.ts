// Demo mode's listener: plain http and https on one port, each request
// answered by the server of its own protocol, websockets included.
import { request as httpRequest, createServer as createHttpServer } from 'node:http';
import { request as httpsRequest, createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createProtocolSniffer } from '../../../server/http/listener.js';
import { createServerCertificate } from '@webterm/local-cluster';

const certificate = createServerCertificate('one-port test');
let listener: Server;
let port: number;

beforeAll(async () => {
  const answer = (scheme: string) => (req: { url?: string }, res: { end(body: string): void }) => res.end(`${scheme} ${req.url}`);
  const plain = createHttpServer(answer('http'));
  const tls = createHttpsServer({ cert: certificate.certPem, key: certificate.keyPem }, answer('https'));
  for (const [server, scheme] of [
    [plain, 'ws'],
    [tls, 'wss'],
  ] as const) {
    const sockets = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => sockets.handleUpgrade(req, socket, head, (ws) => ws.send(scheme)));
  }
  listener = createProtocolSniffer(plain, tls, 300);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve));
});

function get(scheme: 'http' | 'https', path: string, body = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const send = scheme === 'http' ? httpRequest : httpsRequest;
    const req = send({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', ca: certificate.caPem, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function firstMessage(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { ca: certificate.caPem });
    socket.once('message', (data: Buffer) => {
      resolve(data.toString());
      socket.close();
    });
    socket.once('error', reject);
  });
}

describe('one port for http and https', () => {
  it('answers each request with the server of its protocol, many times over', async () => {
    for (let i = 0; i < 5; i += 1) {
      expect(await get('http', `/plain-${i}`)).toBe(`http /plain-${i}`);
      expect(await get('https', `/secure-${i}`)).toBe(`https /secure-${i}`);
    }
  });

  it('keeps a request body that spans many reads', async () => {
    expect(await get('https', '/big', 'x'.repeat(1 << 20))).toBe('https /big');
  });

  it('upgrades websockets on both', async () => {
    expect(await firstMessage(`ws://127.0.0.1:${port}/`)).toBe('ws');
    expect(await firstMessage(`wss://127.0.0.1:${port}/`)).toBe('wss');
  });

  it('closes a connection that says nothing within the first-byte timeout', async () => {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    await new Promise((resolve) => socket.once('close', resolve));
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
