// The HTTP surface of the local cluster: bearer authentication, discovery,
// namespaces and pods (read-only), and the exec upgrade, answering with the
// same objects, statuses and errors as a kube-apiserver.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ExecRequest, ExecTracking } from './exec-session.js';
import { runExecSession } from './exec-session.js';
import { negotiateProtocol, queryBool, type ChannelProtocol } from './exec-protocol.js';
import type { LocalPodRuntime } from './pods.js';
import { failureStatus, notFound, type Status } from './status.js';

export interface ClusterState {
  token: string;
  namespaces: readonly string[];
  pods: ReadonlyMap<string, LocalPodRuntime>;
  createdAt: Date;
  tracking: ExecTracking;
}

export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-webterm-local' };

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

/** Writes a refusal on a socket that asked to upgrade. */
function refuseUpgrade(socket: Duplex, code: number, reasonPhrase: string, body: string, contentType = 'application/json'): void {
  socket.end(`HTTP/1.1 ${code} ${reasonPhrase}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function statusLine(status: Status): [number, string] {
  const code = status.code ?? 500;
  const phrases: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed' };
  return [code, phrases[code] ?? 'Internal Server Error'];
}

/** Equality and inequality terms: `a=b`, `a==b`, `a!=b`, comma-separated. */
export function parseLabelSelector(selector: string): Array<{ key: string; op: '=' | '!='; value: string }> | undefined {
  if (selector.trim() === '') return [];
  const terms = [];
  for (const part of selector.split(',')) {
    const match = /^\s*([A-Za-z0-9][-A-Za-z0-9_./]*)\s*(==|=|!=)\s*([-A-Za-z0-9_.]*)\s*$/.exec(part);
    if (match === null) return undefined;
    terms.push({ key: match[1]!, op: match[2] === '!=' ? ('!=' as const) : ('=' as const), value: match[3]! });
  }
  return terms;
}

const resourceList = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list'], shortNames: ['ns'] },
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'], categories: ['all'] },
    { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
  ],
};

export function createApiHandlers(state: ClusterState) {
  const chosen = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 32 * 1024 * 1024,
    // Exactly the negotiated protocol is echoed; none for the v1 rules without an offer.
    handleProtocols: (_offered, req) => chosen.get(req) || false,
  });
  const expected = Buffer.from(`Bearer ${state.token}`);

  function authenticated(req: IncomingMessage): boolean {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  function namespaceObject(name: string) {
    return { kind: 'Namespace', apiVersion: 'v1', metadata: { name, uid: `ns-${name}`, creationTimestamp: state.createdAt.toISOString().replace(/\.\d+Z$/, 'Z') }, status: { phase: 'Active' } };
  }

  function podsIn(namespace: string | undefined): LocalPodRuntime[] {
    return [...state.pods.values()].filter((p) => namespace === undefined || p.namespace === namespace);
  }

  /** Answers a plain (non-upgrade) request. */
  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    if (!authenticated(req)) {
      sendJson(res, 401, failureStatus(401, 'Unauthorized'));
      return;
    }
    const url = new URL(req.url ?? '/', 'https://local.invalid');
    const parts = url.pathname.split('/').filter((p) => p.length > 0).map(decodeURIComponent);
    const path = parts.join('/');
    if (parts.length >= 6 && parts[0] === 'api' && parts[4] === 'pods' && parts[6] === 'exec') {
      // An exec that did not ask to upgrade: the proxy's answer.
      sendJson(res, 400, failureStatus(400, 'Upgrade request required'));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, failureStatus(405, `the server does not allow this method on the requested resource`));
      return;
    }
    if (path === 'api') return sendJson(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' }] });
    if (path === 'apis') return sendJson(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (path === 'api/v1') return sendJson(res, 200, resourceList);
    if (path === 'version') return sendJson(res, 200, { ...KUBERNETES_VERSION, gitCommit: '0000000', gitTreeState: 'clean', buildDate: state.createdAt.toISOString(), goVersion: 'go1.23', compiler: 'gc', platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}` });
    if (path === 'api/v1/namespaces') {
      return sendJson(res, 200, { kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: state.namespaces.map(namespaceObject) });
    }
    if (parts[0] === 'api' && parts[1] === 'v1' && parts[2] === 'namespaces' && parts.length === 4) {
      const name = parts[3]!;
      return state.namespaces.includes(name) ? sendJson(res, 200, namespaceObject(name)) : sendJson(res, 404, notFound('namespaces', name));
    }
    const listNamespace = path === 'api/v1/pods' ? null : parts.length === 5 && parts[0] === 'api' && parts[1] === 'v1' && parts[2] === 'namespaces' && parts[4] === 'pods' ? parts[3]! : undefined;
    if (listNamespace !== undefined) {
      const selector = parseLabelSelector(url.searchParams.get('labelSelector') ?? '');
      if (selector === undefined) {
        return sendJson(res, 400, failureStatus(400, `unable to parse requirement: invalid label selector "${url.searchParams.get('labelSelector')}"`));
      }
      const items = podsIn(listNamespace ?? undefined)
        .filter((pod) => selector.every((t) => (t.op === '=' ? pod.spec.labels[t.key] === t.value : pod.spec.labels[t.key] !== t.value)))
        .map((pod) => pod.toApiObject());
      return sendJson(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items });
    }
    if (parts.length === 6 && parts[0] === 'api' && parts[1] === 'v1' && parts[2] === 'namespaces' && parts[4] === 'pods') {
      const pod = state.pods.get(`${parts[3]}/${parts[5]}`);
      return pod === undefined ? sendJson(res, 404, notFound('pods', parts[5]!)) : sendJson(res, 200, pod.toApiObject());
    }
    sendJson(res, 404, failureStatus(404, 'the server could not find the requested resource'));
  }

  /** Validates an exec as the API server does (pod, container, command), then the kubelet's checks. */
  function execRequest(namespace: string, podName: string, params: URLSearchParams): { pod: LocalPodRuntime; request: ExecRequest } | Status {
    const pod = state.pods.get(`${namespace}/${podName}`);
    if (pod === undefined) return notFound('pods', podName);
    let containerName = params.get('container') ?? '';
    if (containerName === '') {
      if (pod.spec.containers.length > 1) {
        return failureStatus(400, `a container name must be specified for pod ${podName}, choose one of: [${pod.spec.containers.map((c) => c.name).join(' ')}]`);
      }
      containerName = pod.spec.containers[0]!.name;
    }
    const container = pod.container(containerName);
    if (container === undefined) return failureStatus(400, `container ${containerName} is not valid for pod ${podName}`);
    const command = params.getAll('command');
    if (command.length === 0) return failureStatus(400, 'you must specify at least one command for the container');
    const tty = queryBool(params, 'tty');
    const runtime = pod.runtime(container);
    return {
      pod,
      request: {
        command,
        cwd: runtime.cwd,
        env: runtime.env,
        stdin: queryBool(params, 'stdin'),
        stdout: queryBool(params, 'stdout'),
        // With a TTY the kubelet drops stderr: the terminal carries both.
        stderr: queryBool(params, 'stderr') && !tty,
        tty,
      },
    };
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const refuseStatus = (status: Status) => {
      const [code, phrase] = statusLine(status);
      refuseUpgrade(socket, code, phrase, JSON.stringify(status));
    };
    if (!authenticated(req)) return refuseStatus(failureStatus(401, 'Unauthorized'));
    const url = new URL(req.url ?? '/', 'https://local.invalid');
    const parts = url.pathname.split('/').filter((p) => p.length > 0).map(decodeURIComponent);
    const isExec = parts.length === 7 && parts[0] === 'api' && parts[1] === 'v1' && parts[2] === 'namespaces' && parts[4] === 'pods' && (parts[6] === 'exec' || parts[6] === 'attach');
    if (!isExec) return refuseStatus(failureStatus(404, 'the server could not find the requested resource'));
    if (parts[6] === 'attach') return refuseStatus(failureStatus(400, 'attach is not supported by the local cluster; use exec'));
    const found = execRequest(parts[3]!, parts[5]!, url.searchParams);
    if ('status' in found) return refuseStatus(found);
    if (!/^websocket$/i.test(req.headers.upgrade ?? '')) {
      // SPDY (kubectl before 1.30, or its fallback): not spoken here.
      return refuseStatus(failureStatus(400, 'Upgrade request required: the local cluster serves exec over websockets only (v5.channel.k8s.io, v4.channel.k8s.io)'));
    }
    if (req.method !== 'GET') return refuseUpgrade(socket, 405, 'Method Not Allowed', 'bad method', 'text/plain; charset=utf-8');
    const protocol: ChannelProtocol | undefined = negotiateProtocol(req);
    if (protocol === undefined) return refuseUpgrade(socket, 403, 'Forbidden', '', 'text/plain; charset=utf-8');
    const { request } = found;
    if (!request.stdin && !request.stdout && !request.stderr && !protocol.closeSignal) {
      // On the proxied (v4 and older) path the kubelet's plain-text answer comes through.
      return refuseUpgrade(socket, 400, 'Bad Request', 'you must specify at least 1 of stdin, stdout, stderr', 'text/plain; charset=utf-8');
    }
    chosen.set(req, protocol.name);
    wss.handleUpgrade(req, socket, head, (ws) => runExecSession(ws, protocol, request, state.tracking));
  }

  return {
    handleRequest,
    handleUpgrade,
    /** Drops every exec websocket (which kills their processes). */
    closeAll(): void {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
