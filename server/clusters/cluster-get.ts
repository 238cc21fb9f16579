// A GET to a cluster's API server whose JSON answer is passed on as it is:
// kubectl wants the real Pod object, not the gateway's summary of it.
import { request } from 'node:https';
import type { Cluster } from './cluster.js';
import { secureContextOf } from './secure-context.js';
import { GatewayError } from '../errors.js';
import { classifyDialError } from '../exec/upstream-errors.js';

const MAX_BODY = 16 * 1024 * 1024;

export interface RawAnswer {
  status: number;
  body: Buffer;
}

/** GETs `path` (already encoded) from the cluster with its own credentials. */
export async function clusterGet(cluster: Cluster, path: string, timeoutMs: number): Promise<RawAnswer> {
  const connection = await cluster.connection();
  const url = new URL(cluster.server.href.replace(/\/+$/, '') + path);
  return new Promise<RawAnswer>((resolve, reject) => {
    // https passes secureContext on to tls.connect; its types do not list it.
    const tlsOptions = { secureContext: secureContextOf(connection) } as Record<string, unknown>;
    const req = request(url, {
      ...tlsOptions,
      method: 'GET',
      headers: { ...connection.headers, Accept: 'application/json' },
      rejectUnauthorized: connection.rejectUnauthorized,
      servername: connection.servername,
      agent: false,
      timeout: timeoutMs,
    });
    req.once('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.once('error', (error) => reject(classifyDialError(error, cluster.name)));
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) {
          req.destroy();
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
