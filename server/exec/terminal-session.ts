// One terminal session: the browser's webterm.v1 websocket relayed to the
// pod exec websocket, frames translated both ways, backpressure, the end.
import type { Logger } from 'pino';
import type WebSocket from 'ws';
import { ChannelProtocol } from '../../shared/channel-protocols.js';
import { CloseCode, closeCodeForStatus } from '../../shared/errors.js';
import { parseClientMessage, type ClientMessage, type ServerMessage } from '../../shared/protocol.js';
import type { Principal } from '../core/principal.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { BAD_STATUS_REASON, Channel, closeStdinSignal, channelFrame, parseExecStatus, resizeFrame, type ExecStatus } from './channels.js';
import type { Heartbeat } from './heartbeat.js';
import { protocolViolationOf } from './protocol-violation.js';
import { ReplayBuffer } from './replay-buffer.js';
import { SessionLimits, type LimitSettings } from './session-limits.js';

export interface SessionSettings extends LimitSettings {
  /** Browser-side buffered bytes above which the upstream is paused. */
  highWaterMarkBytes: number;
  /** Largest input queued while the upstream is being dialled. */
  maxQueuedBytes: number;
  expiryWarningSeconds: number;
  /** A browser that drains nothing for this long while the upstream waits on it is dropped. */
  stalledClientTimeoutMs: number;
  /** How long a browser that dropped without closing may come back; 0: no resume. */
  resumeGraceMs: number;
  /** Latest output kept for a resuming browser. */
  replayBufferBytes: number;
}

/** Sees what the browser is shown (session recording). Must not block. */
export interface SessionObserver {
  output(data: Buffer): void;
  resize(cols: number, rows: number): void;
}

/**
 * Close codes of a browser that went without meaning to end the session: the
 * tab went away, the network dropped, a ping went unanswered. 1000 and 1005
 * (a close without a code) are a deliberate end.
 */
const RESUMABLE_CLOSE_CODES = new Set([1001, 1006, 1011, 1012, 1013, 1014]);

/** What the session reports when it ends, for the audit log and metrics. */
export interface SessionSummary {
  id: string;
  bytesFromBrowser: number;
  bytesToBrowser: number;
  exitCode?: number;
  error?: { code: string; status: number; message: string };
  reason: 'exit' | 'error' | 'protocol-violation' | 'browser-closed' | 'resume-expired' | 'ended';
  durationMs: number;
  /** Times a browser came back to this session. */
  resumes: number;
}

export interface SessionHooks {
  /** Verifies a refreshed token; the session keeps going only for the same user. */
  verifyToken(token: string): Promise<Principal>;
  onEnd(summary: SessionSummary): void;
  heartbeat: Heartbeat;
}

type Phase = 'dialing' | 'open' | 'ended';

/** What a browser that comes back is told about output it cannot get again. */
export interface ResumeResult {
  lostBytes: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;


/**
 * A failed exec (command not found, container gone) as the page sees it. The
 * cluster answered, so none of these is a lost connection: retrying would
 * fail the same way, and the page must not reconnect for it.
 */
function execFailure(failure: Extract<ExecStatus, { kind: 'failure' }>): GatewayError {
  const { status, message } = failure;
  if (status === 404) return new GatewayError('not_found', message);
  if (status >= 400 && status < 500) return new GatewayError('bad_request', message, { status });
  // An unreadable status says nothing about the command: the stream itself is broken.
  if (failure.reason === BAD_STATUS_REASON) return new GatewayError('upstream_error', message);
  return new GatewayError('exec_failed', message);
}

export class TerminalSession {
  private phase: Phase = 'dialing';
  /** Undefined while the browser is away (dropped, within the resume grace period). */
  private browser: WebSocket | undefined;
  private upstream: WebSocket | undefined;
  private queued: Array<{ data: Buffer; isBinary: boolean }> = [];
  private queuedBytes = 0;
  private upstreamPaused = false;
  private clientPaused = false;
  private stdinClosed = false;
  private bytesFromBrowser = 0;
  private bytesToBrowser = 0;
  private readonly startedAt = Date.now();
  private expiryTimers: NodeJS.Timeout[] = [];
  private readonly lowWaterMark: number;
  private tty = false;
  private readonly limits: SessionLimits;
  private readonly replay: ReplayBuffer;
  private observer: SessionObserver | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  /** The exit status that came while the browser was away: given to it when it comes back. */
  private pendingExit: number | undefined;
  private resumes = 0;

  constructor(
    readonly id: string,
    browser: WebSocket,
    private principal: Principal,
    private readonly settings: SessionSettings,
    private readonly hooks: SessionHooks,
    private readonly logger: Logger,
  ) {
    this.lowWaterMark = Math.floor(settings.highWaterMarkBytes / 4);
    this.replay = new ReplayBuffer(settings.resumeGraceMs > 0 ? settings.replayBufferBytes : 0);
    this.limits = new SessionLimits(settings, {
      warn: (what, secondsLeft) =>
        this.send({
          type: 'notice',
          code: what === 'idle' ? 'idle_warning' : 'time_limit_warning',
          message: what === 'idle' ? `this session ends in ${secondsLeft} s unless you type something` : `this session reaches its time limit in ${secondsLeft} s`,
        }),
      expire: (what) =>
        this.fail(
          what === 'idle'
            ? new GatewayError('idle_timeout', `the session ended after ${Math.round(settings.idleTimeoutMs / 1000)} s without input`)
            : new GatewayError('session_time_limit', `the session reached its time limit of ${Math.round(settings.maxDurationMs / 1000)} s`),
        ),
    });
    this.bindBrowser(browser);
    this.scheduleExpiry();
  }

  /** Whether the session already ended (the browser went while dialling, say). */
  get ended(): boolean {
    return this.phase === 'ended';
  }

  /** Stdin bytes the browser sent so far. */
  get bytesIn(): number {
    return this.bytesFromBrowser;
  }

  /** Output bytes the process produced so far. */
  get bytesOut(): number {
    return this.bytesToBrowser;
  }

  /** The user the session belongs to. */
  get owner(): string {
    return this.principal.sub;
  }

  /** Sends a control message to the browser. */
  send(message: ServerMessage): void {
    const browser = this.browser;
    if (browser !== undefined && browser.readyState === browser.OPEN) browser.send(JSON.stringify(message));
  }

  /** Sees every output byte and resize from now on (the recording starts before any output). */
  observe(observer: SessionObserver): void {
    this.observer = observer;
  }

  private bindBrowser(browser: WebSocket): void {
    this.browser = browser;
    browser.on('message', this.onBrowserMessage);
    browser.on('close', this.onBrowserClose);
    browser.on('error', this.onBrowserError);
    this.hooks.heartbeat.track(browser);
  }

  private unbindBrowser(): WebSocket | undefined {
    const browser = this.browser;
    if (browser === undefined) return undefined;
    browser.off('message', this.onBrowserMessage);
    browser.off('close', this.onBrowserClose);
    browser.off('error', this.onBrowserError);
    this.hooks.heartbeat.untrack(browser);
    this.browser = undefined;
    this.clearStallTimer();
    return browser;
  }

  private readonly onBrowserError = (error: Error): void => {
    const violation = protocolViolationOf(error);
    if (violation === undefined) {
      this.logger.debug({ err: error }, 'browser socket error');
      return;
    }
    // ws has closed the browser with violation.closeCode already. The session ends
    // here: the close that follows would look like a drop (1006) and be kept for resume.
    const { error: failure, closeCode } = violation;
    this.logger.info({ code: failure.code, closeCode, err: error }, failure.message);
    this.end('protocol-violation', closeCode, { error: { code: failure.code, status: failure.status, message: failure.message } });
  };

  /**
   * A browser comes back to this session (the same user): it replaces the one
   * attached, if any, gets the output from `offset` on, and the session goes
   * on. Undefined when the offset is beyond the output or the user differs.
   */
  resume(browser: WebSocket, principal: Principal, offset: number | undefined, greeting: ServerMessage): ResumeResult | undefined {
    if (this.phase !== 'open' || principal.sub !== this.principal.sub) return undefined;
    const replay = this.replay.since(offset ?? 0);
    if (replay === undefined) return undefined;
    const previous = this.unbindBrowser();
    if (previous !== undefined && previous.readyState === previous.OPEN) {
      previous.send(JSON.stringify({ type: 'error', status: 409, code: 'session_taken_over', message: 'this session was resumed from another connection' } satisfies ServerMessage));
      previous.close(closeCodeForStatus(409));
    }
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.resumes += 1;
    // The returning browser's token (the same user's, perhaps a fresher one) now bounds the session.
    this.principal = principal;
    this.scheduleExpiry();
    this.bindBrowser(browser);
    this.send(greeting);
    if (replay.lostBytes > 0) {
      this.send({ type: 'notice', code: 'output_lost', message: `${replay.lostBytes} bytes of output from while you were away are no longer kept` });
    }
    for (const chunk of replay.chunks) browser.send(chunk, { binary: true }, this.afterBrowserWrite);
    this.replay.trim();
    if (this.pendingExit !== undefined) {
      this.exit(this.pendingExit);
      return { lostBytes: replay.lostBytes };
    }
    if (this.upstreamPaused) this.maybeResumeUpstream();
    return { lostBytes: replay.lostBytes };
  }

  /** Wires the dialled exec websocket and replays what the browser sent meanwhile. */
  attach(upstream: WebSocket, tty: boolean): void {
    if (this.phase !== 'dialing') {
      upstream.close(CloseCode.Normal);
      return;
    }
    this.upstream = upstream;
    this.tty = tty;
    this.phase = 'open';
    this.hooks.heartbeat.track(upstream);
    upstream.on('message', this.onUpstreamMessage);
    upstream.on('close', this.onUpstreamClose);
    upstream.on('error', (error) => {
      this.logger.warn({ err: error }, 'upstream socket error');
      if (this.pendingExit !== undefined) return;
      this.fail(new GatewayError('upstream_unreachable', 'the connection to the cluster was lost', { cause: error }));
    });
    if (this.browser === undefined) this.pauseUpstream();
    const queued = this.queued;
    this.queued = [];
    this.queuedBytes = 0;
    for (const { data, isBinary } of queued) this.handleBrowserData(data, isBinary);
  }

  /** Ends the session with a failure the page must show: error message, then close 4000+status. */
  fail(error: unknown): void {
    const failure = toGatewayError(error);
    if (failure.code === 'internal') this.logger.error({ err: error }, 'session failed');
    else this.logger.info({ code: failure.code, err: failure.cause }, failure.message);
    this.send({ type: 'error', status: failure.status, message: failure.message, code: failure.code });
    this.end('error', failure.closeCode, { error: { code: failure.code, status: failure.status, message: failure.message } });
  }

  private exit(code: number): void {
    if (this.browser === undefined) {
      // Nobody to tell yet: a browser that comes back within the grace period gets it.
      this.pendingExit = code;
      return;
    }
    this.send({ type: 'exit', code });
    this.end('exit', CloseCode.Normal, { exitCode: code });
  }

  private end(reason: SessionSummary['reason'], closeCode: number, extra: Partial<SessionSummary> = {}): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    for (const timer of this.expiryTimers) clearTimeout(timer);
    clearTimeout(this.graceTimer);
    this.limits.stop();
    const browser = this.unbindBrowser();
    if (browser !== undefined && browser.readyState === browser.OPEN) browser.close(closeCode);
    if (this.upstream !== undefined) {
      this.hooks.heartbeat.untrack(this.upstream);
      this.clearStallTimer();
      // A paused upstream would never read the API server's answer to our close:
      // read again (what comes is dropped) so the close completes at once.
      if (this.upstreamPaused) this.upstream.resume();
      // Closing the exec websocket is what ends the remote process.
      if (this.upstream.readyState === this.upstream.OPEN) this.upstream.close(CloseCode.Normal);
      else this.upstream.terminate();
    }
    this.hooks.onEnd({
      id: this.id,
      bytesFromBrowser: this.bytesFromBrowser,
      bytesToBrowser: this.bytesToBrowser,
      reason,
      durationMs: Date.now() - this.startedAt,
      resumes: this.resumes,
      ...(this.pendingExit === undefined ? {} : { exitCode: this.pendingExit }),
      ...extra,
    });
  }

  private readonly onBrowserClose = (code: number): void => {
    if (this.phase === 'open' && this.settings.resumeGraceMs > 0 && RESUMABLE_CLOSE_CODES.has(code)) {
      this.detach();
      return;
    }
    this.end('browser-closed', CloseCode.Normal);
  };

  /** The browser dropped: keep the process for the grace period, its output in the replay buffer. */
  private detach(): void {
    this.unbindBrowser();
    this.logger.info({ graceSeconds: this.settings.resumeGraceMs / 1000 }, 'browser dropped; session kept for resume');
    if (this.replay.size >= this.settings.replayBufferBytes) this.pauseUpstream();
    this.graceTimer = setTimeout(() => this.end('resume-expired', CloseCode.Normal), this.settings.resumeGraceMs);
    this.graceTimer.unref();
  }

  private readonly onBrowserMessage = (data: Buffer, isBinary: boolean): void => {
    if (this.phase === 'dialing') {
      this.queuedBytes += data.length;
      if (this.queuedBytes > this.settings.maxQueuedBytes) {
        this.fail(new GatewayError('payload_too_large', 'too much input before the session opened'));
        return;
      }
      this.queued.push({ data, isBinary });
      return;
    }
    if (this.phase === 'open') this.handleBrowserData(data, isBinary);
  };

  private handleBrowserData(data: Buffer, isBinary: boolean): void {
    const upstream = this.upstream;
    if (upstream === undefined || upstream.readyState !== upstream.OPEN) return;
    if (isBinary) {
      if (this.stdinClosed || data.length === 0) return;
      this.bytesFromBrowser += data.length;
      this.limits.activity();
      upstream.send(channelFrame(Channel.Stdin, data));
      return;
    }
    const parsed = parseClientMessage(data.toString('utf8'));
    if (!parsed.ok) {
      this.send({ type: 'notice', code: 'bad_request', message: `ignored: ${parsed.reason}` });
      return;
    }
    this.handleControl(parsed.value, upstream);
  }

  private handleControl(message: ClientMessage, upstream: WebSocket): void {
    switch (message.type) {
      case 'resize':
        // Resize is meaningful only with a TTY; without one the server may stall on it.
        if (!this.tty) return;
        this.limits.activity();
        upstream.send(resizeFrame(message.cols, message.rows));
        this.observer?.resize(message.cols, message.rows);
        return;
      case 'eof':
        if (this.stdinClosed) return;
        if (upstream.protocol === ChannelProtocol.V5) {
          this.stdinClosed = true;
          upstream.send(closeStdinSignal());
        } else {
          this.send({ type: 'notice', code: 'bad_request', message: 'this cluster cannot close stdin alone (it speaks v4.channel.k8s.io)' });
        }
        return;
      case 'pause':
        this.clientPaused = true;
        this.clearStallTimer();
        this.pauseUpstream();
        return;
      case 'resume':
        this.clientPaused = false;
        this.maybeResumeUpstream();
        return;
      case 'token':
        void this.refreshToken(message.token);
        return;
      default: {
        const unexpected: never = message;
        throw new Error(`unhandled control message ${JSON.stringify(unexpected)}`);
      }
    }
  }

  private readonly onUpstreamMessage = (data: Buffer, isBinary: boolean): void => {
    if (!isBinary || data.length < 2 || this.phase !== 'open') return;
    const channel = data[0];
    if (channel === Channel.Stdout || channel === Channel.Stderr) {
      const payload = data.subarray(1);
      this.bytesToBrowser += payload.length;
      this.replay.append(payload);
      this.observer?.output(payload);
      const browser = this.browser;
      if (browser === undefined) {
        // Away: keep what comes for its return, and stop the process's output once the buffer is full.
        if (this.replay.size >= this.settings.replayBufferBytes) this.pauseUpstream();
        return;
      }
      this.replay.trim();
      browser.send(payload, { binary: true }, this.afterBrowserWrite);
      if (browser.bufferedAmount > this.settings.highWaterMarkBytes) this.pauseUpstream();
    } else if (channel === Channel.Status) {
      // One writer sends all output before the status, so the session is complete now.
      const status = parseExecStatus(data.subarray(1));
      if (status.kind === 'exit') this.exit(status.code);
      else this.fail(execFailure(status));
    }
  };

  private readonly afterBrowserWrite = (): void => {
    if (this.upstreamPaused) this.maybeResumeUpstream();
  };

  private pauseUpstream(): void {
    if (this.upstreamPaused || this.upstream === undefined) return;
    this.upstreamPaused = true;
    this.upstream.pause();
    this.armStallTimer();
  }

  private maybeResumeUpstream(): void {
    if (!this.upstreamPaused || this.clientPaused || this.upstream === undefined || this.browser === undefined) return;
    if (this.browser.bufferedAmount > this.lowWaterMark) return;
    this.upstreamPaused = false;
    this.clearStallTimer();
    this.upstream.resume();
  }

  /**
   * Paused for a browser that does not read: if its buffer has not drained
   * when the bound passes, it is dropped (not kept for resume: it was there,
   * and read nothing). A page that asked for the pause is not stalled.
   */
  private armStallTimer(): void {
    if (this.stallTimer !== undefined || this.browser === undefined || this.clientPaused) return;
    const browser = this.browser;
    const bufferedAtPause = browser.bufferedAmount;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.browser !== browser || !this.upstreamPaused || this.clientPaused) return;
      if (browser.bufferedAmount < bufferedAtPause) {
        // It reads, slowly: look again after another period.
        this.armStallTimer();
        return;
      }
      this.fail(new GatewayError('client_stalled', `the browser read nothing for ${Math.round(this.settings.stalledClientTimeoutMs / 1000)} s`));
      browser.terminate();
    }, this.settings.stalledClientTimeoutMs);
    this.stallTimer.unref();
  }

  private clearStallTimer(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  private readonly onUpstreamClose = (code: number): void => {
    // After the exit status the API server closes; a browser that is away still gets the status.
    if (this.phase !== 'open' || this.pendingExit !== undefined) return;
    this.logger.info({ code }, 'upstream closed without an exit status');
    this.fail(new GatewayError('upstream_unreachable', 'the connection to the cluster was lost before the command ended'));
  };

  private scheduleExpiry(): void {
    for (const timer of this.expiryTimers) clearTimeout(timer);
    const remaining = this.principal.expiresAt - Date.now();
    if (remaining > MAX_TIMER_MS) {
      // setTimeout cannot wait longer than ~24.8 days: look again then.
      this.expiryTimers = [setTimeout(() => this.scheduleExpiry(), MAX_TIMER_MS)];
      return;
    }
    this.expiryTimers = [
      setTimeout(() => this.fail(new GatewayError('token_expired', 'your token expired; sign in again to open a new session')), Math.max(0, remaining)),
    ];
    const warnIn = remaining - this.settings.expiryWarningSeconds * 1000;
    if (warnIn > 0 && this.settings.expiryWarningSeconds > 0) {
      this.expiryTimers.push(
        setTimeout(() => this.send({ type: 'notice', code: 'token_expiring', message: `your token expires in ${this.settings.expiryWarningSeconds} s` }), warnIn),
      );
    }
  }

  private async refreshToken(token: string): Promise<void> {
    try {
      const principal = await this.hooks.verifyToken(token);
      if (principal.sub !== this.principal.sub) {
        this.send({ type: 'notice', code: 'forbidden', message: 'a refreshed token must belong to the same user' });
        return;
      }
      if (this.phase === 'ended') return;
      this.principal = principal;
      this.scheduleExpiry();
    } catch (error) {
      this.send({ type: 'notice', code: toGatewayError(error).code, message: `refreshed token refused: ${toGatewayError(error).message}` });
    }
  }
}
