// One terminal session over webterm.v1: open with the token in the bearer
// subprotocol, translate messages, report state, and reconnect with backoff
// after an abnormal close (never after an exit or a refusal).
import { statusOfCloseCode } from '../../shared/errors.js';
import { BEARER_PROTOCOL_PREFIX, WEBTERM_PROTOCOL, parseServerMessage, type ClientMessage, type ServerMessage } from '../../shared/protocol.js';

export interface Target {
  cluster: string;
  namespace: string;
  pod: string;
  container?: string;
  command?: string[];
}

export type ConnectionState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'connected'; session: Extract<ServerMessage, { type: 'session' }> }
  | { kind: 'exited'; code: number }
  | { kind: 'error'; status: number; message: string; code?: string }
  | { kind: 'reconnecting'; inSeconds: number; attempt: number; reason: string }
  | { kind: 'closed' };

export interface ConnectionEvents {
  output(bytes: Uint8Array): void;
  state(state: ConnectionState): void;
  notice(message: string): void;
  /** The socket opened: send the size now, before any output is drawn. */
  opened(): void;
  /**
   * The upgrade was refused: the browser hides the HTTP answer, so ask the
   * REST API why (an expired token says so there). Undefined: retry.
   */
  diagnose(): Promise<{ status: number; message: string } | undefined>;
}

/** Statuses worth retrying: the cluster or the gateway may come back. */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);
const MAX_BACKOFF_SECONDS = 30;

export function execUrl(target: Target): string {
  const query = new URLSearchParams();
  if (target.container) query.set('container', target.container);
  for (const arg of target.command ?? []) query.append('command', arg);
  const path = `api/clusters/${encodeURIComponent(target.cluster)}/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/exec`;
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = query.toString();
  url.hash = '';
  return url.href;
}

export class TerminalConnection {
  private socket: WebSocket | undefined;
  private attempt = 0;
  private retryTimer: number | undefined;
  private stopped = false;
  private lastError: { status: number; message: string; code?: string } | undefined;
  private finished = false;
  private everOpened = false;

  constructor(
    private readonly target: Target,
    private readonly token: () => string | undefined,
    private readonly events: ConnectionEvents,
  ) {}

  open(): void {
    this.stopped = false;
    this.finished = false;
    this.lastError = undefined;
    const token = this.token();
    if (token === undefined) {
      this.events.state({ kind: 'error', status: 401, message: 'no token: open this page from your portal, or with #token=<jwt>' });
      return;
    }
    this.attempt += 1;
    this.events.state({ kind: 'connecting', attempt: this.attempt });
    const socket = new WebSocket(execUrl(this.target), [WEBTERM_PROTOCOL, `${BEARER_PROTOCOL_PREFIX}${token}`]);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.everOpened = false;
    socket.onopen = () => {
      this.everOpened = true;
      this.events.opened();
    };
    socket.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data !== 'string') {
        this.events.output(new Uint8Array(event.data));
        return;
      }
      const parsed = parseServerMessage(event.data);
      if (parsed.ok) this.handle(parsed.value);
    };
    socket.onclose = (event) => {
      if (this.everOpened || this.stopped) this.onClose(event.code);
      else void this.onRefused(event.code);
    };
  }

  private handle(message: ServerMessage): void {
    switch (message.type) {
      case 'session':
        this.attempt = 0;
        this.events.state({ kind: 'connected', session: message });
        return;
      case 'exit':
        this.finished = true;
        this.events.state({ kind: 'exited', code: message.code });
        return;
      case 'error':
        this.lastError = { status: message.status, message: message.message, code: message.code };
        return;
      case 'notice':
        this.events.notice(message.message);
        return;
      default: {
        const unexpected: never = message;
        void unexpected;
      }
    }
  }

  private onClose(code: number): void {
    this.socket = undefined;
    if (this.finished || this.stopped) {
      if (this.stopped) this.events.state({ kind: 'closed' });
      return;
    }
    const status = this.lastError?.status ?? statusOfCloseCode(code);
    if (this.lastError !== undefined && !RETRYABLE_STATUSES.has(this.lastError.status)) {
      this.events.state({ kind: 'error', ...this.lastError });
      return;
    }
    if (status !== undefined && !RETRYABLE_STATUSES.has(status)) {
      // A refusal before the upgrade: the browser hides the HTTP answer, the close code is all we have.
      this.events.state({ kind: 'error', status, message: this.lastError?.message ?? 'the gateway refused the connection' });
      return;
    }
    const inSeconds = Math.min(MAX_BACKOFF_SECONDS, 2 ** Math.min(this.attempt, 5) / 2);
    const reason = this.lastError?.message ?? (code === 1006 ? 'the connection was lost' : `the connection closed (${code})`);
    this.events.state({ kind: 'reconnecting', inSeconds, attempt: this.attempt, reason });
    this.retryTimer = window.setTimeout(() => this.open(), inSeconds * 1000);
  }

  private async onRefused(code: number): Promise<void> {
    const why = await this.events.diagnose().catch(() => undefined);
    if (why !== undefined && !RETRYABLE_STATUSES.has(why.status)) {
      this.socket = undefined;
      this.events.state({ kind: 'error', status: why.status, message: why.message });
      return;
    }
    this.onClose(code);
  }

  send(message: ClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  sendInput(data: string | Uint8Array): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    this.socket.send(typeof data === 'string' ? new TextEncoder().encode(data) : data);
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.stopped = true;
    if (this.retryTimer !== undefined) window.clearTimeout(this.retryTimer);
    this.socket?.close(1000);
  }
}
