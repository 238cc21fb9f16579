// The pods of the local cluster: their API objects, and the directories,
// PATH and environment their commands run with. Directories are made at a
// pod's first exec, so thousands of idle pods cost only memory.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PodNginx } from './nginx.js';
import type { ContainerSpec, PodSpec } from './spec.js';

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SYSTEM_BIN_DIRS = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'];
const BASH_NAMES = new Set(['bash', 'rbash', 'bashbug']);

/**
 * A bin directory with every system program but bash: the PATH of a container
 * that has only sh, so `command -v bash` fails there as in an Alpine image.
 */
export function createNoBashBin(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const linked = new Set<string>();
  for (const source of SYSTEM_BIN_DIRS) {
    let names: string[];
    try {
      names = readdirSync(source);
    } catch {
      continue;
    }
    for (const name of names) {
      if (BASH_NAMES.has(name) || linked.has(name)) continue;
      linked.add(name);
      try {
        symlinkSync(join(source, name), join(dir, name));
      } catch {
        // A name present twice (merged /usr) is linked once.
      }
    }
  }
  return dir;
}

export interface ContainerRuntime {
  cwd: string;
  env: Record<string, string>;
}

/** What pods share: the cluster's directory and the bin directories made on demand. */
export interface PodHost {
  root: string;
  /** The PATH directory without bash (made at first use). */
  noBashBin(): string;
  /** The `nginx` wrapper script for a pod that owns an nginx. */
  nginxWrapper(pod: LocalPodRuntime): string;
}

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

export class LocalPodRuntime {
  readonly uid = randomUUID();
  readonly createdAt = new Date();
  nginx: PodNginx | undefined;
  private prepared = false;

  constructor(
    readonly spec: PodSpec,
    private readonly host: PodHost,
  ) {}

  get ownsNginx(): boolean {
    return this.spec.containers.some((c) => c.nginx);
  }

  get namespace(): string {
    return this.spec.namespace;
  }
  get name(): string {
    return this.spec.name;
  }
  get directory(): string {
    return join(this.host.root, this.spec.namespace, this.spec.name);
  }

  container(name: string): ContainerSpec | undefined {
    return this.spec.containers.find((c) => c.name === name);
  }

  workDir(container: string): string {
    const spec = this.container(container);
    return resolve(join(this.directory, 'containers', container), spec?.workDir ?? '.');
  }

  /** Makes the pod's directories and bin on first use. */
  private prepare(): void {
    if (this.prepared) return;
    const bin = join(this.directory, 'bin');
    mkdirSync(bin, { recursive: true });
    if (this.ownsNginx) writeFileSync(join(bin, 'nginx'), this.host.nginxWrapper(this), { mode: 0o755 });
    for (const container of this.spec.containers) {
      const home = join(this.directory, 'containers', container.name);
      mkdirSync(this.workDir(container.name), { recursive: true });
      mkdirSync(home, { recursive: true });
      // Login shells read ~/.profile: a prompt that names the pod, not the host,
      // in each shell's own syntax (sh expands only parameters, not bash's \w).
      writeFileSync(join(home, '.profile'), promptProfile(this.spec.name));
    }
    this.prepared = true;
  }

  /** Where and with what environment a command of `container` runs. */
  runtime(container: ContainerSpec, hostEnv: NodeJS.ProcessEnv = process.env): ContainerRuntime {
    this.prepare();
    const podBin = join(this.directory, 'bin');
    // The pod's bin first (its nginx wrapper), then the container's own additions.
    const system = container.shells.includes('bash') ? SYSTEM_PATH : this.host.noBashBin();
    const path = [podBin, ...container.path, system].join(':');
    return {
      cwd: this.workDir(container.name),
      env: {
        PATH: path,
        HOSTNAME: this.spec.name,
        HOME: join(this.directory, 'containers', container.name),
        TERM: 'xterm-256color',
        LANG: hostEnv.LANG ?? 'C.UTF-8',
        POD_NAME: this.spec.name,
        POD_NAMESPACE: this.spec.namespace,
        KUBERNETES_SERVICE_HOST: '127.0.0.1',
        ...container.env,
      },
    };
  }

  /** Values of the pod's selectable fields. */
  fields(): Record<(typeof POD_FIELDS)[number], string> {
    return {
      'metadata.name': this.spec.name,
      'metadata.namespace': this.spec.namespace,
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
  toApiObject(): Record<string, unknown> {
    const { spec } = this;
    const started = this.createdAt.toISOString().replace(/\.\d+Z$/, 'Z');
    const condition = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: started });
    return {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: {
        name: spec.name,
        namespace: spec.namespace,
        uid: this.uid,
        resourceVersion: '1',
        creationTimestamp: started,
        ...(Object.keys(spec.labels).length > 0 ? { labels: spec.labels } : {}),
        ...(Object.keys(spec.annotations).length > 0 ? { annotations: spec.annotations } : {}),
      },
      spec: {
        containers: spec.containers.map((c) => ({
          name: c.name,
          image: c.image,
          workingDir: this.workDir(c.name),
          ...(Object.keys(c.env).length > 0 ? { env: Object.entries(c.env).map(([name, value]) => ({ name, value })) } : {}),
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
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
      },
      status: {
        phase: 'Running',
        conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
        hostIP: '127.0.0.1',
        hostIPs: [{ ip: '127.0.0.1' }],
        podIP: '127.0.0.1',
        podIPs: [{ ip: '127.0.0.1' }],
        startTime: started,
        containerStatuses: spec.containers.map((c, i) => ({
          name: c.name,
          state: { running: { startedAt: started } },
          lastState: {},
          ready: true,
          restartCount: 0,
          image: c.image,
          imageID: `${c.image}@sha256:${'0'.repeat(64)}`,
          containerID: `local://${this.uid.replace(/-/g, '')}${String(i).padStart(4, '0')}`,
          started: true,
        })),
        qosClass: 'BestEffort',
      },
    };
  }
}

/** ~/.profile's prompt: `pod:/dir$ ` in bash and in sh alike; not exported, since each shell has its own syntax. */
export function promptProfile(pod: string): string {
  return ['if [ -n "$BASH_VERSION" ]; then', `  PS1='${pod}:\\w\\$ '`, 'else', `  PS1='${pod}:$PWD$ '`, 'fi', ''].join('\n');
}
