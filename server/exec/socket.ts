// What the relays need of a websocket, so they take ws's sockets in
// production and in-memory fakes in unit tests.

/** `readyState` of an open socket (WebSocket.OPEN). */
export const SOCKET_OPEN = 1;
/** `readyState` of a closed socket (WebSocket.CLOSED). */
export const SOCKET_CLOSED = 3;

/** The part of ws's WebSocket the relays use. */
export interface RelaySocket {
  readonly readyState: number;
  /** The subprotocol the handshake chose. */
  readonly protocol: string;
  /** Bytes queued for the peer and not yet written. */
  readonly bufferedAmount: number;
  readonly isPaused: boolean;
  send(data: Buffer | string, options?: { binary?: boolean }, callback?: (error?: Error) => void): void;
  close(code?: number): void;
  terminate(): void;
  /** Stops reading: the peer is held back by TCP. */
  pause(): void;
  resume(): void;
  ping(): void;
  on(event: 'pong', listener: () => void): unknown;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'pong', listener: () => void): unknown;
  off(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
  off(event: 'close', listener: (code: number) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

/** Pings the sockets it tracks and ends those that stop answering (exec/heartbeat.ts). */
export interface SocketWatch {
  track(socket: RelaySocket): void;
  untrack(socket: RelaySocket): void;
}

/** How often a closing socket is checked for its close frame having left. */
const RELEASE_POLL_MS = 10;

/**
 * Closes `socket` with `code` and ends its connection as soon as the close
 * frame has been handed to the kernel, as the API server does, instead of
 * waiting for the peer's own close frame (ws waits up to 30 s): a client that
 * never answers one, such as curl, would otherwise hang that long. Output
 * queued before the close is still sent: the connection ends only once
 * nothing is left in the socket's buffer.
 */
export function closeAndRelease(socket: RelaySocket, code: number): void {
  socket.close(code);
  const timer = setInterval(() => {
    if (socket.readyState === SOCKET_CLOSED) clearInterval(timer);
    else if (socket.bufferedAmount === 0) {
      clearInterval(timer);
      socket.terminate();
    }
  }, RELEASE_POLL_MS);
  timer.unref();
}
