// The pods of the local cluster: their API objects, and the directories,
// PATH and environment their commands run with. Directories are made at a
// pod's first exec, so thousands of idle pods cost only memory.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nginxWrapperScript, type PodNginx } from './nginx.js';
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

export class LocalPodRuntime {
  readonly uid = randomUUID();
  readonly createdAt = new Date();
  nginx: PodNginx | undefined;
  private prepared = false;

  constructor(
    readonly spec: PodSpec,
    private readonly root: string,
    private readonly noBashBin: () => string,
    /** The nginx prefix when this pod owns an nginx and it could be started. */
    private readonly nginxPrefix?: () => string | undefined,
  ) {}

  get namespace(): string {
    return this.spec.namespace;
  }
  get name(): string {
    return this.spec.name;
  }
  get directory(): string {
    return join(this.root, this.spec.namespace, this.spec.name);
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
    if (this.spec.containers.some((c) => c.nginx)) {
      writeFileSync(join(bin, 'nginx'), nginxWrapperScript(this.nginxPrefix?.()), { mode: 0o755 });
    }
    for (const container of this.spec.containers) {
      const home = join(this.directory, 'containers', container.name);
      mkdirSync(this.workDir(container.name), { recursive: true });
      mkdirSync(home, { recursive: true });
      // Login shells read ~/.profile: a prompt that names the pod, not the host.
      writeFileSync(join(home, '.profile'), `PS1='${this.spec.name}:\\w\\$ '\nexport PS1\n`);
    }
    this.prepared = true;
  }

  /** Where and with what environment a command of `container` runs. */
  runtime(container: ContainerSpec, hostEnv: NodeJS.ProcessEnv = process.env): ContainerRuntime {
    this.prepare();
    const podBin = join(this.directory, 'bin');
    const path = container.shells.includes('bash') ? `${podBin}:${SYSTEM_PATH}` : `${podBin}:${this.noBashBin()}`;
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

  /** The Pod object as the API server returns it. */
  toApiObject(): Record<string, unknown> {
    const { spec } = this;
    const started = this.createdAt.toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: {
        name: spec.name,
        namespace: spec.namespace,
        uid: this.uid,
        resourceVersion: '1',
        creationTimestamp: started,
        labels: spec.labels,
        ...(Object.keys(spec.annotations).length > 0 ? { annotations: spec.annotations } : {}),
      },
      spec: {
        containers: spec.containers.map((c) => ({ name: c.name, image: c.image, workingDir: this.workDir(c.name) })),
        nodeName: 'local',
        restartPolicy: 'Always',
      },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: started }],
        hostIP: '127.0.0.1',
        podIP: '127.0.0.1',
        startTime: started,
        containerStatuses: spec.containers.map((c) => ({
          name: c.name,
          image: c.image,
          imageID: '',
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: started } },
        })),
      },
    };
  }
}
