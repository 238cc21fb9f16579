// The least a relay written for Node can do, as a bound for the throughput
// figure: it takes the client's upgrade to the cluster, and once both sides
// have switched protocols it pipes the cluster's decrypted bytes to the client
// verbatim, and back. No websocket work at all: the client speaks
// v5.channel.k8s.io through it, and no gateway could be this cheap. In a
// process of its own, tuned as the gateway is; driven over IPC by processes.ts.
import { createServer, type IncomingMessage } from 'node:http';
import { request, type RequestOptions } from 'node:https';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Socket } from 'node:net';
import { tuneHeapForStreaming } from '../server/heap-tuning.js';
import { cpuSeconds } from './child-ipc.js';

tuneHeapForStreaming();
const upstream = JSON.parse(process.env.BENCH_FLOOR_UPSTREAM ?? '{}') as { url: string; token: string; caPem: string };
const upstreamUrl = new URL(upstream.url);
// One TLS context for every connection, as the gateway keeps one per cluster.
const secureContext = createSecureContext({ ca: upstream.caPem });

function statusLine(response: IncomingMessage): string {
  const headers: string[] = [];
  for (let i = 0; i < response.rawHeaders.length; i += 2) headers.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`);
  return `HTTP/1.1 ${response.statusCode} ${response.statusMessage}\r\n${headers.join('\r\n')}\r\n\r\n`;
}

function relay(incoming: IncomingMessage, client: Socket, clientHead: Buffer): void {
  client.on('error', () => client.destroy());
  // https.request hands secureContext on to tls.connect, though its type does not list it.
  const options: RequestOptions & { secureContext: SecureContext } = {
    host: upstreamUrl.hostname,
    port: upstreamUrl.port,
    path: incoming.url,
    secureContext,
    // The client's own upgrade headers (key, version, protocols) go through, so the cluster's answer fits it as it is.
    headers: { ...incoming.headers, host: upstreamUrl.host, authorization: `Bearer ${upstream.token}` },
  };
  const proxied = request(options);
  proxied.on('upgrade', (response: IncomingMessage, socket: Socket, upstreamHead: Buffer) => {
    socket.on('error', () => client.destroy());
    client.on('close', () => socket.destroy());
    client.write(statusLine(response));
    if (upstreamHead.length > 0) client.write(upstreamHead);
    if (clientHead.length > 0) socket.write(clientHead);
    socket.pipe(client);
    client.pipe(socket);
  });
  proxied.on('response', (response: IncomingMessage) => {
    client.end(statusLine(response));
    response.resume();
  });
  proxied.on('error', () => client.destroy());
  proxied.end();
}

const server = createServer((_request, response) => response.writeHead(404).end());
server.on('upgrade', relay);
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.send?.({ type: 'listening', url: `ws://127.0.0.1:${address.port}` });
});
process.on('message', (message: { type: string }) => {
  if (message.type === 'cpu') process.send?.({ type: 'cpu', seconds: cpuSeconds() });
  else if (message.type === 'rss') {
    globalThis.gc?.();
    process.send?.({ type: 'rss', rss: process.memoryUsage().rss });
  } else if (message.type === 'stop') process.exit(0);
});
