// An in-memory socket with the shape the relays take (exec/socket.ts): what
// is sent is kept, what the peer sends is delivered with `receive`.
import { EventEmitter } from 'node:events';
import type { RelaySocket } from '../../../server/exec/socket.js';

export class FakeSocket extends EventEmitter implements RelaySocket {
  readyState = 1;
  bufferedAmount = 0;
  isPaused = false;
  readonly sent: Array<{ data: Buffer | string; binary: boolean }> = [];
  closedWith: number | undefined;
  terminated = false;

  constructor(readonly protocol = '') {
    super();
  }

  send(data: Buffer | string, options?: { binary?: boolean }, callback?: (error?: Error) => void): void {
    this.sent.push({ data, binary: options?.binary ?? typeof data !== 'string' });
    callback?.();
  }

  close(code?: number): void {
    if (this.readyState !== 1) return;
    this.readyState = 3;
    this.closedWith = code;
    this.emit('close', code ?? 1005);
  }

  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }

  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    this.isPaused = false;
  }

  ping(): void {}

  /** The peer sends a message. */
  receive(data: Buffer | string, isBinary = typeof data !== 'string'): void {
    this.emit('message', typeof data === 'string' ? Buffer.from(data) : data, isBinary);
  }

  /** The peer closes with `code`. */
  peerClose(code: number): void {
    this.readyState = 3;
    this.emit('close', code);
  }

  /** Text messages sent, parsed as JSON. */
  messages(): unknown[] {
    return this.sent.filter((m) => !m.binary).map((m) => JSON.parse(String(m.data)));
  }

  /** Binary payloads sent, as bytes. */
  binaries(): Buffer[] {
    return this.sent.filter((m) => m.binary).map((m) => Buffer.from(m.data as Buffer));
  }
}

/** A heartbeat that watches nothing. */
export const noWatch = { track: () => undefined, untrack: () => undefined };
