// kubectl's pod exec through the gateway: the channel protocol passed through
// unchanged (v5, v4, base64), the upstream dialled with the cluster's own
// credentials before the client is upgraded, so refusals are Status objects.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { isChannelProtocol } from '../../shared/channel-protocols.js';
import type { AuditLog } from '../audit/audit-log.js';
import { createOriginCheck } from '../auth/origin.js';
import type { Principal } from '../core/principal.js';
import type { PodTarget } from '../core/target.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { Channel, payloadBytes } from '../exec/channels.js';
import type { Heartbeat } from '../exec/heartbeat.js';
import { protocolViolationOf } from '../exec/protocol-violation.js';
import { newSessionId } from '../exec/session-id.js';
import type { UserQuota } from '../exec/user-quota.js';
import { dialExec } from '../clusters/dial-exec.js';
import { checkName } from '../core/names.js';
import type { GatewayServices } from '../services.js';
import { verifyCaller } from './caller.js';
import { refuseUpgradeWithStatus } from './status.js';

const HIGH_WATER_MARK = 1024 * 1024;

/** The pod a kubectl exec names. */
export type KubectlTarget = PodTarget;

/** The protocols the client offered, as the API server reads them: the first header line, comma-split. */
function offeredChannelProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  const first: string | undefined = Array.isArray(header) ? header[0] : header;
  return (first ?? '').split(',').map((p) => p.trim()).filter(isChannelProtocol);
}

const STDIN = new Set<number>([Channel.Stdin]);
const OUTPUT = new Set<number>([Channel.Stdout, Channel.Stderr]);

/** Relays messages one way, pausing the source while the destination is behind. */
function pipe(from: WebSocket, to: WebSocket): void {
  const resumeIfDrained = () => {
    if (from.isPaused && to.bufferedAmount < HIGH_WATER_MARK / 4) from.resume();
  };
  from.on('message', (data: Buffer, isBinary) => {
    if (to.readyState !== WebSocket.OPEN) return;
    to.send(data, { binary: isBinary }, resumeIfDrained);
    if (to.bufferedAmount > HIGH_WATER_MARK) from.pause();
  });
}

export function createKubectlExecProxy(services: GatewayServices, heartbeat: Heartbeat, audit: AuditLog, quota: UserQuota, logger: Logger) {
  /** Each open kubectl session: how to end it (kubectl sees the websocket close) and its bytes so far. */
  const open = new Map<(closeCode: number) => void, { in: number; out: number }>();
  const originAllowed = createOriginCheck(services.config.auth.allowedOrigins);
  // The protocol the API server chose for each request, selected for its client in turn.
  const chosenProtocol = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 32 * 1024 * 1024,
    handleProtocols: (_offered, request) => chosenProtocol.get(request) || false,
  });

  async function authorise(req: IncomingMessage, target: KubectlTarget): Promise<{ principal: Principal; maxSessions: number }> {
    if (!originAllowed(req)) throw new GatewayError('origin_refused', 'origin not allowed');
    const principal = await verifyCaller(services, req);
    checkName('cluster', target.cluster);
    checkName('namespace', target.namespace);
    checkName('pod', target.pod);
    const decision = services.policy.decide(principal, { cluster: target.cluster, namespace: target.namespace }, 'exec');
    if (!decision.allowed) {
      throw new GatewayError('forbidden', `pods "${target.pod}" is forbidden: User "${principal.sub}" cannot exec into pods in the namespace "${target.namespace}" of cluster "${target.cluster}" (gateway policy)`);
    }
    return { principal, maxSessions: decision.rule.limits?.maxSessionsPerUser ?? services.config.sessions.maxSessionsPerUser };
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: KubectlTarget, url: URL): Promise<void> {
    const details = { name: target.pod, kind: 'pods' };
    let release: (() => void) | undefined;
    try {
      const { principal, maxSessions } = await authorise(req, target);
      const cluster = services.clusters.get(target.cluster);
      if (cluster === undefined) throw new GatewayError('not_found', `cluster "${target.cluster}" is not known to this gateway`);
      if (!/^websocket$/i.test(req.headers.upgrade ?? '')) {
        // kubectl falls back to SPDY after a failed websocket attempt; the pod
        // check makes that retry show the same error the websocket got.
        await services.kubeApi(target.cluster)?.getPod(target.namespace, target.pod);
        throw new GatewayError('bad_request', 'this gateway serves exec over websockets only (v5.channel.k8s.io): use kubectl 1.30 or newer (1.29 with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true)');
      }
      if (req.method !== 'GET') throw new GatewayError('bad_request', 'a websocket exec must be a GET request');
      release = quota.acquire(principal.sub, maxSessions);
      const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/exec${url.search}`;
      const upstream = await dialExec(cluster, path, {
        principal,
        timeoutMs: services.config.terminal.upstreamTimeoutSeconds * 1000,
        protocols: offeredChannelProtocols(req),
      });
      // Upgrade the client only now, with the protocol the API server chose.
      chosenProtocol.set(req, upstream.protocol);
      const done = release;
      wss.handleUpgrade(req, socket, head, (client) => relay(client, upstream, principal, target, url, done));
    } catch (error) {
      release?.();
      const failure = toGatewayError(error);
      audit.refusal({ what: 'kubectl-exec', code: failure.code, reason: failure.message, ...target });
      refuseUpgradeWithStatus(socket, failure, details);
    }
  }

  function relay(client: WebSocket, upstream: WebSocket, principal: Principal, target: KubectlTarget, url: URL, release: () => void): void {
    const started = Date.now();
    const sessionId = newSessionId();
    const command = url.searchParams.getAll('command');
    const sessionTarget = { ...target, container: url.searchParams.get('container') ?? undefined, command, tty: url.searchParams.get('tty') === 'true' };
    audit.sessionStart({ sessionId, principal, target: sessionTarget });
    heartbeat.track(upstream);
    const bytes = { in: 0, out: 0 };
    client.on('message', (data: Buffer, isBinary) => (bytes.in += payloadBytes(data, isBinary, STDIN)));
    upstream.on('message', (data: Buffer, isBinary) => (bytes.out += payloadBytes(data, isBinary, OUTPUT)));
    pipe(client, upstream);
    pipe(upstream, client);
    let ended = false;
    const end = (reason: string, closeCode: number) => {
      if (ended) return;
      ended = true;
      open.delete(endByGateway);
      release();
      heartbeat.untrack(upstream);
      // kubectl reports anything but 1000 as an error, so a clean end is 1000.
      if (client.readyState === WebSocket.OPEN) client.close(closeCode);
      if (upstream.readyState === WebSocket.OPEN) upstream.close(1000);
      else upstream.terminate();
      audit.sessionEnd({ sessionId, principal, target: sessionTarget, bytesIn: bytes.in, bytesOut: bytes.out, reason, durationMs: Date.now() - started });
    };
    const endByGateway = (closeCode: number) => end('draining', closeCode);
    open.set(endByGateway, bytes);
    upstream.on('close', (code) => end(code === 1000 ? 'ended' : 'upstream-lost', code === 1000 ? 1000 : 1011));
    client.on('close', () => end('client-closed', 1000));
    upstream.on('error', (error) => logger.debug({ err: error }, 'kubectl upstream error'));
    client.on('error', (error) => {
      // ws has closed kubectl for a frame that breaks the protocol; the audit says so, not "client-closed".
      const violation = protocolViolationOf(error);
      if (violation === undefined) logger.debug({ err: error }, 'kubectl client error');
      else end('protocol-violation', violation.closeCode);
    });
  }

  return {
    handleUpgrade,
    get sessionCount(): number {
      return open.size;
    },
    /** Bytes of the kubectl sessions open now (for metrics): in from kubectl, out from the cluster. */
    liveBytes(): { in: number; out: number } {
      const total = { in: 0, out: 0 };
      for (const bytes of open.values()) {
        total.in += bytes.in;
        total.out += bytes.out;
      }
      return total;
    },
    /** Ends every open kubectl session (shutdown): 1001, going away. */
    endAll(): void {
      for (const end of [...open.keys()]) end(1001);
    },
    close: () => wss.close(),
  };
}
