// Opening a session, the same for the terminal and the kubectl endpoint:
// first everything that can refuse (draining, names, policy, cluster, quota)
// before the endpoint builds anything; then recording → dial → attach.
import type { Logger } from 'pino';
import type { Cluster } from '../clusters/index.js';
import { dialExec } from '../clusters/dial-exec.js';
import type { GatewayConfig } from '../config/index.js';
import { checkPodTarget } from '../core/names.js';
import type { Principal } from '../core/principal.js';
import type { ExecTarget } from '../core/target.js';
import { GatewayError } from '../errors.js';
import type { SessionObserver } from '../exec/terminal-session.js';
import type { RecordingStarter, SessionRecording } from '../recording/recording.js';
import type { GatewayServices } from '../services.js';
import type { SessionRegistry } from './registry.js';
import type { UserQuota } from './user-quota.js';
import type { WatchRegistry } from './watching/watch-registry.js';

export interface SessionDeps {
  services: GatewayServices;
  registry: SessionRegistry;
  quota: UserQuota;
  recorder?: RecordingStarter;
  /** The sessions viewers may watch (terminal sessions only). */
  watching?: WatchRegistry;
}

/** A session every check let through: the quota slot is held until `release`. */
export interface Admission {
  principal: Principal;
  target: ExecTarget;
  cluster: Cluster;
  /** The global session limits with the allowing rule's over them. */
  limits: GatewayConfig['sessions'];
  /** The allowing rule asks for a recording. */
  record: boolean;
  release(): void;
}

/** How an endpoint words its refusals (kubectl's read like the API server's). */
export interface RefusalWords {
  forbidden?(principal: Principal, target: ExecTarget, reason: string): string;
  unknownCluster?(cluster: string): string;
}

/** What a session runs: a command (exec), or the container's main process (attach). */
export type SessionKind = 'exec' | 'attach';

/** The policy verbs that allow each kind of session, any one of them enough. */
export const sessionVerbs: Readonly<Record<SessionKind, readonly string[]>> = { exec: ['exec'], attach: ['exec', 'debug'] };

/** The policy's decision for any of `verbs`: the first that allows, else the refusal of the first. */
export function decideAny(services: GatewayServices, principal: Principal, target: ExecTarget, verbs: readonly string[]) {
  const decisions = verbs.map((verb) => services.policy.decide(principal, target, verb));
  return decisions.find((d) => d.allowed) ?? decisions[0]!;
}

/**
 * Decides everything that can refuse a session, in the order a client is
 * told: draining, names, policy, cluster, quota. Throws a GatewayError;
 * nothing exists yet that would need tearing down.
 */
export function admitSession(
  deps: SessionDeps,
  principal: Principal,
  target: ExecTarget,
  words: RefusalWords = {},
  kind: SessionKind = 'exec',
): Admission {
  const { services } = deps;
  checkPodTarget(target);
  if (deps.registry.draining) throw new GatewayError('draining', 'the gateway is shutting down; try again');
  const decision = decideAny(services, principal, target, sessionVerbs[kind]);
  if (!decision.allowed) throw new GatewayError('forbidden', words.forbidden?.(principal, target, decision.reason) ?? decision.reason);
  const cluster = services.clusters.get(target.cluster);
  if (cluster === undefined)
    throw new GatewayError('not_found', words.unknownCluster?.(target.cluster) ?? `cluster "${target.cluster}" is not known`);
  const limits = { ...services.config.sessions, ...decision.rule.limits };
  const release = deps.quota.acquire(principal.sub, limits.maxSessionsPerUser);
  return { principal, target, cluster, limits, record: decision.rule.record === true, release };
}

/**
 * An attach target completed from the pod: the container (the default one
 * when none is named) and its TTY as it was started, ephemeral containers
 * included. A pod or container that does not exist refuses the session.
 */
export async function attachTarget(deps: SessionDeps, target: ExecTarget): Promise<ExecTarget> {
  const api = deps.services.kubeApi(target.cluster);
  if (api === undefined) throw new GatewayError('not_found', `cluster "${target.cluster}" is not known`);
  const pod = await api.getPod(target.namespace, target.pod);
  const container = target.container ?? pod.defaultContainer ?? pod.containers[0];
  if (container === undefined || !Object.hasOwn(pod.tty, container)) {
    const names = [...pod.containers, ...pod.ephemeralContainers.map((c) => c.name)];
    throw new GatewayError(
      'not_found',
      `container ${JSON.stringify(container ?? '')} is not valid for pod "${target.pod}"; choose one of: ${names.join(', ')}`,
    );
  }
  return { ...target, container, command: [], tty: pod.tty[container] === true };
}

export interface DialRequest {
  /** The exec path and query on the API server. */
  path: string;
  /** Subprotocols to offer, in order (the client's, for kubectl); v5 then v4 by default. */
  protocols?: readonly string[];
  signal?: AbortSignal;
}

/** Dials the pod exec with the cluster's credentials, timing it for the metrics. */
export async function dialSession(deps: SessionDeps, admission: Admission, request: DialRequest, onDialled?: (seconds: number) => void) {
  const started = performance.now();
  const upstream = await dialExec(admission.cluster, request.path, {
    principal: admission.principal,
    timeoutMs: deps.services.config.terminal.upstreamTimeoutSeconds * 1000,
    protocols: request.protocols,
    signal: request.signal,
  });
  onDialled?.((performance.now() - started) / 1000);
  return upstream;
}

export interface RecordingEvents {
  /** A recording failed and the policy (recording.failure: open) lets the session go on. */
  failedOpen(error: Error): void;
  /** A recording failed after the start and the policy ends the session. */
  failedClosed(failure: GatewayError): void;
}

/** Starts the recording an admission asks for; a failure before the start refuses unless recording.failure is open. */
export async function startRecording(
  deps: SessionDeps,
  admission: Admission,
  sessionId: string,
  observe: (observer: SessionObserver) => void,
  events: RecordingEvents,
  logger: Logger,
): Promise<SessionRecording | undefined> {
  if (!admission.record) return undefined;
  const failClosed = deps.services.config.recording?.failure !== 'open';
  const recordingFailed = (error: unknown): GatewayError =>
    new GatewayError('recording_failed', 'this session must be recorded, and the recording cannot be written', { cause: error });
  if (deps.recorder === undefined) throw recordingFailed(new Error('no recorder configured'));
  const { principal, target } = admission;
  let recording: SessionRecording;
  try {
    recording = await deps.recorder.start({
      sessionId,
      user: principal.sub,
      groups: [...principal.groups],
      cluster: target.cluster,
      namespace: target.namespace,
      pod: target.pod,
      container: target.container,
      command: target.command,
      cols: 80,
      rows: 24,
      startedAt: new Date(),
    });
  } catch (error) {
    logger.error({ err: error }, 'the recording cannot be started');
    if (failClosed) throw recordingFailed(error);
    events.failedOpen(error as Error);
    return undefined;
  }
  observe(recording);
  recording.onError((error) => {
    logger.error({ err: error }, 'the recording failed');
    if (failClosed) events.failedClosed(recordingFailed(error));
    else events.failedOpen(error);
  });
  return recording;
}
