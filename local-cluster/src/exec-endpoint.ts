// The exec upgrade: the API server's checks (token, pod, container), the
// kubelet's (streams), subprotocol negotiation, then the websocket session.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ClusterState } from './cluster-state.js';
import { validateExec } from './exec-target.js';
import { negotiateProtocol, queryBool, type ChannelProtocol } from './exec-protocol.js';
import { runAttachSession } from './attach-session.js';
import { notRunning, runExecSession, type ExecRequest, type ExecTracking } from './exec-session.js';
import type { LocalPodRuntime } from './pods.js';
import { refuseUpgrade, refuseUpgradeWithStatus } from './responses.js';
import { failureStatus } from './status.js';

/** The kubelet's reading of the streams (remotecommand NewOptions): with a TTY, stderr is dropped silently. */
function execRequest(pod: LocalPodRuntime, container: string, params: URLSearchParams): ExecRequest {
  const tty = queryBool(params, 'tty');
  const runtime = pod.execRuntime(container);
  return {
    command: params.getAll('command'),
    cwd: runtime.cwd,
    env: runtime.env,
    stdin: queryBool(params, 'stdin'),
    stdout: queryBool(params, 'stdout'),
    stderr: queryBool(params, 'stderr') && !tty,
    tty,
  };
}

const EXEC_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)$/;

export function createExecEndpoint(state: ClusterState, tracking: ExecTracking) {
  const chosen = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    // x/net's limit (DefaultMaxPayloadBytes): a larger frame ends the read loop.
    maxPayload: 32 << 20,
    // Exactly the negotiated protocol is echoed, never the token subprotocol.
    handleProtocols: (_offered, req) => chosen.get(req) ?? false,
  });

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const auth = state.authenticate(req, true);
    if (!auth.ok) return refuseUpgradeWithStatus(socket, failureStatus(401, 'Unauthorized'));
    const url = new URL(req.url ?? '/', 'https://local.invalid');
    const match = EXEC_PATH.exec(url.pathname);
    if (match === null) return refuseUpgradeWithStatus(socket, failureStatus(404, 'the server could not find the requested resource', {}));
    let namespace: string;
    let podName: string;
    try {
      namespace = decodeURIComponent(match[1]!);
      podName = decodeURIComponent(match[2]!);
    } catch {
      return refuseUpgradeWithStatus(socket, failureStatus(400, 'malformed path'));
    }
    const checked = validateExec(state.pods, namespace, podName, url.searchParams);
    if ('status' in checked) return refuseUpgradeWithStatus(socket, checked);
    if (!/^websocket$/i.test(req.headers.upgrade ?? '')) {
      // SPDY/3.1 (kubectl before 1.30, or its fallback after a refused websocket) is not spoken here.
      return refuseUpgradeWithStatus(
        socket,
        failureStatus(
          400,
          'Upgrade request required: the local cluster serves exec over websockets only (v5.channel.k8s.io, v4.channel.k8s.io)',
        ),
      );
    }
    // x/net's handshake: GET only.
    if (req.method !== 'GET') return refuseUpgrade(socket, 405, 'bad method', 'text/plain; charset=utf-8');
    const protocol: ChannelProtocol | undefined = negotiateProtocol(auth.offeredProtocols);
    if (protocol === undefined) return refuseUpgrade(socket, 403, '', 'text/plain; charset=utf-8');
    const request = execRequest(checked.pod, checked.container, url.searchParams);
    if (!request.stdin && !request.stdout && !request.stderr && !protocol.translated) {
      // Proxied to the kubelet (v4 and older), whose plain-text refusal comes through as is.
      return refuseUpgrade(socket, 400, 'you must specify at least 1 of stdin, stdout, stderr', 'text/plain; charset=utf-8');
    }
    const main = checked.pod.mains.get(checked.container);
    const running = match[3] === 'exec' ? checked.pod.mains.get(checked.container)?.running !== false : main?.running === true;
    if (!running && !protocol.translated) {
      // The kubelet finds no running container: its plain-text 500 comes through the proxy.
      return refuseUpgrade(socket, 500, `container not found (${JSON.stringify(checked.container)})`, 'text/plain; charset=utf-8');
    }
    chosen.set(req, protocol.name);
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (match[3] === 'attach') runAttachSession(ws, protocol, request, main!, checked.container);
      else if (running) runExecSession(ws, protocol, request, tracking);
      else notRunning(ws, protocol, checked.container);
    });
  }

  return {
    handleUpgrade,
    /** Drops every exec websocket, which ends their processes. */
    closeAll(): void {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
