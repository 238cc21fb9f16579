// A pod's log from the API server's pods/log, streamed: the answer's body is
// handed on unread, so the caller's pace holds the upstream (TCP backpressure).
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Principal } from '../core/principal.js';
import type { PodTarget } from '../core/target.js';
import { checkName } from '../core/names.js';
import { GatewayError } from '../errors.js';
import type { Cluster } from './cluster.js';
import { openClusterStream } from './cluster-request.js';
import { classifyUpgradeRefusal, readRefusalBody } from './dial-errors.js';

/** The PodLogOptions the gateway passes on; each is checked before it gets here. */
export interface PodLogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  previous?: boolean;
  sinceTime?: string;
  limitBytes?: number;
}

/** Ten years: above any log's age, below what the API server's int64 parse refuses. */
const MAX_COUNT = 10 * 365 * 24 * 3600;

function flag(query: URLSearchParams, key: string): boolean | undefined {
  const value = query.get(key);
  if (value === null) return undefined;
  if (value !== 'true' && value !== 'false') throw new GatewayError('bad_request', `${key} must be true or false`);
  return value === 'true';
}

function count(query: URLSearchParams, key: string, min: number): number | undefined {
  const value = query.get(key);
  if (value === null) return undefined;
  const parsed = Number(value);
  if (!/^\d{1,10}$/.test(value) || parsed < min || parsed > MAX_COUNT) {
    throw new GatewayError('bad_request', `${key} must be a whole number from ${min}`);
  }
  return parsed;
}

/**
 * The PodLogOptions of a query (the REST endpoint's, or kubectl's), each
 * checked; nothing else is passed on. Booleans are true or false.
 */
export function parseLogQuery(query: URLSearchParams): PodLogOptions {
  const container = query.get('container');
  const sinceTime = query.get('sinceTime');
  if (sinceTime !== null && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.test(sinceTime)) {
    throw new GatewayError('bad_request', 'sinceTime must be an RFC 3339 time');
  }
  return {
    container: container === null || container === '' ? undefined : checkName('container', container),
    follow: flag(query, 'follow'),
    tailLines: count(query, 'tailLines', 0),
    sinceSeconds: count(query, 'sinceSeconds', 1),
    sinceTime: sinceTime ?? undefined,
    timestamps: flag(query, 'timestamps'),
    previous: flag(query, 'previous'),
    limitBytes: count(query, 'limitBytes', 1),
  };
}

/** The path and query of a pod's log, each segment encoded; false flags are left out, as kubectl does. */
export function podLogPath(target: Pick<PodTarget, 'namespace' | 'pod'>, options: PodLogOptions): string {
  const query = new URLSearchParams();
  if (options.container !== undefined) query.set('container', options.container);
  if (options.follow === true) query.set('follow', 'true');
  if (options.previous === true) query.set('previous', 'true');
  if (options.sinceSeconds !== undefined) query.set('sinceSeconds', String(options.sinceSeconds));
  if (options.sinceTime !== undefined) query.set('sinceTime', options.sinceTime);
  if (options.tailLines !== undefined) query.set('tailLines', String(options.tailLines));
  if (options.timestamps === true) query.set('timestamps', 'true');
  if (options.limitBytes !== undefined) query.set('limitBytes', String(options.limitBytes));
  const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/log`;
  return query.size > 0 ? `${path}?${query}` : path;
}

export interface PodLogStream {
  /** The log bytes as the API server sends them; destroy `request` to end the upstream. */
  body: IncomingMessage;
  request: ClientRequest;
}

/**
 * Opens the log. Resolves once the API server answered 200; any other answer
 * rejects with its Status in words (400 for a container that never ran, 404
 * for a pod that does not exist) and no connection left open.
 */
export async function openPodLog(
  cluster: Cluster,
  target: Pick<PodTarget, 'namespace' | 'pod'>,
  options: PodLogOptions,
  request: { principal?: Principal; timeoutMs: number; signal?: AbortSignal },
): Promise<PodLogStream> {
  const { res, req } = await openClusterStream(cluster, { path: podLogPath(target, options), headers: { Accept: '*/*' }, ...request });
  if (res.statusCode !== 200) {
    const body = await readRefusalBody(res);
    req.destroy();
    throw classifyUpgradeRefusal(res.statusCode ?? 0, body, cluster.name);
  }
  return { body: res, request: req };
}
