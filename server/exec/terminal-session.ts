// One terminal session: the browser's webterm.v1 websocket relayed to an
// ExecStream, control messages handled, and the end reported once. Flow
// control, resume and the clocks have their own files in terminal-session/.
import type { Logger } from 'pino';
import { CloseCode } from '../../shared/errors.js';
import { parseClientMessage, type ServerMessage, type SessionMessage } from '../../shared/protocol.js';
import type { Principal } from '../core/principal.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { errorMessage, sendFailure } from './browser-failure.js';
import { execFailure } from './channels.js';
import type { ExecStream } from './exec-stream.js';
import { protocolViolationOf } from './protocol-violation.js';
import { SOCKET_OPEN, type RelaySocket } from './socket.js';
import { handleControl, InputQueue } from './terminal-session/browser-input.js';
import { SessionClocks, verifyRefreshedToken } from './terminal-session/clocks.js';
import { FlowControl } from './terminal-session/flow-control.js';
import { ResumeState } from './terminal-session/resume-state.js';
import type { ResumeResult, SessionHooks, SessionObserver, SessionSettings, SessionSummary } from './terminal-session/types.js';

export type { ResumeResult, SessionHooks, SessionObserver, SessionSettings, SessionSummary } from './terminal-session/types.js';

type Phase = 'dialing' | 'open' | 'ended';

export class TerminalSession {
  private phase: Phase = 'dialing';
  /** Undefined while the browser is away (dropped, within the resume grace period). */
  private browser: RelaySocket | undefined;
  private upstream: ExecStream | undefined;
  /** What the browser sends while the upstream is being dialled. */
  private readonly early: InputQueue;
  private stdinClosed = false;
  private bytesFromBrowser = 0;
  /** Stdin bytes that came from browsers, kept or not: a resuming page resends what came after. */
  private inputReceived = 0;
  private bytesToBrowser = 0;
  private readonly startedAt = Date.now();
  private tty = false;
  /** Recording and watching: each sees every output byte and resize. */
  private readonly observers: SessionObserver[] = [];
  private readonly observer: SessionObserver = {
    output: (data) => {
      for (const observer of this.observers) observer.output(data);
    },
    resize: (cols, rows) => {
      for (const observer of this.observers) observer.resize(cols, rows);
    },
  };
  private readonly clocks: SessionClocks;
  private readonly flow: FlowControl;
  private readonly away: ResumeState;

  constructor(
    readonly id: string,
    browser: RelaySocket,
    private principal: Principal,
    private readonly settings: SessionSettings,
    private readonly hooks: SessionHooks,
    private readonly logger: Logger,
  ) {
    this.away = new ResumeState(settings);
    this.early = new InputQueue(settings.maxQueuedBytes);
    this.flow = new FlowControl(settings, {
      upstream: () => this.upstream,
      browser: () => this.browser,
      stalled: (stalled) => {
        this.fail(
          new GatewayError('client_stalled', `the browser read nothing for ${Math.round(settings.stalledClientTimeoutMs / 1000)} s`),
        );
        stalled.terminate();
      },
    });
    this.clocks = new SessionClocks(settings, { notice: (message) => this.send(message), expire: (failure) => this.fail(failure) });
    this.bindBrowser(browser);
    this.clocks.tokenExpiresAt(principal.expiresAt);
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
    if (browser !== undefined && browser.readyState === SOCKET_OPEN) browser.send(JSON.stringify(message));
  }

  /** The latest output, at most `maxBytes` of it, as the replay buffer keeps it (nothing when resume is off). */
  recentOutput(maxBytes: number): Buffer[] {
    const replay = this.away.replay;
    return replay.since(Math.max(0, replay.endOffset - maxBytes))?.chunks ?? [];
  }

  /** Sees every output byte and resize from now on (the recording starts before any output). */
  observe(observer: SessionObserver): void {
    this.observers.push(observer);
  }

  /**
   * A browser comes back to this session (the same user): it replaces the one
   * attached, if any, gets the output from `offset` on, and the session goes
   * on. Undefined when the offset is beyond the output or the user differs.
   */
  resume(browser: RelaySocket, principal: Principal, offset: number | undefined, greeting: SessionMessage): ResumeResult | undefined {
    if (this.phase !== 'open' || principal.sub !== this.principal.sub) return undefined;
    const replay = this.away.comeBack(offset ?? 0);
    if (replay === undefined) return undefined;
    const previous = this.unbindBrowser();
    if (previous !== undefined)
      sendFailure(previous, new GatewayError('session_taken_over', 'this session was resumed from another connection'));
    // The returning browser's token (the same user's, perhaps a fresher one) now bounds the session.
    this.principal = principal;
    this.clocks.tokenExpiresAt(principal.expiresAt);
    this.bindBrowser(browser);
    // Counted after the old socket is unbound: nothing it still delivers is taken.
    this.send({ ...greeting, inputReceived: this.inputReceived });
    if (replay.lostBytes > 0) {
      this.send({
        type: 'notice',
        code: 'output_lost',
        message: `${replay.lostBytes} bytes of output from while you were away are no longer kept`,
      });
    }
    for (const chunk of replay.chunks) browser.send(chunk, { binary: true }, this.flow.drained);
    this.away.replay.trim();
    if (this.away.pendingExit !== undefined) this.exit(this.away.pendingExit);
    else this.flow.resume();
    return { lostBytes: replay.lostBytes };
  }

  /** Wires the dialled exec stream and replays what the browser sent meanwhile. */
  attach(upstream: ExecStream, tty: boolean): void {
    if (this.phase !== 'dialing') {
      upstream.close();
      return;
    }
    this.upstream = upstream;
    this.tty = tty;
    this.phase = 'open';
    this.hooks.heartbeat.track(upstream.socket);
    upstream.listen({
      output: this.onOutput,
      status: (status) => {
        // One writer sends all output before the status, so the session is complete now.
        if (status.kind === 'exit') this.exit(status.code);
        else this.fail(execFailure(status));
      },
      close: this.onUpstreamClose,
      error: (error) => {
        this.logger.warn({ err: error }, 'upstream socket error');
        if (this.away.pendingExit !== undefined) return;
        this.fail(new GatewayError('upstream_unreachable', 'the connection to the cluster was lost', { cause: error }));
      },
    });
    if (this.browser === undefined) this.flow.pause();
    for (const { data, isBinary } of this.early.take()) this.handleBrowserData(data, isBinary);
  }

  /** Ends the session with a failure the page must show: error message, then close 4000+status. */
  fail(error: unknown): void {
    const failure = toGatewayError(error);
    if (failure.code === 'internal') this.logger.error({ err: error }, 'session failed');
    else this.logger.info({ code: failure.code, err: failure.cause }, failure.message);
    this.send(errorMessage(failure));
    this.end('error', failure.closeCode, { error: { code: failure.code, status: failure.status, message: failure.message } });
  }

  private bindBrowser(browser: RelaySocket): void {
    this.browser = browser;
    browser.on('message', this.onBrowserMessage);
    browser.on('close', this.onBrowserClose);
    browser.on('error', this.onBrowserError);
    this.hooks.heartbeat.track(browser);
  }

  private unbindBrowser(): RelaySocket | undefined {
    const browser = this.browser;
    if (browser === undefined) return undefined;
    browser.off('message', this.onBrowserMessage);
    browser.off('close', this.onBrowserClose);
    browser.off('error', this.onBrowserError);
    this.hooks.heartbeat.untrack(browser);
    this.browser = undefined;
    this.flow.clearStallTimer();
    return browser;
  }

  private exit(code: number): void {
    if (this.browser === undefined) {
      // Nobody to tell yet: a browser that comes back within the grace period gets it.
      this.away.pendingExit = code;
      return;
    }
    this.send({ type: 'exit', code });
    this.end('exit', CloseCode.Normal, { exitCode: code });
  }

  private end(reason: SessionSummary['reason'], closeCode: number, extra: Partial<SessionSummary> = {}): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    this.clocks.stop();
    this.away.stop();
    const browser = this.unbindBrowser();
    if (browser !== undefined && browser.readyState === SOCKET_OPEN) browser.close(closeCode);
    if (this.upstream !== undefined) {
      this.hooks.heartbeat.untrack(this.upstream.socket);
      this.flow.clearStallTimer();
      this.upstream.close();
    }
    const pendingExit = this.away.pendingExit;
    this.hooks.onEnd({
      id: this.id,
      bytesFromBrowser: this.bytesFromBrowser,
      bytesToBrowser: this.bytesToBrowser,
      reason,
      durationMs: Date.now() - this.startedAt,
      resumes: this.away.resumes,
      ...(pendingExit === undefined ? {} : { exitCode: pendingExit }),
      ...extra,
    });
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

  private readonly onBrowserClose = (code: number): void => {
    if (this.phase === 'open' && this.away.keepsFor(code)) {
      // The browser dropped: keep the process for the grace period, its output in the replay buffer.
      this.unbindBrowser();
      this.logger.info({ graceSeconds: this.away.graceSeconds }, 'browser dropped; session kept for resume');
      if (this.away.full) this.flow.pause();
      this.away.startGrace(() => this.end('resume-expired', CloseCode.Normal));
      return;
    }
    this.end('browser-closed', CloseCode.Normal);
  };

  private readonly onBrowserMessage = (data: Buffer, isBinary: boolean): void => {
    if (this.phase === 'dialing') {
      if (!this.early.push(data, isBinary)) this.fail(new GatewayError('payload_too_large', 'too much input before the session opened'));
      return;
    }
    if (this.phase === 'open') this.handleBrowserData(data, isBinary);
  };

  private handleBrowserData(data: Buffer, isBinary: boolean): void {
    const upstream = this.upstream;
    if (upstream === undefined || !upstream.open) return;
    if (isBinary) {
      this.inputReceived += data.length;
      if (this.stdinClosed || data.length === 0) return;
      this.bytesFromBrowser += data.length;
      this.clocks.activity();
      upstream.writeStdin(data);
      return;
    }
    const parsed = parseClientMessage(data.toString('utf8'));
    if (!parsed.ok) {
      this.send({ type: 'notice', code: 'bad_request', message: `ignored: ${parsed.reason}` });
      return;
    }
    handleControl(parsed.value, {
      upstream,
      tty: this.tty,
      stdinClosed: this.stdinClosed,
      closedStdin: () => (this.stdinClosed = true),
      activity: () => this.clocks.activity(),
      observer: this.observer,
      flow: this.flow,
      notice: (message) => this.send(message),
      refreshToken: (token) => void this.refreshToken(token),
      share: (enabled) => {
        if (this.hooks.onShare !== undefined) this.hooks.onShare(enabled);
        else this.send({ type: 'notice', code: 'bad_request', message: 'this session cannot be shared' });
      },
    });
  }

  private readonly onOutput = (payload: Buffer): void => {
    if (this.phase !== 'open') return;
    this.bytesToBrowser += payload.length;
    this.away.replay.append(payload);
    this.observer.output(payload);
    const browser = this.browser;
    if (browser === undefined) {
      // Away: keep what comes for its return, and stop the process's output once the buffer is full.
      if (this.away.full) this.flow.pause();
      return;
    }
    this.away.replay.trim();
    browser.send(payload, { binary: true }, this.flow.drained);
    this.flow.sent(browser);
  };

  private readonly onUpstreamClose = (code: number): void => {
    // After the exit status the API server closes; a browser that is away still gets the status.
    if (this.phase !== 'open' || this.away.pendingExit !== undefined) return;
    this.logger.info({ code }, 'upstream closed without an exit status');
    this.fail(new GatewayError('upstream_unreachable', 'the connection to the cluster was lost before the command ended'));
  };

  private async refreshToken(token: string): Promise<void> {
    const principal = await verifyRefreshedToken(token, this.principal, this.hooks.verifyToken, (message) => this.send(message));
    if (principal === undefined || this.phase === 'ended') return;
    this.principal = principal;
    this.clocks.tokenExpiresAt(principal.expiresAt);
  }
}
