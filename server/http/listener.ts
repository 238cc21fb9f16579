// The listening socket for HTTP and HTTPS on one port (demo mode): the
// browser keeps its plain http:// link, and kubectl, which sends a token only
// over TLS, reaches the same port with https://.
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer, type Server } from 'node:net';

/** Every TLS connection opens with a handshake record, content type 22; no HTTP method starts with that byte. */
const TLS_HANDSHAKE = 0x16;

/**
 * A TCP server that hands each connection to `tls` or `plain` after reading
 * its first bytes. The bytes are put back before the chosen server sees the
 * socket, so it parses the connection from its start.
 */
export function createProtocolSniffer(plain: HttpServer, tls: HttpsServer, firstByteTimeoutMs = 15_000): Server {
  return createServer({ pauseOnConnect: true }, (socket) => {
    const silent = () => socket.destroy();
    const failed = () => socket.destroy();
    // A client that connects and says nothing is not the servers' to time out yet.
    socket.setTimeout(firstByteTimeoutMs, silent);
    socket.once('error', failed);
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0);
      socket.off('timeout', silent);
      socket.off('error', failed);
      socket.pause();
      socket.unshift(first);
      (first[0] === TLS_HANDSHAKE ? tls : plain).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
    socket.resume();
  });
}
