// The pods of the local cluster: their containers' main processes, and the
// directories, PATH and environment their commands run with (pod-object.ts
// writes them as API objects). Directories are made at a
// pod's first exec, so thousands of idle pods cost only memory.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { debugImageCommand, type EphemeralContainer } from './ephemeral-images.js';
import { MainProcess, type LaunchSpec } from './main-process.js';
import type { PodNginx } from './nginx.js';
import { hostnameProgram, loginProfile, unameProgram } from './pod-files.js';
import { podApiObject, podFields, type PodFieldValues } from './pod-object.js';
import type { ContainerSpec, PodSpec } from './spec.js';

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export interface ContainerRuntime {
  cwd: string;
  env: Record<string, string>;
}

/** What pods share: the cluster's directory and the bin directories made on demand. */
export interface PodHost {
  root: string;
  /** The PATH directory without bash (made at first use). */
  noBashBin(): string;
  /** The PATH directory without any shell (made at first use). */
  noShellBin(): string;
  /** The next resourceVersion of the cluster; called when a pod changes. */
  changed(pod: LocalPodRuntime): void;
  /** Told of each main process, by the pid that leads its session. */
  tracking: { started(pid: number): void; ended(pid: number): void };
  /** The `nginx` wrapper script for a pod that owns an nginx. */
  nginxWrapper(pod: LocalPodRuntime): string;
}

export class LocalPodRuntime {
  readonly uid = randomUUID();
  readonly createdAt = new Date();
  nginx: PodNginx | undefined;
  /** Set by the host each time the pod changes. */
  resourceVersion = '1';
  /** Main processes by container name, regular and ephemeral alike. */
  readonly mains = new Map<string, MainProcess>();
  /** spec.ephemeralContainers as stored, in the order they were added. */
  readonly ephemeralContainers: EphemeralContainer[] = [];
  private prepared = false;
  private live = false;

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

  ephemeral(name: string): EphemeralContainer | undefined {
    return this.ephemeralContainers.find((c) => c.name === name);
  }

  /** Every container name, as the API server lists them: regular, then ephemeral. */
  containerNames(): string[] {
    return [...this.spec.containers.map((c) => c.name), ...this.ephemeralContainers.map((c) => c.name)];
  }

  /** The pod's own programs (its nginx wrapper, its hostname): first on every container's PATH. */
  private get binDir(): string {
    return join(this.directory, 'bin');
  }

  /** A container's HOME, and its files. */
  private homeDir(container: string): string {
    return join(this.directory, 'containers', container);
  }

  workDir(container: string): string {
    const spec = this.container(container);
    return resolve(this.homeDir(container), spec?.workDir ?? '.');
  }

  /** Where and with what an exec in `container` (regular or ephemeral) runs. */
  execRuntime(container: string): ContainerRuntime {
    const regular = this.container(container);
    if (regular !== undefined) return this.runtime(regular);
    return this.ephemeralRuntime(this.ephemeral(container)!);
  }

  /**
   * Starts the main process of each container (a silent one for those without
   * a command). With `nginxRuns`, the pod's nginx is its container's main
   * process, adopted when it starts.
   */
  startMainProcesses(nginxRuns: boolean): void {
    for (const container of this.spec.containers) {
      const main = this.mainProcess(container.name, true);
      if (container.nginx && nginxRuns) continue;
      const runtime = container.command === undefined ? undefined : this.runtime(container);
      main.start({
        command: container.command === undefined ? undefined : [...container.command, ...container.args],
        cwd: runtime?.cwd ?? '',
        env: runtime?.env ?? {},
        stdin: container.stdin,
        tty: container.tty,
      });
    }
  }

  /** From now on a change moves the pod's resourceVersion (what happened while the cluster started is its first state). */
  markLive(): void {
    this.live = true;
  }

  /** Adds an ephemeral container (already validated) and starts it as a kubelet would: creating, then running. */
  addEphemeral(container: EphemeralContainer): void {
    this.ephemeralContainers.push(container);
    const main = this.mainProcess(container.name, false);
    this.changed();
    const command = debugImageCommand(container.image ?? '');
    setTimeout(() => {
      if (command === undefined) {
        main.wait({
          reason: 'ErrImagePull',
          message: `failed to pull and unpack image "${container.image ?? ''}": the local cluster runs only busybox, alpine, nicolaka/netshoot, ubuntu and debian images, as local shells`,
        });
        return;
      }
      main.wait({ reason: 'ContainerCreating' });
      setTimeout(() => {
        const runtime = this.ephemeralRuntime(container);
        const launch: LaunchSpec = {
          command:
            container.command !== undefined ? [...container.command, ...(container.args ?? [])] : [...command, ...(container.args ?? [])],
          cwd: runtime.cwd,
          env: runtime.env,
          stdin: container.stdin === true,
          tty: container.tty === true,
        };
        main.start(launch);
      }, 100).unref();
    }, 50).unref();
  }

  private mainProcess(name: string, restart: boolean): MainProcess {
    const main = new MainProcess({ restart, changed: () => this.changed(), tracking: this.host.tracking });
    this.mains.set(name, main);
    return main;
  }

  private changed(): void {
    if (this.live) this.host.changed(this);
  }

  /**
   * An ephemeral container runs in its target's directory and environment, the
   * nearest a local process gets to sharing its process namespace; TARGET_ROOT
   * names the target's directory, where `/proc/1/root` would lead in a real pod.
   */
  private ephemeralRuntime(container: EphemeralContainer): ContainerRuntime {
    this.prepare();
    const home = join(this.directory, 'ephemeral', container.name);
    mkdirSync(home, { recursive: true });
    const target = container.targetContainerName === undefined ? undefined : this.container(container.targetContainerName);
    const base = target === undefined ? undefined : this.runtime(target);
    const env: Record<string, string> = {
      ...(base?.env ?? {}),
      PATH: [this.binDir, SYSTEM_PATH].join(':'),
      HOSTNAME: this.spec.name,
      HOME: home,
      TERM: 'xterm-256color',
      LANG: base?.env.LANG ?? process.env.LANG ?? 'C.UTF-8',
      POD_NAME: this.spec.name,
      POD_NAMESPACE: this.spec.namespace,
      ...Object.fromEntries((container.env ?? []).filter((e) => typeof e.value === 'string').map((e) => [e.name, e.value!])),
    };
    if (target !== undefined) {
      env.TARGET_CONTAINER = target.name;
      env.TARGET_ROOT = this.homeDir(target.name);
    }
    return { cwd: base?.cwd ?? home, env };
  }

  /** Makes the pod's directories and bin on first use. */
  private prepare(): void {
    if (this.prepared) return;
    const bin = this.binDir;
    mkdirSync(bin, { recursive: true });
    if (this.ownsNginx) writeFileSync(join(bin, 'nginx'), this.host.nginxWrapper(this), { mode: 0o755 });
    writeFileSync(join(bin, 'hostname'), hostnameProgram(this.spec.name), { mode: 0o755 });
    writeFileSync(join(bin, 'uname'), unameProgram(this.spec.name), { mode: 0o755 });
    for (const container of this.spec.containers) {
      const home = this.homeDir(container.name);
      mkdirSync(this.workDir(container.name), { recursive: true });
      mkdirSync(home, { recursive: true });
      // Login shells read ~/.profile after /etc/profile, which sets the host's PATH.
      writeFileSync(join(home, '.profile'), loginProfile(this.spec.name, this.containerPath(container)));
    }
    this.prepared = true;
  }

  /** The pod's bin first, then the container's own additions, then the system's programs it has. */
  private containerPath(container: ContainerSpec): string {
    const system =
      container.shells.length === 0 ? this.host.noShellBin() : container.shells.includes('bash') ? SYSTEM_PATH : this.host.noBashBin();
    return [this.binDir, ...container.path, system].join(':');
  }

  /** Where and with what environment a command of `container` runs. */
  runtime(container: ContainerSpec, hostEnv: NodeJS.ProcessEnv = process.env): ContainerRuntime {
    this.prepare();
    return {
      cwd: this.workDir(container.name),
      env: {
        PATH: this.containerPath(container),
        HOSTNAME: this.spec.name,
        HOME: this.homeDir(container.name),
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
  fields(): PodFieldValues {
    return podFields(this.spec);
  }

  /** The Pod object as the API server returns it. */
  toApiObject(): Record<string, unknown> {
    return podApiObject(this);
  }
}
