// Writing answers: JSON objects and Status failures on a response, and
// refusals on a socket that asked to upgrade (before any handshake).
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Status } from './status.js';

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

export function sendStatus(res: ServerResponse, status: Status): void {
  sendJson(res, status.code ?? 500, status);
}

/** A plain HTTP answer written on the raw socket of an upgrade request, then the socket ends. */
export function refuseUpgrade(socket: Duplex, code: number, body: string, contentType = 'application/json'): void {
  if (socket.destroyed) return;
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\n` +
      `Content-Type: ${contentType}\r\nCache-Control: no-cache, private\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function refuseUpgradeWithStatus(socket: Duplex, status: Status): void {
  refuseUpgrade(socket, status.code ?? 500, JSON.stringify(status));
}
