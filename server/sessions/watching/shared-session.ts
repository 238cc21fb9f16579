// One terminal session as its viewers see it: a screen model for those who
// join late, and a fan-out of its output and resizes to every viewer. The
// owner's output never waits here: the fan-out runs after the owner's send,
// in batches that let the event loop serve the owner between them, and a
// viewer that falls behind is closed (1008) instead of slowing anything.
import { CloseCode } from '../../../shared/errors.js';
import type { ServerMessage } from '../../../shared/protocol.js';
import type { ExecTarget } from '../../core/target.js';
import type { GatewayError } from '../../errors.js';
import { sendFailure } from '../../exec/browser-failure.js';
import { SOCKET_OPEN, type RelaySocket } from '../../exec/socket.js';
import type { SessionObserver } from '../../exec/terminal-session.js';
import { ScreenModel } from './screen-model.js';

/** Viewers served per turn of the event loop. */
const BATCH = 16;
/** Recent output kept to draw the screen when sharing starts (and after the model fell behind a flood). */
const RECENT_BYTES = 256 * 1024;

export interface WatchSettings {
  /** Bytes queued to one viewer above which it is closed with 1008. */
  maxViewerBufferBytes: number;
}

export interface SharedSessionInfo {
  id: string;
  owner: string;
  target: ExecTarget;
  startedAt: Date;
}

/** Why a viewer left: it closed, it was too slow, sharing stopped, the session ended. */
export type ViewerEnd = 'closed' | 'too-slow' | 'unshared' | 'session-ended';

interface Viewer {
  socket: RelaySocket;
  user: string;
  /** The first item of the fan-out it gets (its screen snapshot covers the earlier ones). */
  from: number;
  /** Items that came while its snapshot was taken. */
  backlog: Array<Buffer | string> | undefined;
  onEnd(reason: ViewerEnd): void;
}

export class SharedSession implements SessionObserver {
  private sharing = false;
  /**
   * The screen, kept only while the session is shared or watched: parsing
   * every byte of every session would cost more than relaying it.
   */
  private screen: ScreenModel | undefined;
  private size = { cols: 80, rows: 24 };
  private readonly viewers = new Set<Viewer>();
  private queue: Array<{ seq: number; item: Buffer | string }> = [];
  private seq = 0;
  private round: { items: Array<{ seq: number; item: Buffer | string }>; viewers: Viewer[]; next: number } | undefined;
  private scheduled = false;
  private lastUsers = '[]';

  constructor(
    readonly info: SharedSessionInfo,
    private readonly settings: WatchSettings,
    /** Tells the owner's browser (the watchers message). */
    private readonly tellOwner: (message: ServerMessage) => void,
    /** The session's latest output, at most `maxBytes` of it (its replay buffer). */
    private readonly recentOutput: (maxBytes: number) => Buffer[],
  ) {}

  get shared(): boolean {
    return this.sharing;
  }

  output(data: Buffer): void {
    if (this.screen?.fellBehind) this.redraw();
    else this.screen?.write(data);
    if (this.viewers.size > 0) this.enqueue(Buffer.from(data));
  }

  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    this.screen?.resize(cols, rows);
    if (this.viewers.size > 0) this.enqueue(JSON.stringify({ type: 'resize', cols, rows } satisfies ServerMessage));
  }

  /** Shares, or stops: stopping closes every viewer with the error message and 4403. */
  share(enabled: boolean, stopped: GatewayError): void {
    this.sharing = enabled;
    if (enabled) {
      if (this.screen === undefined) this.redraw();
      return;
    }
    for (const viewer of [...this.viewers]) this.drop(viewer, 'unshared', stopped);
    this.screen?.dispose();
    this.screen = undefined;
  }

  /**
   * A fresh screen of the session's size, drawn from the recent output. The
   * old one is left to the collector, not disposed: a viewer may still wait
   * for its snapshot.
   */
  private redraw(): void {
    const screen = new ScreenModel(this.size.cols, this.size.rows);
    for (const piece of this.recentOutput(RECENT_BYTES)) screen.write(piece);
    this.screen = screen;
  }

  /** Adds a viewer: the size and the screen first, then the live output. */
  async watch(socket: RelaySocket, user: string, onEnd: (reason: ViewerEnd) => void): Promise<void> {
    const viewer: Viewer = { socket, user, from: this.seq, backlog: [], onEnd };
    this.viewers.add(viewer);
    socket.on('close', () => this.remove(viewer, 'closed'));
    this.usersChanged();
    if (this.screen === undefined) this.redraw();
    const screen = await this.screen!.snapshot();
    if (!this.viewers.has(viewer)) return;
    socket.send(JSON.stringify({ type: 'resize', cols: screen.cols, rows: screen.rows } satisfies ServerMessage));
    socket.send(Buffer.from(screen.data, 'utf8'), { binary: true });
    const backlog = viewer.backlog ?? [];
    viewer.backlog = undefined;
    for (const item of backlog) if (!this.deliver(viewer, item)) return;
  }

  /** The session ended: what is queued goes out, then every viewer is closed (1000). */
  end(): void {
    this.sharing = false;
    this.screen?.dispose();
    this.screen = undefined;
    for (const viewer of [...this.viewers]) {
      for (const { seq, item } of [...(this.round?.items ?? []), ...this.queue]) if (seq >= viewer.from) this.deliver(viewer, item);
      this.remove(viewer, 'session-ended');
      if (viewer.socket.readyState === SOCKET_OPEN) viewer.socket.close(CloseCode.Normal);
    }
    this.queue = [];
    this.round = undefined;
  }

  private enqueue(item: Buffer | string): void {
    this.queue.push({ seq: this.seq++, item });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.pump);
    }
  }

  private readonly pump = (): void => {
    this.scheduled = false;
    if (this.round === undefined) {
      if (this.queue.length === 0) return;
      this.round = { items: this.queue, viewers: [...this.viewers], next: 0 };
      this.queue = [];
    }
    const round = this.round;
    const stop = Math.min(round.viewers.length, round.next + BATCH);
    for (; round.next < stop; round.next++) {
      const viewer = round.viewers[round.next]!;
      if (!this.viewers.has(viewer)) continue;
      for (const { seq, item } of round.items) if (seq >= viewer.from && !this.deliver(viewer, item)) break;
    }
    if (round.next >= round.viewers.length) this.round = undefined;
    if (this.round !== undefined || this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(this.pump);
    }
  };

  /** Sends one item to a viewer, or keeps it while its snapshot is taken; false once the viewer is dropped. */
  private deliver(viewer: Viewer, item: Buffer | string): boolean {
    if (viewer.backlog !== undefined) {
      viewer.backlog.push(item);
      return true;
    }
    const { socket } = viewer;
    if (socket.readyState !== SOCKET_OPEN) return false;
    if (typeof item === 'string') socket.send(item);
    else socket.send(item, { binary: true });
    if (socket.bufferedAmount > this.settings.maxViewerBufferBytes) {
      this.drop(viewer, 'too-slow');
      return false;
    }
    return true;
  }

  private drop(viewer: Viewer, reason: ViewerEnd, failure?: GatewayError): void {
    this.remove(viewer, reason);
    const { socket } = viewer;
    if (failure !== undefined) sendFailure(socket, failure);
    else if (socket.readyState === SOCKET_OPEN) socket.close(CloseCode.PolicyViolation);
    // A viewer that reads nothing would hold its queue for ws's 30 s close timeout.
    setTimeout(() => socket.terminate(), 10_000).unref();
  }

  private remove(viewer: Viewer, reason: ViewerEnd): void {
    if (!this.viewers.delete(viewer)) return;
    viewer.onEnd(reason);
    this.usersChanged();
  }

  private usersChanged(): void {
    const users = [...new Set([...this.viewers].map((v) => v.user))].sort();
    const text = JSON.stringify(users);
    if (text === this.lastUsers) return;
    this.lastUsers = text;
    this.tellOwner({ type: 'watchers', users });
  }
}
