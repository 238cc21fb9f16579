// Requests to a cluster's API server with its own credentials, other than the
// exec websocket: a bounded JSON request (GET, PATCH), and a streamed GET whose
// body the caller reads at its own pace (pods/log).
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request } from 'node:https';
import type { Principal } from '../core/principal.js';
import { GatewayError } from '../errors.js';
import type { Cluster } from './cluster.js';
import { clusterDial } from './cluster-socket.js';
import { classifyDialError } from './dial-errors.js';

const MAX_BODY = 16 * 1024 * 1024;

export interface RawAnswer {
  status: number;
  body: Buffer;
}

export interface ClusterRequest {
  method?: string;
  /** Path and query, already encoded. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sent as Impersonate-User/Group when the cluster asks for impersonation. */
  principal?: Principal;
  /** Bounds the whole request; for a stream, until its headers arrive. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The Impersonate-User/Group headers for `principal` when the cluster impersonates callers. */
export function impersonationHeaders(cluster: Cluster, principal: Principal | undefined): Record<string, string | string[]> {
  if (!cluster.impersonate || principal === undefined) return {};
  // One Impersonate-Group header per group, as the API server reads them.
  return { 'Impersonate-User': principal.sub, ...(principal.groups.length > 0 ? { 'Impersonate-Group': [...principal.groups] } : {}) };
}

/**
 * Sends the request and resolves with the response once its headers arrive;
 * the body is left to the caller. Timeouts, abort and socket errors before
 * that reject with a GatewayError and leave no connection open.
 */
export async function openClusterStream(cluster: Cluster, options: ClusterRequest): Promise<{ res: IncomingMessage; req: ClientRequest }> {
  const connection = await cluster.connection();
  const url = new URL(cluster.server.href.replace(/\/+$/, '') + options.path);
  return new Promise((resolve, reject) => {
    const dial = clusterDial(cluster, connection);
    // With its own createConnection and no agent, https makes one connection for this request, never pooled.
    const req = request(url, {
      createConnection: dial.createConnection as never,
      method: options.method ?? 'GET',
      headers: { ...connection.headers, ...impersonationHeaders(cluster, options.principal), ...options.headers },
    });
    // The wait for the headers is bounded here: a socket's idle timeout starts
    // only once it is connected, which a silent server delays.
    const timedOut = Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' });
    let late = false;
    let answered = false;
    const deadline = setTimeout(() => {
      late = true;
      // Reset before destroying: once the TLS socket is gone, its TCP socket can no longer be reached.
      dial.reset();
      req.destroy(timedOut);
    }, options.timeoutMs);
    const onAbort = () => {
      dial.reset();
      req.destroy(new GatewayError('upstream_error', 'the request ended before the cluster answered'));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.once('close', () => {
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
    });
    // `on`, not `once`: a reset and a destroy may each report an error; the first settles the promise.
    req.on('error', (error) => {
      dial.reset();
      if (!answered) reject(classifyDialError(late ? timedOut : error, cluster.name));
    });
    req.once('response', (res) => {
      answered = true;
      clearTimeout(deadline);
      resolve({ res, req });
    });
    req.end(options.body);
  });
}

/** Sends the request and reads the whole answer (at most 16 MiB), bounded by `timeoutMs`. */
export async function clusterRequest(cluster: Cluster, options: ClusterRequest): Promise<RawAnswer> {
  const started = Date.now();
  const { res, req } = await openClusterStream(cluster, options);
  return new Promise<RawAnswer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: GatewayError) => {
      clearTimeout(deadline);
      req.destroy();
      reject(error);
    };
    const deadline = setTimeout(
      () => fail(new GatewayError('upstream_timeout', `cluster "${cluster.name}" did not answer in time`)),
      Math.max(1, options.timeoutMs - (Date.now() - started)),
    );
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        fail(new GatewayError('upstream_error', `cluster "${cluster.name}" sent an answer larger than 16 MiB`));
        return;
      }
      chunks.push(chunk);
    });
    res.once('end', () => {
      clearTimeout(deadline);
      resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks) });
    });
    res.once('error', (error) => fail(classifyDialError(error, cluster.name)));
  });
}
