// A container's main process, as a container runtime runs it: started with
// the container, its output kept in the container's log, shared by every
// attached client, and (for a pod's regular containers) restarted with a
// back-off when it ends. A container without a command has a main process
// that never says anything, like `sleep infinity`.
import { randomBytes } from 'node:crypto';
import { ContainerLog } from './container-log.js';
import { startProcess, type LocalProcess, type ProcessResult } from './processes.js';

export interface LaunchSpec {
  /** The argv; undefined for a container that only sleeps. */
  command: string[] | undefined;
  cwd: string;
  env: Record<string, string>;
  stdin: boolean;
  tty: boolean;
}

/** A client attached to the main process. */
export interface Attacher {
  output(stream: 'stdout' | 'stderr', data: Buffer): void;
  /** The process ended (its output is all out). */
  ended(result: ProcessResult): void;
}

type Waiting = { reason: string; message?: string };

/** One run of the container (a containerID in the runtime's words). */
export interface ContainerRun {
  id: string;
  log: ContainerLog;
  startedAt: Date;
  finished?: { at: Date; result: ProcessResult };
}

export interface MainProcessOptions {
  /** Restarted when it ends (restartPolicy Always); ephemeral containers never are. */
  restart: boolean;
  /** Told of every change of state, so the pod's resourceVersion moves. */
  changed(): void;
  tracking: { started(pid: number): void; ended(pid: number): void };
}

const timestamp = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');
/** The kubelet's back-off starts at 10 s and doubles to 5 min; the local cluster's is shorter, so a test sees a restart. */
const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 30_000;

export class MainProcess {
  current: ContainerRun | undefined;
  lastTerminated: ContainerRun | undefined;
  restartCount = 0;
  waiting: Waiting | undefined = { reason: 'ContainerCreating' };
  private process: LocalProcess | undefined;
  private readonly attachers = new Set<Attacher>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private launchSpec: LaunchSpec | undefined;

  constructor(private readonly options: MainProcessOptions) {}

  get running(): boolean {
    return this.current !== undefined && this.current.finished === undefined;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Stays waiting with this reason (an image that cannot be pulled). */
  wait(waiting: Waiting): void {
    this.waiting = waiting;
    this.options.changed();
  }

  /** Starts the main process (again, after a restart). */
  start(spec: LaunchSpec): void {
    if (this.stopped) return;
    this.launchSpec = spec;
    this.waiting = undefined;
    if (this.current !== undefined) {
      this.lastTerminated = this.current;
      this.restartCount += 1;
    }
    const run: ContainerRun = { id: randomBytes(32).toString('hex'), log: new ContainerLog(), startedAt: new Date() };
    this.current = run;
    if (spec.command === undefined) {
      this.options.changed();
      return;
    }
    let pid: number | undefined;
    const exited = (result: ProcessResult) => {
      if (pid !== undefined) this.options.tracking.ended(pid);
      this.process = undefined;
      run.log.close();
      run.finished = { at: new Date(), result };
      for (const attacher of [...this.attachers]) attacher.ended(result);
      this.attachers.clear();
      this.options.changed();
      if (this.options.restart && !this.stopped) this.scheduleRestart();
    };
    try {
      this.process = startProcess(
        { command: spec.command, cwd: spec.cwd, env: spec.env, tty: spec.tty, stdin: spec.stdin },
        {
          stdout: (data) => this.output(run, 'stdout', data),
          stderr: (data) => this.output(run, 'stderr', data),
          exit: exited,
        },
      );
      pid = this.process.pid;
      this.options.tracking.started(pid);
    } catch (error) {
      exited({ error: (error as Error).message });
      return;
    }
    this.options.changed();
  }

  /**
   * Takes a process someone else started (the pod's nginx) as the main
   * process: its output and its end are fed in through the events returned.
   * It is not restarted.
   */
  adopt(pid: number): { output(stream: 'stdout' | 'stderr', data: Buffer): void; exit(result: ProcessResult): void } {
    this.waiting = undefined;
    const run: ContainerRun = { id: randomBytes(32).toString('hex'), log: new ContainerLog(), startedAt: new Date() };
    this.current = run;
    this.options.tracking.started(pid);
    this.options.changed();
    return {
      output: (stream, data) => this.output(run, stream, data),
      exit: (result) => {
        this.options.tracking.ended(pid);
        run.log.close();
        run.finished = { at: new Date(), result };
        for (const attacher of [...this.attachers]) attacher.ended(result);
        this.attachers.clear();
        this.options.changed();
      },
    };
  }

  private output(run: ContainerRun, stream: 'stdout' | 'stderr', data: Buffer): void {
    run.log.write(stream, data);
    for (const attacher of this.attachers) attacher.output(stream, data);
  }

  private scheduleRestart(): void {
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** this.restartCount);
    this.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container` };
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.launchSpec !== undefined) this.start(this.launchSpec);
    }, delay);
    this.timer.unref();
  }

  /** Adds a client; undefined when the container is not running. Returns how to detach. */
  attach(attacher: Attacher): (() => void) | undefined {
    if (!this.running) return undefined;
    this.attachers.add(attacher);
    return () => void this.attachers.delete(attacher);
  }

  /** Input from an attached client; dropped when the container was not started with stdin, as a runtime drops it. */
  writeStdin(data: Buffer): void {
    if (this.launchSpec?.stdin === true) this.process?.writeStdin(data, () => undefined);
  }

  resize(cols: number, rows: number): void {
    if (this.launchSpec?.tty === true) this.process?.resize(cols, rows);
  }

  /** No restart follows from now on; with `kill`, the process ends (the cluster stops). */
  stop(kill = true): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (kill) this.process?.kill();
  }

  /** state, lastState and the rest of a ContainerStatus, as the kubelet reports them. */
  status(): Record<string, unknown> {
    const { current } = this;
    const terminated = (run: ContainerRun) => {
      const result = run.finished!.result;
      const exitCode = 'code' in result ? result.code : 128;
      return {
        terminated: {
          exitCode,
          reason: 'error' in result ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error',
          ...('error' in result ? { message: result.error } : {}),
          startedAt: timestamp(run.startedAt),
          finishedAt: timestamp(run.finished!.at),
          containerID: `containerd://${run.id}`,
        },
      };
    };
    let state: Record<string, unknown>;
    if (this.waiting !== undefined) state = { waiting: this.waiting };
    else if (current === undefined) state = { waiting: { reason: 'ContainerCreating' } };
    else if (current.finished === undefined) state = { running: { startedAt: timestamp(current.startedAt) } };
    else state = terminated(current);
    const shown = this.waiting !== undefined && current?.finished !== undefined ? current : this.lastTerminated;
    return {
      state,
      lastState: shown?.finished === undefined ? {} : terminated(shown),
      ready: this.running,
      restartCount: this.restartCount,
      ...(current === undefined || (this.waiting !== undefined && current.finished !== undefined)
        ? {}
        : { containerID: `containerd://${current.id}` }),
      started: this.running,
    };
  }
}
