// kubectl's pod exec and attach through the gateway: the channel protocol passed through
// unchanged (v5, v4, base64), the upstream dialled with the cluster's own
// credentials before the client is upgraded, so refusals are Status objects.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { isChannelProtocol } from '../../shared/channel-protocols.js';
import { CloseCode } from '../../shared/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import { createOriginCheck } from '../auth/origin.js';
import { execBasePath } from '../clusters/dial-exec.js';
import type { Principal } from '../core/principal.js';
import type { ExecTarget, PodTarget } from '../core/target.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { relayChannels } from '../exec/channel-relay.js';
import { newSessionId } from '../exec/session-id.js';
import type { SocketWatch } from '../exec/socket.js';
import { admitSession, dialSession, type Admission, type SessionDeps, type SessionKind } from '../sessions/open-session.js';
import { verifyCaller } from './caller.js';
import { refuseUpgradeWithStatus } from './status.js';

/** The protocols the client offered, as the API server reads them: the first header line, comma-split. */
function offeredChannelProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  const first: string | undefined = Array.isArray(header) ? header[0] : header;
  return (first ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(isChannelProtocol);
}

/** The exec or attach the query asks for, as the API server reads it (attach has no command). */
function execTargetOf(target: PodTarget, url: URL, kind: SessionKind): ExecTarget {
  return {
    ...target,
    container: url.searchParams.get('container') ?? undefined,
    command: kind === 'attach' ? [] : url.searchParams.getAll('command'),
    tty: url.searchParams.get('tty') === 'true',
  };
}

const kubectlWords = (kind: SessionKind) => ({
  forbidden: (principal: Principal, target: ExecTarget) =>
    `pods "${target.pod}" is forbidden: User "${principal.sub}" cannot ${kind === 'attach' ? 'attach to' : 'exec into'} pods in the namespace "${target.namespace}" of cluster "${target.cluster}" (gateway policy)`,
  unknownCluster: (cluster: string) => `cluster "${cluster}" is not known to this gateway`,
});

/** The pod's exec or attach path; the query is the client's, passed on as the API server reads it. */
const subresourcePath = (target: PodTarget, kind: SessionKind) => `${execBasePath(target).replace(/\/exec$/, '')}/${kind}`;

export function createKubectlExecProxy(sessions: SessionDeps, heartbeat: SocketWatch, audit: AuditLog, logger: Logger) {
  const { services } = sessions;
  const originAllowed = createOriginCheck(services.config.auth.allowedOrigins);
  // The protocol the API server chose for each request, selected for its client in turn.
  const chosenProtocol = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    // Sessions are known to their registry; ws's own set of them would only cost memory.
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: 32 * 1024 * 1024,
    handleProtocols: (_offered, request) => chosenProtocol.get(request) || false,
  });

  async function handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: PodTarget,
    url: URL,
    kind: SessionKind = 'exec',
  ): Promise<void> {
    let admission: Admission | undefined;
    try {
      if (!originAllowed(req)) throw new GatewayError('origin_refused', 'origin not allowed');
      const principal = await verifyCaller(services, req);
      admission = admitSession(sessions, principal, execTargetOf(target, url, kind), kubectlWords(kind), kind);
      if (!/^websocket$/i.test(req.headers.upgrade ?? '')) {
        // kubectl falls back to SPDY after a failed websocket attempt; the pod
        // check makes that retry show the same error the websocket got.
        await services.kubeApi(target.cluster)?.getPod(target.namespace, target.pod);
        throw new GatewayError(
          'bad_request',
          `this gateway serves ${kind} over websockets only (v5.channel.k8s.io): use kubectl 1.30 or newer (1.29 with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true)`,
        );
      }
      if (req.method !== 'GET') throw new GatewayError('bad_request', `a websocket ${kind} must be a GET request`);
      const upstream = await dialSession(sessions, admission, {
        path: `${subresourcePath(target, kind)}${url.search}`,
        protocols: offeredChannelProtocols(req),
      });
      // Upgrade the client only now, with the protocol the API server chose.
      chosenProtocol.set(req, upstream.protocol);
      const admitted = admission;
      wss.handleUpgrade(req, socket, head, (client) => relay(client, upstream, admitted));
    } catch (error) {
      admission?.release();
      const failure = toGatewayError(error);
      audit.refusal({ what: `kubectl-${kind}`, code: failure.code, reason: failure.message, ...target });
      refuseUpgradeWithStatus(socket, failure, { name: target.pod, kind: 'pods' });
    }
  }

  function relay(client: Parameters<typeof relayChannels>[0], upstream: Parameters<typeof relayChannels>[1], admission: Admission): void {
    const started = Date.now();
    const sessionId = newSessionId();
    const { principal, target } = admission;
    audit.sessionStart({ sessionId, principal, target });
    let remove = (): void => {};
    const channels = relayChannels(client, upstream, {
      watch: heartbeat,
      onEnd: (reason) => {
        remove();
        admission.release();
        audit.sessionEnd({
          sessionId,
          principal,
          target,
          bytesIn: channels.bytes.in,
          bytesOut: channels.bytes.out,
          reason,
          durationMs: Date.now() - started,
        });
      },
      onError: (side, error) => logger.debug({ err: error }, `kubectl ${side} error`),
    });
    remove = sessions.registry.add(sessionId, {
      get bytesIn() {
        return channels.bytes.in;
      },
      get bytesOut() {
        return channels.bytes.out;
      },
      // Shutdown: 1001, going away.
      end: () => channels.end('draining', CloseCode.GoingAway),
    });
  }

  return {
    handleUpgrade,
    close: () => wss.close(),
  };
}
