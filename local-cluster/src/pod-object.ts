// A local pod as the API server writes it: the Pod object (empty maps left
// out, as Go's omitempty does) and the values its fields are selected on.
import type { EphemeralContainer } from './ephemeral-images.js';
import type { MainProcess } from './main-process.js';
import type { PodSpec } from './spec.js';

/** The fields a pod list can be filtered on (`fieldSelector`), as the API server supports them. */
export const POD_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.schedulerName',
  'spec.serviceAccountName',
  'spec.hostNetwork',
  'status.phase',
  'status.podIP',
  'status.podIPs',
  'status.nominatedNodeName',
] as const;

export type PodFieldValues = Record<(typeof POD_FIELDS)[number], string>;

/** What the Pod object is written from. */
export interface PodView {
  readonly spec: PodSpec;
  readonly uid: string;
  readonly createdAt: Date;
  readonly resourceVersion: string;
  readonly mains: ReadonlyMap<string, MainProcess>;
  readonly ephemeralContainers: readonly EphemeralContainer[];
  workDir(container: string): string;
}

/** Values of the pod's selectable fields. */
export function podFields(spec: PodSpec): PodFieldValues {
  return {
    'metadata.name': spec.name,
    'metadata.namespace': spec.namespace,
    'spec.nodeName': 'local',
    'spec.restartPolicy': 'Always',
    'spec.schedulerName': 'default-scheduler',
    'spec.serviceAccountName': 'default',
    'spec.hostNetwork': 'false',
    'status.phase': 'Running',
    'status.podIP': '127.0.0.1',
    'status.podIPs': '127.0.0.1',
    'status.nominatedNodeName': '',
  };
}

/** The Pod object as the API server returns it (empty maps left out, as Go's omitempty does). */
export function podApiObject(pod: PodView): Record<string, unknown> {
  const { spec } = pod;
  const started = pod.createdAt.toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: started });
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      uid: pod.uid,
      resourceVersion: pod.resourceVersion,
      creationTimestamp: started,
      ...(Object.keys(spec.labels).length > 0 ? { labels: spec.labels } : {}),
      ...(Object.keys(spec.annotations).length > 0 ? { annotations: spec.annotations } : {}),
    },
    spec: {
      containers: spec.containers.map((c) => ({
        name: c.name,
        image: c.image,
        ...(c.command === undefined ? {} : { command: c.command }),
        ...(c.args.length === 0 ? {} : { args: c.args }),
        workingDir: pod.workDir(c.name),
        ...(Object.keys(c.env).length > 0 ? { env: Object.entries(c.env).map(([name, value]) => ({ name, value })) } : {}),
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
        ...(c.stdin ? { stdin: true } : {}),
        ...(c.tty ? { tty: true } : {}),
      })),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      serviceAccount: 'default',
      nodeName: 'local',
      securityContext: {},
      schedulerName: 'default-scheduler',
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      ...(pod.ephemeralContainers.length > 0 ? { ephemeralContainers: pod.ephemeralContainers } : {}),
    },
    status: {
      phase: 'Running',
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
      hostIP: '127.0.0.1',
      hostIPs: [{ ip: '127.0.0.1' }],
      podIP: '127.0.0.1',
      podIPs: [{ ip: '127.0.0.1' }],
      startTime: started,
      containerStatuses: spec.containers.map((c) => ({
        name: c.name,
        ...mainStatus(pod, c.name, started),
        image: c.image,
        imageID: `${c.image}@sha256:${'0'.repeat(64)}`,
      })),
      ...(pod.ephemeralContainers.length > 0
        ? {
            ephemeralContainerStatuses: pod.ephemeralContainers.map((c) => {
              // An ephemeral container is never ready, and has no started flag (no probes).
              const { ready: _ready, started: _started, ...status } = mainStatus(pod, c.name, started);
              const running = 'running' in (status.state as object) || 'terminated' in (status.state as object);
              return {
                name: c.name,
                ...status,
                ready: false,
                image: c.image,
                imageID: running ? `${c.image}@sha256:${'0'.repeat(64)}` : '',
              };
            }),
          }
        : {}),
      qosClass: 'BestEffort',
    },
  };
}

/** A container's status, from its main process. */
function mainStatus(pod: PodView, name: string, started: string): Record<string, unknown> {
  const main = pod.mains.get(name);
  // A pod that nobody started (a LocalPodRuntime outside a cluster) shows its containers running.
  return main?.status() ?? { state: { running: { startedAt: started } }, lastState: {}, ready: true, restartCount: 0, started: true };
}
