// The REST surface of the local cluster: discovery, namespaces and pods
// (read-only: get, list, watch), answering with the objects, Tables and
// Status errors of a kube-apiserver. The exec upgrade is exec-endpoint.ts.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterState } from './cluster-state.js';
import { validateExec } from './exec-target.js';
import { patchEphemeralContainers } from './ephemeral-containers.js';
import { serveLog } from './log-endpoint.js';
import { POD_FIELDS } from './pod-object.js';
import type { LocalPodRuntime } from './pods.js';
import { sendJson, sendStatus } from './responses.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';
import { failureStatus, notFound } from './status.js';
import { requestedTableVersion, toTable } from './tables.js';

/** The version it answers as, with the compatibility fields kube-apiserver 1.34 adds to /version. */
export const KUBERNETES_VERSION = {
  major: '1',
  minor: '34',
  emulationMajor: '1',
  emulationMinor: '34',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '33',
  gitVersion: 'v1.34.4-webterm-local',
};
/** Namespaces never change: they stay at the first resourceVersion. */
const RESOURCE_VERSION = '1';
const NAMESPACE_FIELDS = ['metadata.name', 'status.phase'] as const;

const resourceList = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    {
      name: 'namespaces',
      singularName: 'namespace',
      namespaced: false,
      kind: 'Namespace',
      verbs: ['get', 'list', 'watch'],
      shortNames: ['ns'],
    },
    {
      name: 'pods',
      singularName: 'pod',
      namespaced: true,
      kind: 'Pod',
      verbs: ['get', 'list', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
    },
    { name: 'pods/attach', singularName: '', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'pods/ephemeralcontainers', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
  ],
};

const timestamp = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');

type ApiObject = { metadata: Record<string, unknown> } & Record<string, unknown>;

/** A list (or watch) of one kind, filtered by the request's selectors. */
interface Listing {
  kind: 'Pod' | 'Namespace';
  items: Array<{ object: ApiObject; labels: Record<string, string>; fields: Record<string, string> }>;
  supportedFields: readonly string[];
  /** For pods: whether a pod belongs to the listing (its namespace), so a watch can follow changes. */
  includes?(pod: LocalPodRuntime): boolean;
}

export function createRestHandler(state: ClusterState): (req: IncomingMessage, res: ServerResponse) => void {
  const namespaceUids = new Map(state.namespaces.map((name) => [name, randomUUID()]));
  const namespaceObject = (name: string): ApiObject => {
    const labels = { 'kubernetes.io/metadata.name': name };
    return {
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: {
        name,
        uid: namespaceUids.get(name),
        resourceVersion: RESOURCE_VERSION,
        creationTimestamp: timestamp(state.createdAt),
        labels,
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
  };
  const namespaceListing = (): Listing => ({
    kind: 'Namespace',
    supportedFields: NAMESPACE_FIELDS,
    items: state.namespaces.map((name) => ({
      object: namespaceObject(name),
      labels: { 'kubernetes.io/metadata.name': name },
      fields: { 'metadata.name': name, 'status.phase': 'Active' },
    })),
  });
  const podListing = (namespace: string | undefined): Listing => ({
    kind: 'Pod',
    supportedFields: POD_FIELDS,
    includes: (pod) => namespace === undefined || pod.namespace === namespace,
    items: state.podList
      .filter((pod) => namespace === undefined || pod.namespace === namespace)
      .map((pod) => ({ object: pod.toApiObject() as ApiObject, labels: pod.spec.labels, fields: pod.fields() })),
  });

  /** One object, as JSON or as a one-row Table. */
  function sendObject(req: IncomingMessage, res: ServerResponse, url: URL, object: ApiObject): void {
    const table = requestedTableVersion(req);
    sendJson(
      res,
      200,
      table === undefined ? object : toTable(object.kind as string, [object], table, url.searchParams.get('includeObject')),
    );
  }

  function sendListing(req: IncomingMessage, res: ServerResponse, url: URL, listing: Listing): void {
    let items: Listing['items'];
    let matches: (pod: LocalPodRuntime) => boolean;
    try {
      const labels = parseLabelSelector(url.searchParams.get('labelSelector') ?? '');
      const fields = parseFieldSelector(url.searchParams.get('fieldSelector') ?? '', listing.supportedFields);
      items = listing.items.filter((item) => matchesLabels(labels, item.labels) && matchesFields(fields, item.fields));
      matches = (pod) =>
        (listing.includes?.(pod) ?? false) && matchesLabels(labels, pod.spec.labels) && matchesFields(fields, pod.fields());
    } catch (error) {
      if (!(error instanceof SelectorError)) throw error;
      return sendStatus(res, failureStatus(400, error.message));
    }
    const table = requestedTableVersion(req);
    const watch = url.searchParams.get('watch');
    if (watch !== null && watch !== '0' && watch.toLowerCase() !== 'false')
      return streamWatch(
        req,
        res,
        url,
        listing.kind,
        items.map((i) => i.object),
        table,
        listing.kind === 'Pod' ? matches : undefined,
      );
    const objects = items.map((i) => i.object);
    if (table !== undefined) return sendJson(res, 200, toTable(listing.kind, objects, table, url.searchParams.get('includeObject')));
    sendJson(res, 200, {
      kind: `${listing.kind}List`,
      apiVersion: 'v1',
      metadata: { resourceVersion: state.changes.current() },
      items: objects,
    });
  }

  /**
   * A watch: ADDED for each object unless the client names a resourceVersion
   * (then MODIFIED for the pods changed since it), then MODIFIED for each
   * change of a pod it covers, until the timeout or the client leaves.
   */
  function streamWatch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    kind: string,
    objects: ApiObject[],
    table: 'v1' | 'v1beta1' | undefined,
    matches?: (pod: LocalPodRuntime) => boolean,
  ): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    const event = (type: string, object: ApiObject) => {
      const body = table === undefined ? object : toTable(kind, [object], table, url.searchParams.get('includeObject'));
      res.write(`${JSON.stringify({ type, object: body })}\n`);
    };
    const from = url.searchParams.get('resourceVersion');
    for (const object of objects) {
      if (from === null || from === '' || from === '0') event('ADDED', object);
      else if (Number(object.metadata.resourceVersion) > Number(from)) event('MODIFIED', object);
    }
    const unsubscribe =
      matches === undefined
        ? () => undefined
        : state.changes.subscribe((pod) => {
            if (matches(pod)) event('MODIFIED', pod.toApiObject() as ApiObject);
          });
    req.socket.once('close', unsubscribe);
    res.once('close', unsubscribe);
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? '1800');
    const timer = setTimeout(
      () => {
        unsubscribe();
        res.end();
      },
      (Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds : 1800) * 1000,
    );
    timer.unref();
    req.socket.once('close', () => clearTimeout(timer));
  }

  return (req, res) => {
    if (!state.authenticate(req, false).ok) return sendStatus(res, failureStatus(401, 'Unauthorized'));
    const url = new URL(req.url ?? '/', 'https://local.invalid');
    let parts: string[];
    try {
      parts = url.pathname
        .split('/')
        .filter((p) => p.length > 0)
        .map(decodeURIComponent);
    } catch {
      return sendStatus(res, failureStatus(400, 'malformed path'));
    }
    const path = parts.join('/');

    // pods/{pod}/exec and attach without an upgrade: the pod and container are checked first, as ExecREST.Connect does.
    if (
      parts.length === 7 &&
      path.startsWith('api/v1/namespaces/') &&
      parts[4] === 'pods' &&
      (parts[6] === 'exec' || parts[6] === 'attach')
    ) {
      if (req.method !== 'GET' && req.method !== 'POST')
        return sendStatus(res, failureStatus(405, 'the server does not allow this method on the requested resource'));
      const checked = validateExec(state.pods, parts[3]!, parts[5]!, url.searchParams);
      return sendStatus(res, 'status' in checked ? checked : failureStatus(400, 'Upgrade request required'));
    }
    if (parts.length === 7 && path.startsWith('api/v1/namespaces/') && parts[4] === 'pods' && parts[6] === 'log') {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendStatus(res, failureStatus(405, 'the server does not allow this method on the requested resource'));
      return serveLog(req, res, state.pods, parts[3]!, parts[5]!, url.searchParams);
    }
    if (parts.length === 7 && path.startsWith('api/v1/namespaces/') && parts[4] === 'pods' && parts[6] === 'ephemeralcontainers') {
      const pod = state.pods.get(`${parts[3]}/${parts[5]}`);
      if (req.method === 'PATCH') return void patchEphemeralContainers(req, res, pod, parts[5]!);
      if (req.method === 'GET')
        return pod === undefined ? sendStatus(res, notFound('pods', parts[5]!)) : sendJson(res, 200, pod.toApiObject());
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendStatus(res, failureStatus(405, 'the server does not allow this method on the requested resource'));
    }
    switch (path) {
      case 'api':
        return sendJson(res, 200, {
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' }],
        });
      case 'apis':
        return sendJson(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
      case 'api/v1':
        return sendJson(res, 200, resourceList);
      case 'version':
        return sendJson(res, 200, {
          ...KUBERNETES_VERSION,
          gitCommit: '0000000000000000000000000000000000000000',
          gitTreeState: 'clean',
          buildDate: timestamp(state.createdAt),
          goVersion: 'go1.24.9',
          compiler: 'gc',
          platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
        });
      case 'api/v1/namespaces':
        return sendListing(req, res, url, namespaceListing());
      case 'api/v1/pods':
        return sendListing(req, res, url, podListing(undefined));
    }
    if (parts[0] === 'api' && parts[1] === 'v1' && parts[2] === 'namespaces' && parts.length >= 4) {
      const namespace = parts[3]!;
      if (parts.length === 4) {
        return state.namespaces.includes(namespace)
          ? sendObject(req, res, url, namespaceObject(namespace))
          : sendStatus(res, notFound('namespaces', namespace));
      }
      if (parts[4] === 'pods' && parts.length === 5) return sendListing(req, res, url, podListing(namespace));
      if (parts[4] === 'pods' && parts.length === 6) {
        const pod = state.pods.get(`${namespace}/${parts[5]}`);
        return pod === undefined ? sendStatus(res, notFound('pods', parts[5]!)) : sendObject(req, res, url, pod.toApiObject() as ApiObject);
      }
    }
    sendStatus(res, failureStatus(404, 'the server could not find the requested resource', {}));
  };
}
