// The websocket a terminal speaks over. In a browser with workers it lives in
// the socket worker: the page's main thread spends most of a flood drawing,
// and a websocket read on it gets one frame per drawn frame, while the
// worker reads on and hands over everything that came at once. The object
// here behaves as the WebSocket it stands for: readyState, send, close, and
// open / message / close events, binary data as ArrayBuffer.
import type { FromSocketWorker, ToSocketWorker } from './socket-worker-protocol.js';

export type TerminalSocket = EventTarget & Pick<WebSocket, 'readyState' | 'send' | 'close'>;

let worker: Worker | undefined;
let workerFailed = false;
let nextId = 1;
const sockets = new Map<number, WorkerSocket>();

/** Starts the socket worker ahead of the first terminal, so it costs nothing at connect time. */
export function startSocketWorker(): void {
  if (worker !== undefined || workerFailed || typeof Worker === 'undefined') return;
  try {
    worker = new Worker(new URL('./socket-worker.ts', import.meta.url), { type: 'module' });
  } catch {
    workerFailed = true;
    return;
  }
  worker.onmessage = ({ data: message }: MessageEvent<FromSocketWorker>) => sockets.get(message.id)?.receive(message);
  worker.onerror = () => {
    // The worker did not load (a proxy that strips it, say): end its sockets as lost, and speak directly from now on.
    workerFailed = true;
    worker = undefined;
    for (const socket of [...sockets.values()]) socket.receive({ kind: 'close', id: 0, code: 1006, reason: 'the socket worker failed' });
  };
}

export function openTerminalSocket(url: string, protocols: string[]): TerminalSocket {
  startSocketWorker();
  if (worker === undefined) {
    const socket = new WebSocket(url, protocols);
    socket.binaryType = 'arraybuffer';
    return socket;
  }
  return new WorkerSocket(worker, url, protocols);
}

class WorkerSocket extends EventTarget implements TerminalSocket {
  readyState: number = WebSocket.CONNECTING;
  private readonly id = nextId++;

  constructor(
    private readonly worker: Worker,
    url: string,
    protocols: string[],
  ) {
    super();
    sockets.set(this.id, this);
    this.post({ kind: 'open', id: this.id, url, protocols });
  }

  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    if (this.readyState !== WebSocket.OPEN) return;
    if (typeof data === 'string') this.post({ kind: 'send', id: this.id, data });
    else if (ArrayBuffer.isView(data))
      this.post({ kind: 'send', id: this.id, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    else if (data instanceof ArrayBuffer) this.post({ kind: 'send', id: this.id, data: new Uint8Array(data) });
    else throw new TypeError('a terminal socket sends strings and bytes only');
  }

  close(code = 1000): void {
    if (this.readyState === WebSocket.CLOSING || this.readyState === WebSocket.CLOSED) return;
    this.readyState = WebSocket.CLOSING;
    this.post({ kind: 'close', id: this.id, code });
  }

  receive(message: FromSocketWorker): void {
    switch (message.kind) {
      case 'open':
        this.readyState = WebSocket.OPEN;
        this.dispatchEvent(new Event('open'));
        return;
      case 'text':
        this.dispatchEvent(new MessageEvent('message', { data: message.data }));
        return;
      case 'binary': {
        const { data } = message;
        const buffer = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data.buffer : data.slice().buffer;
        this.dispatchEvent(new MessageEvent('message', { data: buffer }));
        // Taken once the listeners have it (xterm queues it): the worker may hand over what came since.
        if (this.readyState !== WebSocket.CLOSED) this.post({ kind: 'taken', id: this.id });
        return;
      }
      case 'close':
        sockets.delete(this.id);
        this.readyState = WebSocket.CLOSED;
        this.dispatchEvent(new CloseEvent('close', { code: message.code, reason: message.reason, wasClean: message.code !== 1006 }));
        return;
    }
  }

  private post(message: ToSocketWorker): void {
    this.worker.postMessage(message);
  }
}
