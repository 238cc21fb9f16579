// The terminal websocket endpoint: Origin, subprotocol and token checked
// before the upgrade; after it, the session is admitted, built, recorded,
// dialled and attached (sessions/open-session.ts), or resumed.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { WEBTERM_PROTOCOL, type SessionMessage } from '../../shared/protocol.js';
import { createOriginCheck } from '../auth/origin.js';
import { offeredProtocols } from '../auth/token-from-request.js';
import { attachPath, execPath } from '../clusters/dial-exec.js';
import type { Principal } from '../core/principal.js';
import type { ExecTarget, PodTarget } from '../core/target.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { sendFailure } from '../exec/browser-failure.js';
import { ExecStream } from '../exec/exec-stream.js';
import type { Heartbeat } from '../exec/heartbeat.js';
import { newSessionId } from '../exec/session-id.js';
import { INTERACTIVE_SHELL_COMMAND } from '../exec/shell.js';
import { TerminalSession, type SessionSummary } from '../exec/terminal-session.js';
import type { SessionRecording } from '../recording/recording.js';
import {
  admitSession,
  attachTarget,
  decideAny,
  dialSession,
  sessionVerbs,
  startRecording,
  type Admission,
  type SessionDeps,
  type SessionKind,
} from '../sessions/open-session.js';
import type { LiveSession } from '../sessions/registry.js';
import { checkPodTarget } from '../core/names.js';
import { refuseUpgrade } from './respond.js';
import { parseResumeQuery, parseTerminalQuery } from './terminal-query.js';

export interface SessionStart {
  id: string;
  principal: Principal;
  target: ExecTarget;
  /** The .cast file, when the session is recorded. */
  recording?: string;
}

export interface TerminalEndpointHooks {
  onSessionStart?(start: SessionStart): void;
  onSessionEnd?(start: SessionStart, summary: SessionSummary): void;
  /** A browser came back to a session it had lost. */
  onSessionResumed?(start: SessionStart, lostBytes: number): void;
  /** An upgrade refused before it happened (Origin, subprotocol, token). */
  onUpgradeRefused?(req: IncomingMessage, error: GatewayError): void;
  /** A session refused after authentication (policy, bad input, unknown target, a cap). */
  onRefused?(principal: Principal, target: PodTarget, error: GatewayError): void;
  /** How long dialling the cluster took. */
  onUpstreamConnected?(cluster: string, seconds: number): void;
  /** A required recording failed and the policy (failure: open) let the session go on. */
  onRecordingFailed?(start: SessionStart, error: Error): void;
}

/** What a resuming browser needs of an open session. */
interface Resumable {
  session: TerminalSession;
  kind: SessionKind;
  /** Set once the upstream is open. */
  start?: SessionStart;
}

export function createTerminalEndpoint(sessions: SessionDeps, heartbeat: Heartbeat, logger: Logger, hooks: TerminalEndpointHooks = {}) {
  const { services, registry } = sessions;
  const terminal = services.config.terminal;
  const originAllowed = createOriginCheck(services.config.auth.allowedOrigins);
  const resumable = new WeakMap<LiveSession, Resumable>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: terminal.maxPayloadBytes,
    // Select webterm.v1 only: the bearer.<jwt> entry is never echoed back.
    handleProtocols: (protocols) => (protocols.has(WEBTERM_PROTOCOL) ? WEBTERM_PROTOCOL : false),
  });

  /** The caller, or a refusal before the upgrade: a refused browser never gets a websocket, and no cluster is dialled for it. */
  async function authenticateUpgrade(req: IncomingMessage): Promise<Principal> {
    if (!originAllowed(req))
      throw new GatewayError('origin_refused', `origin ${JSON.stringify(String(req.headers.origin).slice(0, 200))} is not allowed`);
    if (!offeredProtocols(req).includes(WEBTERM_PROTOCOL))
      throw new GatewayError('bad_request', `offer the ${WEBTERM_PROTOCOL} subprotocol`);
    return services.authenticate(req);
  }

  /** Handles `GET /api/clusters/{c}/namespaces/{ns}/pods/{pod}/exec` (and `…/attach`) upgrades. */
  async function handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    route: PodTarget,
    url: URL,
    kind: SessionKind = 'exec',
  ): Promise<void> {
    // A socket error while we verify must not become an uncaught exception.
    socket.on('error', () => socket.destroy());
    let principal: Principal;
    try {
      principal = await authenticateUpgrade(req);
    } catch (error) {
      const refusal = toGatewayError(error);
      logger.info({ code: refusal.code, url: req.url?.split('?')[0], origin: req.headers.origin }, `upgrade refused: ${refusal.message}`);
      hooks.onUpgradeRefused?.(req, refusal);
      refuseUpgrade(socket, refusal);
      return;
    }
    wss.handleUpgrade(req, socket, head, (browser) => {
      try {
        const resume = parseResumeQuery(url);
        if (resume === undefined) void runSession(browser, principal, route, url, kind);
        else resumeSession(browser, principal, route, resume, kind);
      } catch (error) {
        refuseSession(browser, principal, route, toGatewayError(error));
      }
    });
  }

  /** Ends a browser socket that never got a session. */
  function refuseSession(browser: WebSocket, principal: Principal, route: PodTarget, failure: GatewayError): void {
    hooks.onRefused?.(principal, route, failure);
    logger.info({ sub: principal.sub, code: failure.code, ...route }, `session refused: ${failure.message}`);
    sendFailure(browser, failure);
  }

  function sessionMessage(start: SessionStart, resumed: boolean): SessionMessage {
    const { id, target } = start;
    return {
      type: 'session',
      id,
      cluster: target.cluster,
      namespace: target.namespace,
      pod: target.pod,
      container: target.container ?? '',
      tty: target.tty,
      ...(resumed ? { resumed } : {}),
    };
  }

  function resumeSession(
    browser: WebSocket,
    principal: Principal,
    route: PodTarget,
    resume: { id: string; offset?: number },
    kind: SessionKind,
  ): void {
    const live = registry.get(resume.id);
    const open = live === undefined ? undefined : resumable.get(live);
    const start = open?.start;
    // Another user's session, or one on another route, is as unknown as an ended one.
    if (
      open === undefined ||
      start === undefined ||
      open.session.ended ||
      open.session.owner !== principal.sub ||
      open.kind !== kind ||
      start.target.cluster !== route.cluster ||
      start.target.namespace !== route.namespace ||
      start.target.pod !== route.pod
    ) {
      throw new GatewayError('not_found', 'that session is no longer open: it ended, or its resume period passed');
    }
    if (registry.draining) throw new GatewayError('draining', 'the gateway is shutting down; try again');
    const decision = decideAny(services, principal, start.target, sessionVerbs[kind]);
    if (!decision.allowed) throw new GatewayError('forbidden', decision.reason);
    const result = open.session.resume(browser, principal, resume.offset, sessionMessage(start, true));
    if (result === undefined) throw new GatewayError('bad_request', 'offset is beyond the output of that session');
    logger.info({ sessionId: start.id, sub: principal.sub, lostBytes: result.lostBytes }, 'session resumed');
    hooks.onSessionResumed?.(start, result.lostBytes);
  }

  /** The target of the URL and query, with the shell when no command is named; attach runs none. */
  function targetOf(route: PodTarget, url: URL, kind: SessionKind): ExecTarget {
    checkPodTarget(route);
    const query = parseTerminalQuery(url);
    if (kind === 'attach') {
      if (query.command !== undefined)
        throw new GatewayError('bad_request', "attach runs no command: it joins the container's main process");
      // The TTY is the container's own, read from the pod before the dial.
      return { ...route, container: query.container, command: [], tty: false };
    }
    return { ...route, container: query.container, command: query.command ?? INTERACTIVE_SHELL_COMMAND, tty: query.tty };
  }

  async function runSession(browser: WebSocket, principal: Principal, route: PodTarget, url: URL, kind: SessionKind): Promise<void> {
    let admission: Admission;
    try {
      admission = admitSession(sessions, principal, targetOf(route, url, kind), {}, kind);
    } catch (error) {
      refuseSession(browser, principal, route, toGatewayError(error));
      return;
    }
    if (kind === 'attach') {
      try {
        admission = { ...admission, target: await attachTarget(sessions, admission.target) };
      } catch (error) {
        admission.release();
        refuseSession(browser, principal, route, toGatewayError(error));
        return;
      }
    }
    // Nothing refused: from here on the session exists, and a failure ends it.
    const { target, limits } = admission;
    const id = newSessionId();
    const sessionLogger = logger.child({
      sessionId: id,
      sub: principal.sub,
      cluster: target.cluster,
      namespace: target.namespace,
      pod: target.pod,
    });
    const pending: SessionStart = { id, principal, target };
    let recording: SessionRecording | undefined;
    let remove = (): void => {};
    const entry: Resumable = {
      kind,
      session: new TerminalSession(
        id,
        browser,
        principal,
        {
          highWaterMarkBytes: terminal.highWaterMarkBytes,
          maxQueuedBytes: Math.max(8 * 1024 * 1024, terminal.maxPayloadBytes),
          expiryWarningSeconds: terminal.expiryWarningSeconds,
          stalledClientTimeoutMs: terminal.stalledClientTimeoutSeconds * 1000,
          idleTimeoutMs: limits.idleTimeoutSeconds * 1000,
          warningMs: limits.idleWarningSeconds * 1000,
          maxDurationMs: limits.maxDurationSeconds * 1000,
          resumeGraceMs: limits.resumeGraceSeconds * 1000,
          replayBufferBytes: limits.replayBufferBytes,
        },
        {
          verifyToken: (token) => services.verifier.verify(token),
          heartbeat,
          onShare: (enabled) => {
            const watched = sessions.watching?.get(id);
            if (watched === undefined) session.send({ type: 'notice', code: 'bad_request', message: 'this session cannot be shared' });
            else watched.share(enabled, new GatewayError('forbidden', 'the owner stopped sharing this session'));
          },
          onEnd: (summary) => {
            remove();
            sessions.watching?.unregister(id);
            admission.release();
            if (recording !== undefined)
              void recording.close().catch((error: unknown) => sessionLogger.warn({ err: error }, 'closing the recording failed'));
            sessionLogger.info({ ...summary }, 'session ended');
            if (entry.start !== undefined) hooks.onSessionEnd?.(entry.start, summary);
          },
        },
        sessionLogger,
      ),
    };
    const { session } = entry;
    const live: LiveSession = {
      get bytesIn() {
        return session.bytesIn;
      },
      get bytesOut() {
        return session.bytesOut;
      },
      drainNotice: (graceSeconds) =>
        session.send({ type: 'notice', code: 'draining', message: `the gateway is shutting down; this session ends in ${graceSeconds} s` }),
      end: (error) => session.fail(error),
    };
    resumable.set(live, entry);
    remove = registry.add(id, live);
    const failSession = (failure: GatewayError) => {
      // Before the upstream opened, the session was refused; after, it ended.
      if (entry.start === undefined && !session.ended) hooks.onRefused?.(principal, route, failure);
      session.fail(failure);
    };
    try {
      recording = await startRecording(
        sessions,
        admission,
        id,
        (observer) => session.observe(observer),
        {
          failedOpen: (error) => hooks.onRecordingFailed?.(pending, error),
          failedClosed: failSession,
        },
        sessionLogger,
      );
      const abort = new AbortController();
      browser.once('close', () => abort.abort());
      // With a TTY the runtime merges stderr into the terminal.
      const streams = { stdin: true, stdout: true, stderr: !target.tty };
      const path = kind === 'attach' ? attachPath(target, streams) : execPath(target, streams);
      const upstream = await dialSession(sessions, admission, { path, signal: abort.signal }, (seconds) =>
        hooks.onUpstreamConnected?.(target.cluster, seconds),
      );
      if (session.ended) {
        upstream.close(1000);
        return;
      }
      entry.start = recording === undefined ? pending : { ...pending, recording: recording.path };
      hooks.onSessionStart?.(entry.start);
      sessionLogger.info(
        {
          container: target.container,
          tty: target.tty,
          command: kind === 'attach' ? 'attach' : url.searchParams.has('command') ? target.command : 'shell',
          recorded: recording !== undefined,
        },
        'session started',
      );
      session.send(sessionMessage(entry.start, false));
      const watched = sessions.watching?.register(
        { id, owner: principal.sub, target, startedAt: new Date() },
        (message) => session.send(message),
        (maxBytes) => session.recentOutput(maxBytes),
      );
      if (watched !== undefined) session.observe(watched);
      session.attach(new ExecStream(upstream, { batchOutput: true }), target.tty);
    } catch (error) {
      failSession(toGatewayError(error));
    }
  }

  return {
    handleUpgrade,
    close(): void {
      wss.close();
    },
  };
}
