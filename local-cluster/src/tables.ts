// Server-side printing: the meta.k8s.io Table kubectl asks for with
// `Accept: application/json;as=Table;…`, so `kubectl get pods` shows the
// columns it shows against a real API server (READY, STATUS, RESTARTS, AGE).
import type { IncomingMessage } from 'node:http';

type ApiObject = { metadata: Record<string, unknown> } & Record<string, unknown>;

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const column = (name: string, description: string, priority = 0, format = ''): Column => ({
  name,
  type: 'string',
  format,
  description,
  priority,
});

const NAME_COLUMN = column('Name', 'Name must be unique within a namespace.', 0, 'name');
const AGE_COLUMN = column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

/** The Table API version the client asked for, or undefined for a plain object. */
export function requestedTableVersion(req: IncomingMessage): 'v1' | 'v1beta1' | undefined {
  for (const part of (req.headers.accept ?? '').split(',')) {
    const params = new Map<string, string>();
    for (const param of part.split(';').slice(1)) {
      const [key = '', value = ''] = param.trim().split('=');
      params.set(key, value);
    }
    if (params.get('as') !== 'Table' || params.get('g') !== 'meta.k8s.io') continue;
    const version = params.get('v');
    if (version === 'v1' || version === 'v1beta1') return version;
  }
  return undefined;
}

/** kubectl's "AGE": k8s.io/apimachinery duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

function age(object: ApiObject, now: number): string {
  const created = Date.parse(String(object.metadata.creationTimestamp));
  return Number.isNaN(created) ? '<unknown>' : humanDuration(now - created);
}

interface PodShape {
  spec: { containers: unknown[]; nodeName?: string };
  status: { phase: string; podIP?: string; containerStatuses?: Array<{ ready: boolean; restartCount: number }> };
}

const printers: Record<string, { columns: Column[]; cells(object: ApiObject, now: number): unknown[] }> = {
  Pod: {
    columns: [
      NAME_COLUMN,
      column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      column('Status', 'The aggregate status of the containers in this pod.'),
      column(
        'Restarts',
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      ),
      AGE_COLUMN,
      column('IP', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
      column('Node', 'NodeName indicates in which node this pod is scheduled.', 1),
      column('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
      column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
    ],
    cells(object, now) {
      const pod = object as unknown as PodShape;
      const statuses = pod.status.containerStatuses ?? [];
      const restarts = statuses.reduce((sum, s) => sum + s.restartCount, 0);
      return [
        object.metadata.name,
        `${statuses.filter((s) => s.ready).length}/${pod.spec.containers.length}`,
        pod.status.phase,
        String(restarts),
        age(object, now),
        pod.status.podIP ?? '<none>',
        pod.spec.nodeName ?? '<none>',
        '<none>',
        '<none>',
      ];
    },
  },
  Namespace: {
    columns: [NAME_COLUMN, column('Status', 'The status of the namespace'), AGE_COLUMN],
    cells: (object, now) => [object.metadata.name, (object.status as { phase: string }).phase, age(object, now)],
  },
};

/**
 * A Table of `objects` (one row each). Rows carry the object's metadata as a
 * PartialObjectMetadata (`includeObject=Metadata`, the default), the whole
 * object, or nothing, as asked.
 */
export function toTable(
  kind: string,
  objects: readonly ApiObject[],
  version: 'v1' | 'v1beta1',
  includeObject: string | null,
  resourceVersion = '1',
): Record<string, unknown> {
  const printer = printers[kind];
  if (printer === undefined) throw new Error(`no table printer for ${kind}`);
  const now = Date.now();
  const apiVersion = `meta.k8s.io/${version}`;
  return {
    kind: 'Table',
    apiVersion,
    metadata: { resourceVersion },
    columnDefinitions: printer.columns,
    rows: objects.map((object) => ({
      cells: printer.cells(object, now),
      object:
        includeObject === 'None'
          ? undefined
          : includeObject === 'Object'
            ? object
            : { kind: 'PartialObjectMetadata', apiVersion, metadata: object.metadata },
    })),
  };
}
