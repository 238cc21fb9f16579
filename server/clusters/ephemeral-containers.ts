// Ephemeral (debug) containers: added with a PATCH of pods/ephemeralcontainers
// that carries the pod's resourceVersion, so a concurrent change to the pod is
// never overwritten (409 Conflict → read the pod again and retry), then
// watched by polling the pod until the container runs.
import { randomInt } from 'node:crypto';
import type { Principal } from '../core/principal.js';
import type { PodTarget } from '../core/target.js';
import { GatewayError } from '../errors.js';
import type { Cluster } from './cluster.js';
import { clusterRequest } from './cluster-request.js';
import { classifyUpgradeRefusal } from './dial-errors.js';

export interface DebugContainerRequest {
  image: string;
  /** The container whose process namespace the debug container joins; the pod's first when unset. */
  target?: string;
}

export interface RequestContext {
  principal?: Principal;
  /** Bounds each request to the API server. */
  timeoutMs: number;
  signal?: AbortSignal;
}

interface ContainerState {
  running?: unknown;
  waiting?: { reason?: string; message?: string };
  terminated?: { reason?: string; message?: string; exitCode?: number };
}

interface PodObject {
  metadata?: { resourceVersion?: string };
  spec?: { containers?: Array<{ name?: string }>; ephemeralContainers?: Array<{ name?: string }> };
  status?: { ephemeralContainerStatuses?: Array<{ name?: string; state?: ContainerState }> };
}

const CONFLICT_RETRIES = 5;
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `debugger-` and five characters, as kubectl debug names its containers. */
export function debugContainerName(): string {
  let suffix = '';
  for (let i = 0; i < 5; i += 1) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return `debugger-${suffix}`;
}

const podPath = (target: Pick<PodTarget, 'namespace' | 'pod'>) =>
  `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}`;

function parseJson<T>(body: Buffer, cluster: string): T {
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch (error) {
    throw new GatewayError('upstream_error', `cluster "${cluster}" sent an answer that is not JSON`, { cause: error });
  }
}

async function getPod(cluster: Cluster, target: PodTarget, context: RequestContext): Promise<PodObject> {
  const answer = await clusterRequest(cluster, { path: podPath(target), headers: { Accept: 'application/json' }, ...context });
  if (answer.status !== 200) throw classifyUpgradeRefusal(answer.status, answer.body.toString('utf8'), cluster.name);
  return parseJson<PodObject>(answer.body, cluster.name);
}

/** The refusal of the PATCH in words: an API server without the subresource, RBAC, validation. */
function patchRefusal(status: number, body: string, cluster: string): GatewayError {
  if (status === 404 || status === 405 || status === 415) {
    let detail = body.trim().slice(0, 300);
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') detail = parsed.message;
    } catch {
      // Plain text: shown as it is.
    }
    return new GatewayError(
      'upstream_error',
      `cluster "${cluster}" does not serve ephemeral containers (pods/ephemeralcontainers, Kubernetes 1.25 or newer): ${detail || `HTTP ${status}`}`,
      { status: 501, cause: new Error(`PATCH ephemeralcontainers answered ${status}: ${body.slice(0, 500)}`) },
    );
  }
  if (status === 422) return classifyUpgradeRefusal(400, body, cluster);
  return classifyUpgradeRefusal(status, body, cluster);
}

/**
 * Adds a debug container (stdin and tty, so it can be attached to) and
 * returns its name and target once the API server accepted it.
 */
export async function addDebugContainer(
  cluster: Cluster,
  target: PodTarget,
  request: DebugContainerRequest,
  context: RequestContext,
): Promise<{ container: string; target: string }> {
  for (let attempt = 0; ; attempt += 1) {
    const pod = await getPod(cluster, target, context);
    const containers = (pod.spec?.containers ?? []).map((c) => c.name ?? '').filter((n) => n !== '');
    const targetName = request.target ?? containers[0];
    if (targetName === undefined || !containers.includes(targetName)) {
      throw new GatewayError(
        'bad_request',
        `container ${JSON.stringify(targetName ?? '')} is not a container of pod "${target.pod}"; choose one of: ${containers.join(', ')}`,
      );
    }
    const taken = new Set([...containers, ...(pod.spec?.ephemeralContainers ?? []).map((c) => c.name)]);
    let name = debugContainerName();
    while (taken.has(name)) name = debugContainerName();
    const patch = {
      // The precondition: the API server refuses the patch with 409 if the pod changed since it was read.
      metadata: { resourceVersion: pod.metadata?.resourceVersion },
      spec: {
        ephemeralContainers: [
          {
            name,
            image: request.image,
            targetContainerName: targetName,
            stdin: true,
            tty: true,
            imagePullPolicy: 'IfNotPresent',
            terminationMessagePolicy: 'File',
          },
        ],
      },
    };
    const answer = await clusterRequest(cluster, {
      method: 'PATCH',
      path: `${podPath(target)}/ephemeralcontainers`,
      headers: { 'Content-Type': 'application/strategic-merge-patch+json', Accept: 'application/json' },
      body: JSON.stringify(patch),
      ...context,
    });
    if (answer.status === 200 || answer.status === 201) return { container: name, target: targetName };
    if (answer.status === 409 && attempt < CONFLICT_RETRIES) continue;
    if (answer.status === 409) {
      throw new GatewayError('upstream_error', `pod "${target.pod}" kept changing while the debug container was added; try again`, {
        status: 409,
      });
    }
    throw patchRefusal(answer.status, answer.body.toString('utf8'), cluster.name);
  }
}

/** A container state in words: "waiting (ErrImagePull: …)", "terminated (Error, exit code 1)". */
export function describeState(state: ContainerState | undefined): string {
  if (state === undefined) return 'no status reported yet';
  if (state.running !== undefined) return 'running';
  if (state.waiting !== undefined) {
    const { reason, message } = state.waiting;
    return `waiting${reason === undefined ? '' : ` (${reason}${message === undefined ? '' : `: ${message}`})`}`;
  }
  if (state.terminated !== undefined) {
    const { reason, exitCode, message } = state.terminated;
    const parts = [reason, exitCode === undefined ? undefined : `exit code ${exitCode}`, message].filter((p) => p !== undefined);
    return `terminated${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
  }
  return 'no status reported yet';
}

/**
 * Polls the pod until the ephemeral container `name` runs. Rejects with 504
 * and its last state when `timeoutMs` passes first, and at once when it ended.
 */
export async function waitForDebugContainer(
  cluster: Cluster,
  target: PodTarget,
  name: string,
  timeoutMs: number,
  context: RequestContext,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  let last: ContainerState | undefined;
  for (;;) {
    const left = deadline - Date.now();
    const pod = await getPod(cluster, target, { ...context, timeoutMs: Math.max(1, Math.min(context.timeoutMs, left)) }).catch(
      (error: unknown) => {
        if (error instanceof GatewayError && error.code === 'upstream_timeout' && Date.now() >= deadline) return undefined;
        throw error;
      },
    );
    // A poll cut by the deadline leaves the state seen before.
    const state = pod === undefined ? last : pod.status?.ephemeralContainerStatuses?.find((s) => s.name === name)?.state;
    last = state;
    if (state?.running !== undefined) return;
    if (state?.terminated !== undefined) {
      throw new GatewayError('upstream_error', `debug container "${name}" ended before it could be attached: ${describeState(state)}`);
    }
    if (Date.now() >= deadline) {
      throw new GatewayError(
        'upstream_timeout',
        `debug container "${name}" did not start within ${Math.round(timeoutMs / 1000)} s: ${describeState(state)}`,
      );
    }
    if (context.signal?.aborted === true) throw new GatewayError('upstream_error', 'the request ended before the container ran');
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 1000);
  }
}
