// One terminal session over webterm.v1: open with the token in the bearer
// subprotocol, translate messages, report state, and reconnect with backoff
// after an abnormal close (never after an exit or a refusal).
import {
  BEARER_PROTOCOL_PREFIX,
  WEBTERM_PROTOCOL,
  parseServerMessage,
  type ClientMessage,
  type ServerMessage,
} from '../../shared/protocol.js';
import type { ConnectionNotice, ConnectionState, Diagnose } from './connection-state.js';
import { execUrl, type ResumePoint, type Target } from './exec-url.js';
import { InputJournal } from './input-journal.js';
import { DisposableStore, Emitter, listen, timeout, type Listenable } from './lifecycle.js';
import { afterClose, RETRYABLE_STATUSES } from './reconnect-policy.js';
import { openTerminalSocket, type TerminalSocket } from './terminal-socket.js';

export class TerminalConnection {
  private socket: TerminalSocket | undefined;
  /** Listeners of the current socket and the retry timer: disposed on every close. */
  private attemptStore = new DisposableStore();
  private attempt = 0;
  private stopped = false;
  private lastError: { status: number; message: string; code?: string } | undefined;
  /** Starts the next attempt now, while a retry waits (Reconnect now). */
  private retryPending: (() => void) | undefined;
  private exited = false;
  private encoder = new TextEncoder();
  /** The session this connection holds, and the output bytes received in it: a reconnect resumes it. */
  private sessionId: string | undefined;
  private received = 0;
  /** Whether the attempt under way asks to resume. */
  private resuming = false;
  /** The gateway greeted the current socket with its session: input goes out. */
  private connected = false;
  /** Input sent in this session (resent after a drop if the gateway missed it) and input typed while disconnected. */
  private readonly journal = new InputJournal();
  /** Input typed while disconnected overflowed the journal, and the user was told. */
  private toldInputNotKept = false;
  private readonly outputEmitter = new Emitter<Uint8Array>();
  private readonly openedEmitter = new Emitter<void>();
  private readonly stateEmitter = new Emitter<ConnectionState>();
  private readonly noticeEmitter = new Emitter<ConnectionNotice>();
  private readonly watchersEmitter = new Emitter<string[]>();

  /** Output bytes of the process, stdout and stderr in the order they came. */
  readonly onOutput: Listenable<Uint8Array> = this.outputEmitter.event;
  /** The socket opened: send the size now, before any output is drawn. */
  readonly onOpened: Listenable<void> = this.openedEmitter.event;
  readonly onState: Listenable<ConnectionState> = this.stateEmitter.event;
  readonly onNotice: Listenable<ConnectionNotice> = this.noticeEmitter.event;
  /** Who watches this session now (it is shared), one entry per user. */
  readonly onWatchers: Listenable<string[]> = this.watchersEmitter.event;

  constructor(
    private readonly target: Target,
    private readonly token: () => string | undefined,
    private readonly diagnose: Diagnose,
    /** A session this page held before (a reload): the first attempt resumes it. */
    from?: ResumePoint,
  ) {
    if (from !== undefined) {
      this.sessionId = from.id;
      this.received = from.offset;
      this.journal.forgetOffsets();
    }
  }

  /** The session to come back to and the output bytes received in it; undefined before a session or after its end. */
  resumePoint(): ResumePoint | undefined {
    return this.sessionId === undefined ? undefined : { id: this.sessionId, offset: this.received };
  }

  open(): void {
    this.retryPending = undefined;
    this.attemptStore.dispose();
    this.attemptStore = new DisposableStore();
    this.stopped = false;
    this.exited = false;
    this.lastError = undefined;
    this.connected = false;
    // A new session: input typed before this attempt was meant for another one.
    if (this.sessionId === undefined) {
      this.journal.startSession();
      this.journal.takeHeld();
    }
    const token = this.token();
    if (token === undefined) {
      this.stateEmitter.fire({ kind: 'error', status: 401, message: 'no token: open this page from your portal, or with #token=<jwt>' });
      return;
    }
    this.attempt += 1;
    this.stateEmitter.fire({ kind: 'connecting', attempt: this.attempt });
    const resume = this.sessionId === undefined ? undefined : { id: this.sessionId, offset: this.received };
    this.resuming = resume !== undefined;
    // The token rides in a subprotocol, never in the URL (URLs end up in logs and history).
    const socket = openTerminalSocket(execUrl(this.target, window.location.href, resume), [
      WEBTERM_PROTOCOL,
      `${BEARER_PROTOCOL_PREFIX}${token}`,
    ]);
    this.socket = socket;
    let opened = false;
    const store = this.attemptStore;
    store.add(
      listen(socket, 'open', () => {
        opened = true;
        this.openedEmitter.fire();
      }),
    );
    store.add(
      listen(socket, 'message', (event) => {
        const data = (event as MessageEvent<ArrayBuffer | string>).data;
        if (typeof data !== 'string') {
          // Raw bytes: xterm decodes UTF-8 itself and keeps a sequence split across frames.
          this.received += data.byteLength;
          this.outputEmitter.fire(new Uint8Array(data));
          return;
        }
        const parsed = parseServerMessage(data);
        if (parsed.ok) this.handle(parsed.value);
      }),
    );
    store.add(
      listen(socket, 'close', (event) => {
        const { code } = event as CloseEvent;
        this.socket = undefined;
        this.connected = false;
        store.dispose();
        if (this.attemptStore === store) this.attemptStore = new DisposableStore();
        if (opened || this.stopped) this.onClose(code);
        else void this.onRefused(code);
      }),
    );
    store.add({
      dispose: () => {
        if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close(1000);
      },
    });
  }

  private handle(message: ServerMessage): void {
    switch (message.type) {
      case 'session':
        this.attempt = 0;
        this.connected = true;
        this.toldInputNotKept = false;
        if (message.resumed !== true) {
          this.sessionId = message.id;
          this.received = 0;
        } else {
          this.noticeEmitter.fire({ message: 'reconnected to the same session', code: 'resumed' });
          this.resendMissedInput(message.inputReceived);
        }
        for (const bytes of this.journal.takeHeld()) this.transmit(bytes);
        this.stateEmitter.fire({ kind: 'connected', session: message });
        return;
      case 'exit':
        this.exited = true;
        this.sessionId = undefined;
        this.stateEmitter.fire({ kind: 'exited', code: message.code });
        return;
      case 'error':
        this.lastError = {
          status: message.status,
          message: message.message,
          ...(message.code === undefined ? {} : { code: message.code }),
        };
        return;
      case 'notice':
        this.noticeEmitter.fire({ message: message.message, code: message.code });
        return;
      case 'watchers':
        this.watchersEmitter.fire(message.users);
        return;
      case 'resize':
        // Only viewers get sizes (watch-connection.ts); the owner sets its own.
        return;
      default: {
        const unexpected: never = message;
        void unexpected;
      }
    }
  }

  /** Keystrokes in flight when the connection dropped: the gateway says how many it got. */
  private resendMissedInput(inputReceived: number | undefined): void {
    const { resend, lostBytes } = this.journal.resumeAt(inputReceived);
    for (const bytes of resend) this.transmit(bytes);
    if (lostBytes > 0) {
      this.noticeEmitter.fire({ message: `${lostBytes} bytes of input sent before the connection dropped were lost`, code: 'input_lost' });
    }
  }

  private transmit(bytes: Uint8Array): void {
    this.socket?.send(bytes);
    this.journal.recordSent(bytes);
  }

  private onClose(code: number): void {
    if (this.stopped || this.exited) return;
    const next = afterClose({ code, error: this.lastError, attempt: this.attempt, resuming: this.resuming });
    switch (next.kind) {
      case 'new-session': {
        this.sessionId = undefined;
        this.received = 0;
        this.lastError = undefined;
        const unsent = this.journal.heldSize;
        this.noticeEmitter.fire({
          message: `the previous session ended while the connection was down; starting a new one${unsent > 0 ? ` (${unsent} bytes typed meanwhile were not sent)` : ''}`,
          code: 'resume_failed',
        });
        this.open();
        return;
      }
      case 'error':
      case 'closed':
        this.stateEmitter.fire(next);
        return;
      case 'retry': {
        const { inSeconds, reason, status } = next;
        this.stateEmitter.fire({
          kind: 'reconnecting',
          inSeconds,
          retryAt: Date.now() + inSeconds * 1000,
          attempt: this.attempt,
          reason,
          ...(status === undefined ? {} : { status }),
        });
        const retry = () => {
          this.retryPending = undefined;
          this.open();
        };
        this.retryPending = retry;
        this.attemptStore.add(timeout(retry, inSeconds * 1000));
        return;
      }
      default: {
        const unexpected: never = next;
        void unexpected;
      }
    }
  }

  /** Skips the rest of the backoff wait; does nothing unless a retry waits. */
  retryNow(): void {
    const retry = this.retryPending;
    if (retry === undefined) return;
    this.attemptStore.dispose();
    this.attemptStore = new DisposableStore();
    retry();
  }

  private async onRefused(code: number): Promise<void> {
    const why = await this.diagnose().catch(() => undefined);
    if (this.stopped) return;
    if (why !== undefined && !RETRYABLE_STATUSES.has(why.status)) {
      this.stateEmitter.fire({
        kind: 'error',
        status: why.status,
        message: why.message,
        ...(why.code === undefined ? {} : { code: why.code }),
      });
      return;
    }
    this.onClose(code);
  }

  send(message: ClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /**
   * Keystrokes and pastes: always binary frames of UTF-8 (Ctrl+C is the byte 0x03).
   * Typed while connecting or reconnecting, they go out once the session is there;
   * dropped once the process has exited or the session has ended.
   */
  sendInput(data: string | Uint8Array): void {
    if (this.exited || this.stopped) return;
    const bytes = typeof data === 'string' ? this.encoder.encode(data) : data;
    if (this.connected && this.socket?.readyState === WebSocket.OPEN) {
      this.transmit(bytes);
      return;
    }
    if (this.socket === undefined && this.retryPending === undefined) return;
    if (!this.journal.hold(bytes) && !this.toldInputNotKept) {
      this.toldInputNotKept = true;
      this.noticeEmitter.fire({ message: 'the connection is down: further input is not kept', code: 'input_not_kept' });
    }
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Ends the session from this side; no event follows. */
  close(): void {
    this.stopped = true;
    this.retryPending = undefined;
    this.socket = undefined;
    this.attemptStore.dispose();
  }
}
