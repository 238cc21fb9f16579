// The terminal websocket endpoint: Origin, subprotocol and token checked
// before the upgrade; after it, the session is admitted, built, recorded,
// dialled and attached (sessions/open-session.ts), or resumed
// (terminal-upgrade/resumable.ts).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { WEBTERM_PROTOCOL } from '../../shared/protocol.js';
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
import { TerminalSession } from '../exec/terminal-session.js';
import type { SessionRecording } from '../recording/recording.js';
import {
  admitSession,
  attachTarget,
  dialSession,
  startRecording,
  type Admission,
  type SessionDeps,
  type SessionKind,
} from '../sessions/open-session.js';
import { checkPodTarget } from '../core/names.js';
import { refuseUpgrade } from './respond.js';
import { parseResumeQuery, parseTerminalQuery } from './terminal-query.js';
import { createResumableSessions, type Resumable } from './terminal-upgrade/resumable.js';
import { sessionMessage, type SessionStart, type TerminalEndpointHooks } from './terminal-upgrade/session-start.js';
import { terminalSessionSettings } from './terminal-upgrade/session-settings.js';
import { untilBrowserCloses } from './terminal-upgrade/until-browser-closes.js';

export type { SessionStart, TerminalEndpointHooks } from './terminal-upgrade/session-start.js';

export function createTerminalEndpoint(sessions: SessionDeps, heartbeat: Heartbeat, logger: Logger, hooks: TerminalEndpointHooks = {}) {
  const { services } = sessions;
  const terminal = services.config.terminal;
  const originAllowed = createOriginCheck(services.config.auth.allowedOrigins);
  const resumable = createResumableSessions(sessions);
  const wss = new WebSocketServer({
    noServer: true,
    // Sessions are known to their registry; ws's own set of them would only cost memory.
    clientTracking: false,
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

  function resumeSession(
    browser: WebSocket,
    principal: Principal,
    route: PodTarget,
    resume: { id: string; offset?: number },
    kind: SessionKind,
  ): void {
    const { session, start } = resumable.find(resume.id, principal, route, kind);
    const result = session.resume(browser, principal, resume.offset, sessionMessage(start, true));
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
        terminalSessionSettings(terminal, limits),
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
    remove = resumable.register(id, entry);
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
      // With a TTY the runtime merges stderr into the terminal.
      const streams = { stdin: true, stdout: true, stderr: !target.tty };
      const path = kind === 'attach' ? attachPath(target, streams) : execPath(target, streams);
      const upstream = await untilBrowserCloses(browser, (signal) =>
        dialSession(sessions, admission, { path, signal }, (seconds) => hooks.onUpstreamConnected?.(target.cluster, seconds)),
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
