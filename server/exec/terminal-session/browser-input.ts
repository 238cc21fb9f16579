// What the page sends a session besides stdin: control messages (text frames
// of webterm.v1: resize, stdin EOF, pause and resume, a refreshed token), and
// input that comes before the upstream is open.
import type { ClientMessage, ServerMessage } from '../../../shared/protocol.js';
import type { ExecStream } from '../exec-stream.js';
import type { FlowControl } from './flow-control.js';
import type { SessionObserver } from './types.js';

/** What a control message may touch in its session. */
export interface ControlContext {
  upstream: ExecStream;
  tty: boolean;
  stdinClosed: boolean;
  closedStdin(): void;
  /** The user did something: the idle clock starts again. */
  activity(): void;
  observer: SessionObserver | undefined;
  flow: FlowControl;
  notice(message: ServerMessage): void;
  refreshToken(token: string): void;
  /** The owner shares the session with viewers, or stops. */
  share(enabled: boolean): void;
}

export function handleControl(message: ClientMessage, session: ControlContext): void {
  switch (message.type) {
    case 'resize':
      // Resize is meaningful only with a TTY; without one the server may stall on it.
      if (!session.tty) return;
      session.activity();
      session.upstream.resize(message.cols, message.rows);
      session.observer?.resize(message.cols, message.rows);
      return;
    case 'eof':
      if (session.stdinClosed) return;
      if (session.upstream.closeStdin()) session.closedStdin();
      else
        session.notice({
          type: 'notice',
          code: 'bad_request',
          message: `this cluster cannot close stdin alone (it speaks ${session.upstream.protocol})`,
        });
      return;
    case 'pause':
      session.flow.pauseForClient();
      return;
    case 'resume':
      session.flow.resumeForClient();
      return;
    case 'token':
      session.refreshToken(message.token);
      return;
    case 'share':
      session.share(message.enabled);
      return;
    default: {
      const unexpected: never = message;
      throw new Error(`unhandled control message ${JSON.stringify(unexpected)}`);
    }
  }
}

/** Input that comes before the upstream is open, kept in order up to a bound. */
export class InputQueue {
  private items: Array<{ data: Buffer; isBinary: boolean }> = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Keeps one message; false once the bound is passed (the session should end). */
  push(data: Buffer, isBinary: boolean): boolean {
    this.bytes += data.length;
    if (this.bytes > this.maxBytes) return false;
    this.items.push({ data, isBinary });
    return true;
  }

  /** Everything kept, in order; the queue is empty after. */
  take(): Array<{ data: Buffer; isBinary: boolean }> {
    const items = this.items;
    this.items = [];
    this.bytes = 0;
    return items;
  }
}
