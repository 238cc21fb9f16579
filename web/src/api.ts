// The gateway's REST API, typed by shared/api.ts; errors carry the gateway's code and message.
import type {
  ActionList,
  ActionRunRequest,
  ActionRunResult,
  ClusterList,
  DebugRequest,
  DebugResult,
  NamespaceList,
  PodList,
  RecordingList,
  SessionList,
} from '../../shared/api.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Api {
  clusters(): Promise<ClusterList>;
  namespaces(cluster: string): Promise<NamespaceList>;
  pods(cluster: string, namespace: string): Promise<PodList>;
  /** The actions the caller may run on the cluster; in `namespace` when given. */
  actions(cluster: string, namespace?: string): Promise<ActionList>;
  runAction(cluster: string, action: string, request: ActionRunRequest): Promise<ActionRunResult>;
  /** Adds a debug container to the pod; resolves once it runs (the gateway waits for it, up to about a minute). */
  debug(pod: PodRef, request: DebugRequest): Promise<DebugResult>;
  /** The pod's log as the gateway streams it; refusals throw an ApiError before any byte. */
  log(pod: PodRef, query: LogQuery, signal?: AbortSignal): Promise<Response>;
  /** Live sessions the caller may watch (shared ones) and their own. */
  sessions(): Promise<SessionList>;
  /** The recordings the caller may watch, newest first (a 404 when the gateway records nothing). */
  recordings(): Promise<RecordingList>;
}

/** A pod, as the pod endpoints address it. */
export interface PodRef {
  cluster: string;
  namespace: string;
  pod: string;
}

/** GET …/pods/{pod}/log's query. */
export interface LogQuery {
  container?: string;
  follow?: boolean;
  tailLines?: number;
}

export function podPath({ cluster, namespace, pod }: PodRef): string {
  return `clusters/${segment(cluster)}/namespaces/${segment(namespace)}/pods/${segment(pod)}`;
}

const segment = encodeURIComponent;

/** The gateway's JSON error body as an ApiError. */
async function refusal(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
  return new ApiError(response.status, body?.error?.code ?? 'http_error', body?.error?.message ?? `HTTP ${response.status}`);
}

export function createApi(token: () => string | undefined): Api {
  /** One request with the token; answers other than 2xx throw the gateway's error. */
  async function send(path: string, init: RequestInit, accept: string): Promise<Response> {
    const bearer = token();
    if (bearer === undefined) throw new ApiError(401, 'unauthenticated', 'no token: open this page from your portal, or with #token=<jwt>');
    let response: Response;
    try {
      response = await fetch(`api/${path}`, {
        ...init,
        headers: {
          Accept: accept,
          Authorization: `Bearer ${bearer}`,
          ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        cache: 'no-store',
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ApiError(0, 'network', 'the gateway cannot be reached');
    }
    if (!response.ok) throw await refusal(response);
    return response;
  }

  async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await send(path, init, 'application/json');
    return (await response.json().catch(() => undefined)) as T;
  }
  return {
    clusters: () => call('clusters'),
    namespaces: (cluster) => call(`clusters/${segment(cluster)}/namespaces`),
    pods: (cluster, namespace) => call(`clusters/${segment(cluster)}/namespaces/${segment(namespace)}/pods`),
    actions: (cluster, namespace) => call(`clusters/${segment(cluster)}/actions${namespace ? `?namespace=${segment(namespace)}` : ''}`),
    runAction: (cluster, action, request) =>
      call(`clusters/${segment(cluster)}/actions/${segment(action)}`, { method: 'POST', body: JSON.stringify(request) }),
    debug: (pod, request) => call(`${podPath(pod)}/debug`, { method: 'POST', body: JSON.stringify(request) }),
    sessions: () => call('sessions'),
    recordings: () => call('recordings'),
    log(pod, { container, follow, tailLines }, signal) {
      const query = new URLSearchParams();
      if (container) query.set('container', container);
      if (follow) query.set('follow', 'true');
      if (tailLines !== undefined) query.set('tailLines', String(tailLines));
      return send(`${podPath(pod)}/log?${query}`, signal === undefined ? {} : { signal }, 'text/plain, application/json');
    },
  };
}
