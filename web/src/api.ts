// The gateway's REST API, typed by shared/api.ts; errors carry the gateway's code and message.
import type { ActionList, ActionRunRequest, ActionRunResult, ClusterList, NamespaceList, PodList } from '../../shared/api.js';

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
}

const segment = encodeURIComponent;

export function createApi(token: () => string | undefined): Api {
  async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const bearer = token();
    if (bearer === undefined) throw new ApiError(401, 'unauthenticated', 'no token: open this page from your portal, or with #token=<jwt>');
    let response: Response;
    try {
      response = await fetch(`api/${path}`, {
        ...init,
        headers: {
          Accept: 'application/json',
          Authorization: `Bearer ${bearer}`,
          ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'network', 'the gateway cannot be reached');
    }
    const body = (await response.json().catch(() => undefined)) as unknown;
    if (!response.ok) {
      const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${response.status}`);
    }
    return body as T;
  }
  return {
    clusters: () => call('clusters'),
    namespaces: (cluster) => call(`clusters/${segment(cluster)}/namespaces`),
    pods: (cluster, namespace) => call(`clusters/${segment(cluster)}/namespaces/${segment(namespace)}/pods`),
    actions: (cluster, namespace) => call(`clusters/${segment(cluster)}/actions${namespace ? `?namespace=${segment(namespace)}` : ''}`),
    runAction: (cluster, action, request) =>
      call(`clusters/${segment(cluster)}/actions/${segment(action)}`, { method: 'POST', body: JSON.stringify(request) }),
  };
}
