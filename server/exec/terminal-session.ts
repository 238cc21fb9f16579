// One terminal session: the browser's webterm.v1 websocket relayed to the
// pod exec websocket, frames translated both ways, backpressure, the end.
import type { Logger } from 'pino';
import type WebSocket from 'ws';
import { CloseCode } from '../../shared/errors.js';
import { parseClientMessage, type ClientMessage, type ServerMessage } from '../../shared/protocol.js';
import type { Principal } from '../auth/principal.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { Channel, V5_PROTOCOL, closeStdinSignal, channelFrame, parseExecStatus, resizeFrame } from './channels.js';
import type { Heartbeat } from './heartbeat.js';

export interface SessionSettings {
  /** Browser-side buffered bytes above which the upstream is paused. */
  highWaterMarkBytes: number;
  /** Largest input queued while the upstream is being dialled. */
  maxQueuedBytes: number;
  expiryWarningSeconds: number;
}

/** What the session reports when it ends, for the audit log and metrics. */
export interface SessionSummary {
  id: string;
  bytesFromBrowser: number;
  bytesToBrowser: number;
  exitCode?: number;
  error?: { code: string; status: number; message: string };
  reason: 'exit' | 'error' | 'browser-closed' | 'ended';
  durationMs: number;
}

export interface SessionHooks {
  /** Verifies a refreshed token; the session keeps going only for the same user. */
  verifyToken(token: string): Promise<Principal>;
  onEnd(summary: SessionSummary): void;
  heartbeat: Heartbeat;
}

type Phase = 'dialing' | 'open' | 'ended';

const MAX_TIMER_MS = 2 ** 31 - 1;

/** A failed exec (command not found, container gone) as the page sees it. */
function execFailure(status: number, message: string): GatewayError {
  if (status === 404) return new GatewayError('not_found', message);
  if (status >= 400 && status < 500) return new GatewayError('bad_request', message, { status });
  return new GatewayError('upstream_error', message);
}

export class TerminalSession {
  private phase: Phase = 'dialing';
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

  constructor(
    readonly id: string,
    private readonly browser: WebSocket,
    private principal: Principal,
    private readonly settings: SessionSettings,
    private readonly hooks: SessionHooks,
    private readonly logger: Logger,
  ) {
    this.lowWaterMark = Math.floor(settings.highWaterMarkBytes / 4);
    browser.on('message', this.onBrowserMessage);
    browser.on('close', this.onBrowserClose);
    browser.on('error', (error) => this.logger.debug({ err: error }, 'browser socket error'));
    hooks.heartbeat.track(browser);
    this.scheduleExpiry();
  }

  /** Whether the session already ended (the browser went while dialling, say). */
  get ended(): boolean {
    return this.phase === 'ended';
  }

  /** Sends a control message to the browser. */
  send(message: ServerMessage): void {
    if (this.browser.readyState === this.browser.OPEN) this.browser.send(JSON.stringify(message));
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
      this.fail(new GatewayError('upstream_unreachable', 'the connection to the cluster was lost', { cause: error }));
    });
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
    this.send({ type: 'exit', code });
    this.end('exit', CloseCode.Normal, { exitCode: code });
  }

  private end(reason: SessionSummary['reason'], closeCode: number, extra: Partial<SessionSummary> = {}): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    for (const timer of this.expiryTimers) clearTimeout(timer);
    this.hooks.heartbeat.untrack(this.browser);
    if (this.browser.readyState === this.browser.OPEN) this.browser.close(closeCode);
    if (this.upstream !== undefined) {
      this.hooks.heartbeat.untrack(this.upstream);
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
      ...extra,
    });
  }

  private readonly onBrowserClose = (): void => {
    this.end('browser-closed', CloseCode.Normal);
  };

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
        if (this.tty) upstream.send(resizeFrame(message.cols, message.rows));
        return;
      case 'eof':
        if (this.stdinClosed) return;
        if (upstream.protocol === V5_PROTOCOL) {
          this.stdinClosed = true;
          upstream.send(closeStdinSignal());
        } else {
          this.send({ type: 'notice', code: 'bad_request', message: 'this cluster cannot close stdin alone (it speaks v4.channel.k8s.io)' });
        }
        return;
      case 'pause':
        this.clientPaused = true;
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
      this.browser.send(payload, { binary: true }, this.afterBrowserWrite);
      if (this.browser.bufferedAmount > this.settings.highWaterMarkBytes) this.pauseUpstream();
    } else if (channel === Channel.Status) {
      // One writer sends all output before the status, so the session is complete now.
      const status = parseExecStatus(data.subarray(1));
      if (status.kind === 'exit') this.exit(status.code);
      else this.fail(execFailure(status.status, status.message));
    }
  };

  private readonly afterBrowserWrite = (): void => {
    if (this.upstreamPaused) this.maybeResumeUpstream();
  };

  private pauseUpstream(): void {
    if (this.upstreamPaused || this.upstream === undefined) return;
    this.upstreamPaused = true;
    this.upstream.pause();
  }

  private maybeResumeUpstream(): void {
    if (!this.upstreamPaused || this.clientPaused || this.upstream === undefined) return;
    if (this.browser.bufferedAmount > this.lowWaterMark) return;
    this.upstreamPaused = false;
    this.upstream.resume();
  }

  private readonly onUpstreamClose = (code: number): void => {
    if (this.phase !== 'open') return;
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
