import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestDeadline } from '../../../server/http/request-deadline.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A server that reads the whole body and answers with its length, under the deadline. */
async function start(): Promise<number> {
  const deadline = requestDeadline({ wholeRequestMs: 300, uploadIdleMs: 300, isUpload: (req) => req.method === 'PUT' });
  const started = createServer((req, res) =>
    deadline(req, res, () => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => res.end(String(bytes)));
    }),
  );
  server = started;
  await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
  return (started.address() as AddressInfo).port;
}

/** Sends `chunks` pieces of 1 KiB, `gapMs` apart; resolves with the answer, or 'cut' when the connection is dropped. */
function trickle(port: number, method: string, chunks: number, gapMs: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method, path: '/x', headers: { 'Content-Length': String(chunks * 1024) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', () => resolve('cut'));
    let sent = 0;
    const send = () => {
      if (req.destroyed) return;
      req.write(Buffer.alloc(1024));
      sent += 1;
      if (sent < chunks) setTimeout(send, gapMs);
      else req.end();
    };
    send();
  });
}

describe('requestDeadline', () => {
  it('lets an upload take as long as it keeps sending', async () => {
    const port = await start();
    // 12 pieces 100 ms apart: 1.1 s in all, far past the 300 ms deadline, never 300 ms silent.
    expect(await trickle(port, 'PUT', 12, 100)).toBe(String(12 * 1024));
  });

  it('cuts an upload that falls silent', async () => {
    const port = await start();
    expect(await trickle(port, 'PUT', 2, 800)).toBe('cut');
  });

  it('cuts an ordinary request whose body has not arrived by the deadline', async () => {
    const port = await start();
    expect(await trickle(port, 'POST', 12, 100)).toBe('cut');
    expect(await trickle(port, 'POST', 2, 50)).toBe(String(2 * 1024));
  });
});
