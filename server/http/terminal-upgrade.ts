// The terminal websocket endpoint: authenticate and check Origin before the
// upgrade, then authorise, dial the pod exec and hand both sockets to a session.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { WEBTERM_PROTOCOL } from '../../shared/protocol.js';
import type { Principal } from '../auth/principal.js';
import type { GatewayConfig } from '../config.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { dialExec, execPath, type ExecTarget } from '../exec/upstream.js';
import type { Heartbeat } from '../exec/heartbeat.js';
import { INTERACTIVE_SHELL_COMMAND } from '../exec/shell.js';
import { TerminalSession, type SessionSummary } from '../exec/terminal-session.js';
import { checkName } from './names.js';
import type { RequestAuthenticator } from './authenticate.js';
import type { GatewayServices } from './services.js';

export interface TerminalRoute {
  cluster: string;
  namespace: string;
  pod: string;
}

export interface SessionStart {
  id: string;
  principal: Principal;
  route: TerminalRoute;
  target: ExecTarget;
}

export interface TerminalEndpointHooks {
  onSessionStart?(start: SessionStart): void;
  onSessionEnd?(start: SessionStart, summary: SessionSummary): void;
  /** A session refused after authentication (policy, bad input, unknown target). */
  onRefused?(principal: Principal, route: TerminalRoute, error: GatewayError): void;
}

const MAX_COMMAND_ARGS = 256;
const MAX_COMMAND_BYTES = 64 * 1024;

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

export function createTerminalEndpoint(
  config: GatewayConfig,
  services: GatewayServices,
  authenticate: RequestAuthenticator,
  heartbeat: Heartbeat,
  logger: Logger,
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

  const sessions = new Set<TerminalSession>();

  /** Handles `GET /api/clusters/{c}/namespaces/{ns}/pods/{pod}/exec` upgrades. */
  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, route: TerminalRoute, url: URL): Promise<void> {
    // Authenticate and check Origin before the upgrade: a refused browser never
    // gets a websocket, and no cluster is dialled for it.
    const principal = await authenticate.upgrade(req, socket);
    if (principal === undefined) return;
    wss.handleUpgrade(req, socket, head, (browser) => {
      void runSession(browser, principal, route, url);
    });
  }

  async function runSession(browser: WebSocket, principal: Principal, route: TerminalRoute, url: URL): Promise<void> {
    const id = randomUUID();
    const sessionLogger = logger.child({ sessionId: id, sub: principal.sub, cluster: route.cluster, namespace: route.namespace, pod: route.pod });
    let start: SessionStart | undefined;
    const session = new TerminalSession(
      id,
      browser,
      principal,
      { highWaterMarkBytes: terminal.highWaterMarkBytes, maxQueuedBytes: Math.max(8 * 1024 * 1024, terminal.maxPayloadBytes), expiryWarningSeconds: terminal.expiryWarningSeconds },
      {
        verifyToken: (token) => services.verifier.verify(token),
        heartbeat,
        onEnd: (summary) => {
          sessions.delete(session);
          sessionLogger.info({ ...summary }, 'session ended');
          if (start !== undefined) hooks.onSessionEnd?.(start, summary);
        },
      },
      sessionLogger,
    );
    sessions.add(session);
    try {
      checkName('cluster', route.cluster);
      checkName('namespace', route.namespace);
      checkName('pod', route.pod);
      const query = parseTerminalQuery(url);
      const decision = services.policy.decide(principal, { cluster: route.cluster, namespace: route.namespace }, 'exec');
      if (!decision.allowed) throw new GatewayError('forbidden', decision.reason);
      const cluster = services.clusters.get(route.cluster);
      if (cluster === undefined) throw new GatewayError('not_found', `cluster "${route.cluster}" is not known`);
      const target: ExecTarget = {
        namespace: route.namespace,
        pod: route.pod,
        container: query.container,
        command: query.command ?? INTERACTIVE_SHELL_COMMAND,
        stdin: true,
        stdout: true,
        // With a TTY the runtime merges stderr into the terminal.
        stderr: !query.tty,
        tty: query.tty,
      };
      const abort = new AbortController();
      browser.once('close', () => abort.abort());
      const upstream = await dialExec(cluster, execPath(target), {
        principal,
        timeoutMs: terminal.upstreamTimeoutSeconds * 1000,
        signal: abort.signal,
      });
      if (session.ended) {
        upstream.close(1000);
        return;
      }
      start = { id, principal, route, target };
      hooks.onSessionStart?.(start);
      sessionLogger.info({ container: target.container, tty: target.tty, command: query.command ?? 'shell' }, 'session started');
      session.send({ type: 'session', id, cluster: route.cluster, namespace: route.namespace, pod: route.pod, container: target.container ?? '', tty: target.tty });
      session.attach(upstream, target.tty);
    } catch (error) {
      const failure = toGatewayError(error);
      if (start === undefined && !session.ended) hooks.onRefused?.(principal, route, failure);
      session.fail(failure);
    }
  }

  return {
    handleUpgrade,
    /** Sessions open now. */
    get sessionCount(): number {
      return sessions.size;
    },
    /** Ends every open session with this error (shutdown). */
    endAll(error: GatewayError): void {
      for (const session of [...sessions]) session.fail(error);
    },
    close(): void {
      wss.close();
    },
  };
}
