// The page's socket worker: owns the terminal websockets (see
// socket-worker-protocol.ts). Output that comes while the page has not taken
// the last batch is joined into the next, in order with the text frames.
import type { FromSocketWorker, ToSocketWorker } from './socket-worker-protocol.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToSocketWorker>) => void) | null;
  postMessage(message: FromSocketWorker, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

class Relay {
  /** What the page has not been given yet, in order: output chunks, text frames, the close. */
  private queue: Array<Uint8Array | string | { code: number; reason: string }> = [];
  /** A batch of output is with the page and not yet taken. */
  private awaitingTake = false;
  readonly socket: WebSocket;

  constructor(
    private readonly id: number,
    url: string,
    protocols: string[],
  ) {
    this.socket = new WebSocket(url, protocols);
    this.socket.binaryType = 'arraybuffer';
    this.socket.onopen = () => scope.postMessage({ kind: 'open', id });
    this.socket.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      this.queue.push(typeof event.data === 'string' ? event.data : new Uint8Array(event.data));
      this.flush();
    };
    this.socket.onclose = (event) => {
      this.queue.push({ code: event.code, reason: event.reason });
      this.flush();
    };
  }

  taken(): void {
    this.awaitingTake = false;
    this.flush();
  }

  private flush(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (head instanceof Uint8Array) {
        if (this.awaitingTake) return;
        this.postOutput();
      } else if (typeof head === 'string') {
        this.queue.shift();
        scope.postMessage({ kind: 'text', id: this.id, data: head });
      } else if (head !== undefined) {
        this.queue.shift();
        scope.postMessage({ kind: 'close', id: this.id, ...head });
        relays.delete(this.id);
      }
    }
  }

  /** Joins the output chunks at the head of the queue into one transferred buffer. */
  private postOutput(): void {
    let end = 0;
    let bytes = 0;
    for (; end < this.queue.length; end += 1) {
      const item = this.queue[end];
      if (!(item instanceof Uint8Array)) break;
      bytes += item.length;
    }
    const chunks = this.queue.splice(0, end) as Uint8Array[];
    let data = chunks[0]!;
    if (chunks.length > 1) {
      data = new Uint8Array(bytes);
      let offset = 0;
      for (const chunk of chunks) {
        data.set(chunk, offset);
        offset += chunk.length;
      }
    }
    this.awaitingTake = true;
    scope.postMessage({ kind: 'binary', id: this.id, data }, [data.buffer]);
  }
}

const relays = new Map<number, Relay>();

scope.onmessage = ({ data: message }) => {
  if (message.kind === 'open') {
    relays.set(message.id, new Relay(message.id, message.url, message.protocols));
    return;
  }
  const relay = relays.get(message.id);
  if (relay === undefined) return;
  switch (message.kind) {
    case 'send':
      if (relay.socket.readyState === WebSocket.OPEN) relay.socket.send(message.data);
      return;
    case 'close':
      relay.socket.close(message.code);
      return;
    case 'taken':
      relay.taken();
      return;
  }
};
