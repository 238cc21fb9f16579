// Pings every tracked websocket on one shared interval and ends those that did
// not answer the previous ping: dead peers and idle-cutting proxies are found
// without a timer per socket.
import type WebSocket from 'ws';

export interface Heartbeat {
  track(socket: WebSocket): void;
  untrack(socket: WebSocket): void;
  stop(): void;
}

export function createHeartbeat(intervalMs: number): Heartbeat {
  const alive = new Map<WebSocket, boolean>();
  const markAlive = function (this: WebSocket) {
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
      if (socket.readyState === socket.OPEN) socket.ping();
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
