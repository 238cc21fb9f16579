// Opens the pod exec websocket on a cluster's API server with the cluster's
// own credentials: one fresh connection per session, never pooled or reused.
import WebSocket from 'ws';
import type { Principal } from '../core/principal.js';
import { UPSTREAM_PROTOCOLS } from '../../shared/channel-protocols.js';
import type { ExecStreams, ExecTarget } from '../core/target.js';
import { GatewayError } from '../errors.js';
import type { Cluster } from './cluster.js';
import { clusterDial } from './cluster-socket.js';
import { impersonationHeaders } from './cluster-request.js';
import { classifyDialError, classifyUpgradeRefusal, readRefusalBody } from './dial-errors.js';

export interface DialOptions {
  /** Sent as Impersonate-User/Group when the cluster asks for impersonation. */
  principal?: Principal;
  timeoutMs: number;
  /** Largest upstream message accepted. */
  maxPayload?: number;
  /** Subprotocols to offer, in order; v5 then v4 by default. */
  protocols?: readonly string[];
  signal?: AbortSignal;
}

/** The path of a pod's exec subresource, each segment encoded; the query is the caller's. */
export function execBasePath(target: Pick<ExecTarget, 'namespace' | 'pod'>): string {
  return `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/exec`;
}

/** The path and query of a pod exec request, each segment encoded. */
export function execPath(target: Omit<ExecTarget, 'cluster'>, streams: ExecStreams): string {
  const query = new URLSearchParams();
  for (const arg of target.command) query.append('command', arg);
  if (target.container !== undefined) query.set('container', target.container);
  if (streams.stdin) query.set('stdin', 'true');
  if (streams.stdout) query.set('stdout', 'true');
  if (streams.stderr) query.set('stderr', 'true');
  if (target.tty) query.set('tty', 'true');
  return `${execBasePath(target)}?${query}`;
}

/** The path and query of a pod attach request: the container's main process, no command. */
export function attachPath(target: Pick<ExecTarget, 'namespace' | 'pod' | 'container' | 'tty'>, streams: ExecStreams): string {
  const query = new URLSearchParams();
  if (target.container !== undefined) query.set('container', target.container);
  if (streams.stdin) query.set('stdin', 'true');
  if (streams.stdout) query.set('stdout', 'true');
  if (streams.stderr) query.set('stderr', 'true');
  if (target.tty) query.set('tty', 'true');
  return `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/attach?${query}`;
}

function execUrl(cluster: Cluster, path: string): string {
  const base = new URL(cluster.server.href);
  base.protocol = base.protocol === 'http:' ? 'ws:' : 'wss:';
  return base.href.replace(/\/+$/, '') + path;
}

/**
 * Dials the exec websocket. Resolves once the API server switched protocols
 * to one we offered; anything else (an HTTP answer, a TLS refusal, a timeout)
 * rejects with a GatewayError and leaves no socket open.
 */
export async function dialExec(cluster: Cluster, pathAndQuery: string, options: DialOptions): Promise<WebSocket> {
  const connection = await cluster.connection();
  const headers = { ...connection.headers, ...impersonationHeaders(cluster, options.principal) };
  const dial = clusterDial(cluster, connection);
  const socket = new WebSocket(execUrl(cluster, pathAndQuery), [...(options.protocols ?? UPSTREAM_PROTOCOLS)], {
    createConnection: dial.createConnection as never,
    headers: headers as Record<string, string>,
    perMessageDeflate: false,
    followRedirects: false,
    handshakeTimeout: options.timeoutMs,
    maxPayload: options.maxPayload ?? 64 * 1024 * 1024,
  });
  return new Promise<WebSocket>((resolve, reject) => {
    let settled = false;
    const fail = (error: GatewayError) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
      // Whatever the aborted handshake still reports is of no interest now.
      socket.on('error', () => undefined);
      dial.reset();
      socket.terminate();
      reject(error);
    };
    // The whole dial (TCP, TLS, upgrade) is bounded here: ws's own handshake
    // timer starts only once a socket is assigned, which a silent server delays.
    const deadline = setTimeout(
      () => fail(new GatewayError('upstream_timeout', `cluster "${cluster.name}" did not answer in time`)),
      options.timeoutMs,
    );
    const onAbort = () => fail(new GatewayError('upstream_error', 'the session ended before the cluster answered'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('unexpected-response', (request, response) => {
      // Never wire anything to a connection that did not switch protocols:
      // its body is read (bounded in size and time) for the message, then the socket is destroyed.
      const timer = setTimeout(() => request.destroy(), 5000);
      void readRefusalBody(response).then((body) => {
        clearTimeout(timer);
        request.destroy();
        fail(classifyUpgradeRefusal(response.statusCode ?? 0, body, cluster.name));
      });
    });
    socket.once('error', (error) => fail(classifyDialError(error, cluster.name)));
    socket.once('open', () => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
      // Nothing of the dial may stay with the session: these listeners hold its options, timer and promise.
      socket.removeAllListeners('error');
      socket.removeAllListeners('unexpected-response');
      resolve(socket);
    });
  });
}
