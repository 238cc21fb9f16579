// The terminal websocket endpoint: authenticate and check Origin before the
// upgrade, then authorise, dial the pod exec and hand both sockets to a session.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { WEBTERM_PROTOCOL, type ServerMessage } from '../../shared/protocol.js';
import type { Principal } from '../core/principal.js';
import type { GatewayConfig } from '../config/index.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { dialExec, execPath } from '../clusters/dial-exec.js';
import type { ExecTarget, PodTarget } from '../core/target.js';
import type { Heartbeat } from '../exec/heartbeat.js';
import { INTERACTIVE_SHELL_COMMAND } from '../exec/shell.js';
import { newSessionId, isSessionId } from '../exec/session-id.js';
import { TerminalSession, type SessionSummary } from '../exec/terminal-session.js';
import type { RecordingStarter, SessionRecording } from '../recording/recording.js';
import type { UserQuota } from '../exec/user-quota.js';
import { checkName } from '../core/names.js';
import type { RequestAuthenticator } from './authenticate.js';
import type { GatewayServices } from '../services.js';

/** The pod a terminal URL names. */
export type TerminalRoute = PodTarget;

export interface SessionStart {
  id: string;
  principal: Principal;
  route: TerminalRoute;
  target: ExecTarget;
  /** The .cast file, when the session is recorded. */
  recording?: string;
}

export interface TerminalEndpointHooks {
  onSessionStart?(start: SessionStart): void;
  onSessionEnd?(start: SessionStart, summary: SessionSummary): void;
  /** A browser came back to a session it had lost. */
  onSessionResumed?(start: SessionStart, lostBytes: number): void;
  /** A session refused after authentication (policy, bad input, unknown target, a cap). */
  onRefused?(principal: Principal, route: TerminalRoute, error: GatewayError): void;
  /** How long dialling the cluster took. */
  onUpstreamConnected?(cluster: string, seconds: number): void;
  /** A required recording failed and the policy (failure: open) let the session go on. */
  onRecordingFailed?(start: SessionStart, error: Error): void;
}

export interface TerminalEndpointDeps {
  quota: UserQuota;
  recorder?: RecordingStarter;
}

const MAX_COMMAND_ARGS = 256;
const MAX_COMMAND_BYTES = 64 * 1024;

/** `resume=<session id>&offset=<output bytes already received>`: a browser coming back. */
export function parseResumeQuery(url: URL): { id: string; offset?: number } | undefined {
  const id = url.searchParams.get('resume');
  if (id === null) return undefined;
  if (!isSessionId(id)) throw new GatewayError('bad_request', 'resume must be a session id');
  const offsetText = url.searchParams.get('offset');
  if (offsetText === null) return { id };
  const offset = Number(offsetText);
  if (!/^\d{1,15}$/.test(offsetText) || !Number.isSafeInteger(offset)) throw new GatewayError('bad_request', 'offset must be a count of bytes');
  return { id, offset };
}

/** Reads container, command and tty from the query, as INTERFACE.md defines them. */
export function parseTerminalQuery(url: URL): { container?: string; command?: string[]; tty: boolean } {
  const container = url.searchParams.get('container') ?? undefined;
  if (container !== undefined && container !== '') checkName('container', container);
  const command = url.searchParams.getAll('command');
  if (command.length > MAX_COMMAND_ARGS) {
    throw new GatewayError('bad_request', `command has more than ${MAX_COMMAND_ARGS} arguments`);
  }
  if (command.reduce((sum, arg) => sum + Buffer.byteLength(arg), 0) > MAX_COMMAND_BYTES) {
    throw new GatewayError('bad_request', `command is longer than ${MAX_COMMAND_BYTES} bytes`);
  }
  if (command.some((arg) => arg.includes('\0'))) throw new GatewayError('bad_request', 'command arguments may not contain NUL');
  const ttyParam = url.searchParams.get('tty');
  let tty = command.length === 0;
  if (ttyParam !== null) {
    if (ttyParam !== 'true' && ttyParam !== 'false') throw new GatewayError('bad_request', 'tty must be true or false');
    tty = ttyParam === 'true';
  }
  return { container: container === '' ? undefined : container, command: command.length > 0 ? command : undefined, tty };
}

interface OpenSession {
  session: TerminalSession;
  /** Set once the upstream is open. */
  start?: SessionStart;
}

export function createTerminalEndpoint(
  config: GatewayConfig,
  services: GatewayServices,
  authenticate: RequestAuthenticator,
  heartbeat: Heartbeat,
  logger: Logger,
  deps: TerminalEndpointDeps,
  hooks: TerminalEndpointHooks = {},
) {
  const terminal = config.terminal;
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: terminal.maxPayloadBytes,
    // Select webterm.v1 only: the bearer.<jwt> entry is never echoed back.
    handleProtocols: (protocols) => (protocols.has(WEBTERM_PROTOCOL) ? WEBTERM_PROTOCOL : false),
  });

  const sessions = new Map<string, OpenSession>();
  let draining = false;

  /** Handles `GET /api/clusters/{c}/namespaces/{ns}/pods/{pod}/exec` upgrades. */
  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, route: TerminalRoute, url: URL): Promise<void> {
    // Authenticate and check Origin before the upgrade: a refused browser never
    // gets a websocket, and no cluster is dialled for it.
    const principal = await authenticate.upgrade(req, socket);
    if (principal === undefined) return;
    wss.handleUpgrade(req, socket, head, (browser) => {
      let resume: ReturnType<typeof parseResumeQuery>;
      try {
        resume = parseResumeQuery(url);
      } catch (error) {
        refuseSession(browser, principal, route, toGatewayError(error));
        return;
      }
      if (resume === undefined) void runSession(browser, principal, route, url);
      else resumeSession(browser, principal, route, resume);
    });
  }

  /** Ends a browser socket that never got a session. */
  function refuseSession(browser: WebSocket, principal: Principal, route: TerminalRoute, failure: GatewayError): void {
    hooks.onRefused?.(principal, route, failure);
    logger.info({ sub: principal.sub, code: failure.code, ...route }, `session refused: ${failure.message}`);
    if (browser.readyState !== browser.OPEN) return;
    browser.send(JSON.stringify({ type: 'error', status: failure.status, message: failure.message, code: failure.code } satisfies ServerMessage));
    browser.close(failure.closeCode);
  }

  function sessionMessage(start: SessionStart, resumed: boolean): ServerMessage {
    const { id, route, target } = start;
    return { type: 'session', id, cluster: route.cluster, namespace: route.namespace, pod: route.pod, container: target.container ?? '', tty: target.tty, ...(resumed ? { resumed } : {}) };
  }

  function resumeSession(browser: WebSocket, principal: Principal, route: TerminalRoute, resume: { id: string; offset?: number }): void {
    const open = sessions.get(resume.id);
    const start = open?.start;
    // Another user's session, or one on another route, is as unknown as an ended one.
    if (open === undefined || start === undefined || open.session.ended || open.session.owner !== principal.sub
      || start.route.cluster !== route.cluster || start.route.namespace !== route.namespace || start.route.pod !== route.pod) {
      refuseSession(browser, principal, route, new GatewayError('not_found', 'that session is no longer open: it ended, or its resume period passed'));
      return;
    }
    if (draining) {
      refuseSession(browser, principal, route, new GatewayError('draining', 'the gateway is shutting down; try again'));
      return;
    }
    const decision = services.policy.decide(principal, { cluster: route.cluster, namespace: route.namespace }, 'exec');
    if (!decision.allowed) {
      refuseSession(browser, principal, route, new GatewayError('forbidden', decision.reason));
      return;
    }
    const result = open.session.resume(browser, principal, resume.offset, sessionMessage(start, true));
    if (result === undefined) {
      refuseSession(browser, principal, route, new GatewayError('bad_request', 'offset is beyond the output of that session'));
      return;
    }
    logger.info({ sessionId: start.id, sub: principal.sub, lostBytes: result.lostBytes }, 'session resumed');
    hooks.onSessionResumed?.(start, result.lostBytes);
  }

  async function runSession(browser: WebSocket, principal: Principal, route: TerminalRoute, url: URL): Promise<void> {
    const id = newSessionId();
    const sessionLogger = logger.child({ sessionId: id, sub: principal.sub, cluster: route.cluster, namespace: route.namespace, pod: route.pod });
    let start: SessionStart | undefined;
    let recording: SessionRecording | undefined;
    let release = (): void => {};
    let session: TerminalSession | undefined;
    try {
      checkName('cluster', route.cluster);
      checkName('namespace', route.namespace);
      checkName('pod', route.pod);
      const query = parseTerminalQuery(url);
      const decision = services.policy.decide(principal, { cluster: route.cluster, namespace: route.namespace }, 'exec');
      const limits = { ...config.sessions, ...(decision.allowed ? decision.rule.limits : undefined) };
      session = new TerminalSession(
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
          onEnd: (summary) => {
            sessions.delete(id);
            release();
            if (recording !== undefined) void recording.close().catch((error: unknown) => sessionLogger.warn({ err: error }, 'closing the recording failed'));
            sessionLogger.info({ ...summary }, 'session ended');
            if (start !== undefined) hooks.onSessionEnd?.(start, summary);
          },
        },
        sessionLogger,
      );
      const open: OpenSession = { session };
      sessions.set(id, open);
      if (draining) throw new GatewayError('draining', 'the gateway is shutting down; try again');
      if (!decision.allowed) throw new GatewayError('forbidden', decision.reason);
      const cluster = services.clusters.get(route.cluster);
      if (cluster === undefined) throw new GatewayError('not_found', `cluster "${route.cluster}" is not known`);
      release = deps.quota.acquire(principal.sub, limits.maxSessionsPerUser);
      const target: ExecTarget = {
        cluster: route.cluster,
        namespace: route.namespace,
        pod: route.pod,
        container: query.container,
        command: query.command ?? INTERACTIVE_SHELL_COMMAND,
        tty: query.tty,
      };
      const pending: SessionStart = { id, principal, route, target };
      const failSession = (failure: GatewayError) => {
        // Before the upstream opened, the session was refused; after, it ended.
        if (start === undefined && !session?.ended) hooks.onRefused?.(principal, route, failure);
        session?.fail(failure);
      };
      if (decision.rule.record) recording = await startRecording(pending, session, failSession, sessionLogger);
      const abort = new AbortController();
      browser.once('close', () => abort.abort());
      const dialStarted = performance.now();
      // With a TTY the runtime merges stderr into the terminal.
      const upstream = await dialExec(cluster, execPath(target, { stdin: true, stdout: true, stderr: !target.tty }), {
        principal,
        timeoutMs: terminal.upstreamTimeoutSeconds * 1000,
        signal: abort.signal,
      });
      hooks.onUpstreamConnected?.(route.cluster, (performance.now() - dialStarted) / 1000);
      if (session.ended) {
        upstream.close(1000);
        return;
      }
      start = recording === undefined ? pending : { ...pending, recording: recording.path };
      open.start = start;
      hooks.onSessionStart?.(start);
      sessionLogger.info({ container: target.container, tty: target.tty, command: query.command ?? 'shell', recorded: recording !== undefined }, 'session started');
      session.send(sessionMessage(start, false));
      session.attach(upstream, target.tty);
    } catch (error) {
      const failure = toGatewayError(error);
      if (session === undefined) {
        refuseSession(browser, principal, route, failure);
        return;
      }
      if (start === undefined && !session.ended) hooks.onRefused?.(principal, route, failure);
      session.fail(failure);
    }
  }

  /** Starts the recording a rule asks for; how a failure ends depends on recording.failure. */
  async function startRecording(
    pending: SessionStart,
    session: TerminalSession,
    failSession: (failure: GatewayError) => void,
    sessionLogger: Logger,
  ): Promise<SessionRecording | undefined> {
    const failClosed = config.recording?.failure !== 'open';
    const recordingFailed = (error: unknown): GatewayError =>
      new GatewayError('recording_failed', 'this session must be recorded, and the recording cannot be written', { cause: error });
    if (deps.recorder === undefined) throw recordingFailed(new Error('no recorder configured'));
    const { principal, route, target } = pending;
    let recording: SessionRecording;
    try {
      recording = await deps.recorder.start({
        sessionId: pending.id,
        user: principal.sub,
        groups: [...principal.groups],
        ...route,
        container: target.container,
        command: target.command,
        cols: 80,
        rows: 24,
        startedAt: new Date(),
      });
    } catch (error) {
      sessionLogger.error({ err: error }, 'the recording cannot be started');
      if (failClosed) throw recordingFailed(error);
      hooks.onRecordingFailed?.(pending, error as Error);
      return undefined;
    }
    session.observe(recording);
    recording.onError((error) => {
      sessionLogger.error({ err: error }, 'the recording failed');
      if (failClosed) failSession(recordingFailed(error));
      else hooks.onRecordingFailed?.(pending, error);
    });
    return recording;
  }

  return {
    handleUpgrade,
    /** Sessions open now (detached ones waiting for their browser included). */
    get sessionCount(): number {
      return sessions.size;
    },
    /** Output and input bytes of the sessions open now (for metrics). */
    liveBytes(): { in: number; out: number } {
      let bytesIn = 0;
      let bytesOut = 0;
      for (const { session } of sessions.values()) {
        bytesIn += session.bytesIn;
        bytesOut += session.bytesOut;
      }
      return { in: bytesIn, out: bytesOut };
    },
    /** Refuses new sessions and tells the open ones that they end in `graceSeconds`. */
    drain(graceSeconds: number): void {
      draining = true;
      for (const { session } of sessions.values()) {
        session.send({ type: 'notice', code: 'draining', message: `the gateway is shutting down; this session ends in ${graceSeconds} s` });
      }
    },
    /** Ends every open session with this error (shutdown). */
    endAll(error: GatewayError): void {
      for (const { session } of [...sessions.values()]) session.fail(error);
    },
    close(): void {
      wss.close();
    },
  };
}
