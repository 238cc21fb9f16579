// Pings every tracked websocket on one shared interval and ends those that did
// not answer the previous ping: dead peers and idle-cutting proxies are found
// without a timer per socket.
import { SOCKET_OPEN, type RelaySocket, type SocketWatch } from './socket.js';

export interface Heartbeat extends SocketWatch {
  stop(): void;
}

export function createHeartbeat(intervalMs: number): Heartbeat {
  const alive = new Map<RelaySocket, boolean>();
  const markAlive = function (this: RelaySocket) {
    if (alive.has(this)) alive.set(this, true);
  };
  const timer = setInterval(() => {
    for (const [socket, answered] of alive) {
      if (!answered) {
        alive.delete(socket);
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      if (socket.readyState === SOCKET_OPEN) socket.ping();
    }
  }, intervalMs);
  timer.unref();
  return {
    track(socket) {
      alive.set(socket, true);
      socket.on('pong', markAlive);
      // Data also proves the peer is there.
      socket.on('message', markAlive);
    },
    untrack(socket) {
      alive.delete(socket);
      socket.off('pong', markAlive);
      socket.off('message', markAlive);
    },
    stop() {
      clearInterval(timer);
      alive.clear();
    },
  };
}
