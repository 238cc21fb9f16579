// Backpressure of one terminal session: the upstream is paused while the
// browser is behind (or asked for a pause), read again once it drained, and a
// browser that reads nothing while the upstream waits on it is given up.
import type { ExecStream } from '../exec-stream.js';
import type { RelaySocket } from '../socket.js';

export interface FlowSettings {
  /** Browser-side buffered bytes above which the upstream is paused. */
  highWaterMarkBytes: number;
  /** A browser that drains nothing for this long while the upstream waits on it is dropped. */
  stalledClientTimeoutMs: number;
}

export interface FlowEnds {
  upstream(): ExecStream | undefined;
  /** Undefined while the browser is away. */
  browser(): RelaySocket | undefined;
  /** The browser read nothing for the whole stall period. */
  stalled(browser: RelaySocket): void;
}

export class FlowControl {
  private upstreamPaused = false;
  private clientPaused = false;
  private stallTimer: NodeJS.Timeout | undefined;
  private readonly lowWaterMark: number;

  constructor(
    private readonly settings: FlowSettings,
    private readonly ends: FlowEnds,
  ) {
    this.lowWaterMark = Math.floor(settings.highWaterMarkBytes / 4);
  }

  get paused(): boolean {
    return this.upstreamPaused;
  }

  /** After output went to the browser: pause if it is too far behind. */
  sent(browser: RelaySocket): void {
    if (browser.bufferedAmount > this.settings.highWaterMarkBytes) this.pause();
  }

  /** A write to the browser completed: read again if it caught up. */
  readonly drained = (): void => {
    if (this.upstreamPaused) this.resume();
  };

  /** The page asks for a pause (its terminal is behind): not a stall. */
  pauseForClient(): void {
    this.clientPaused = true;
    this.clearStallTimer();
    this.pause();
  }

  resumeForClient(): void {
    this.clientPaused = false;
    this.resume();
  }

  pause(): void {
    const upstream = this.ends.upstream();
    if (this.upstreamPaused || upstream === undefined) return;
    this.upstreamPaused = true;
    upstream.pause();
    this.armStallTimer();
  }

  resume(): void {
    const upstream = this.ends.upstream();
    const browser = this.ends.browser();
    if (!this.upstreamPaused || this.clientPaused || upstream === undefined || browser === undefined) return;
    if (browser.bufferedAmount > this.lowWaterMark) return;
    this.upstreamPaused = false;
    this.clearStallTimer();
    upstream.resume();
  }

  clearStallTimer(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  /**
   * Paused for a browser that does not read: if its buffer has not drained
   * when the bound passes, it is dropped (not kept for resume: it was there,
   * and read nothing). A page that asked for the pause is not stalled.
   */
  private armStallTimer(): void {
    const browser = this.ends.browser();
    if (this.stallTimer !== undefined || browser === undefined || this.clientPaused) return;
    const bufferedAtPause = browser.bufferedAmount;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.ends.browser() !== browser || !this.upstreamPaused || this.clientPaused) return;
      if (browser.bufferedAmount < bufferedAtPause) {
        // It reads, slowly: look again after another period.
        this.armStallTimer();
        return;
      }
      this.ends.stalled(browser);
    }, this.settings.stalledClientTimeoutMs);
    this.stallTimer.unref();
  }
}
