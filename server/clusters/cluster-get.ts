// A GET to a cluster's API server whose JSON answer is passed on as it is:
// kubectl wants the real Pod object, not the gateway's summary of it.
import { request } from 'node:https';
import type { Cluster } from './cluster.js';
import { clusterDial } from './cluster-socket.js';
import { GatewayError } from '../errors.js';
import { classifyDialError } from './dial-errors.js';

const MAX_BODY = 16 * 1024 * 1024;

export interface RawAnswer {
  status: number;
  body: Buffer;
}

/** GETs `path` (already encoded) from the cluster with its own credentials, asking for `accept` (plain JSON by default). */
export async function clusterGet(cluster: Cluster, path: string, timeoutMs: number, accept = 'application/json'): Promise<RawAnswer> {
  const connection = await cluster.connection();
  const url = new URL(cluster.server.href.replace(/\/+$/, '') + path);
  return new Promise<RawAnswer>((resolve, reject) => {
    const dial = clusterDial(cluster, connection);
    // With its own createConnection and no agent, https makes one connection for this request, never pooled.
    const req = request(url, {
      ...dial.tlsOptions,
      createConnection: dial.createConnection as never,
      method: 'GET',
      headers: { ...connection.headers, Accept: accept },
    });
    // The whole request is bounded here: a socket's idle timeout starts only once
    // it is connected, which a silent server delays.
    const timedOut = Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' });
    let late = false;
    const deadline = setTimeout(() => {
      late = true;
      // Reset before destroying: once the TLS socket is gone, its TCP socket can no longer be reached.
      dial.reset();
      req.destroy(timedOut);
    }, timeoutMs);
    req.once('close', () => clearTimeout(deadline));
    // `on`, not `once`: a reset and a destroy may each report an error; the first settles the promise.
    req.on('error', (error) => {
      dial.reset();
      reject(classifyDialError(late ? timedOut : error, cluster.name));
    });
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) {
          req.destroy();
          dial.reset();
          reject(new GatewayError('upstream_error', `cluster "${cluster.name}" sent an answer larger than 16 MiB`));
          return;
        }
        chunks.push(chunk);
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks) }));
      res.once('error', (error) => reject(classifyDialError(error, cluster.name)));
    });
    req.end();
  });
}
