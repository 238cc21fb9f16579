// Runs a declared action on the matching pods of one cluster: check, then
// command, on every Running pod with bounded concurrency; audits each pod.
import { randomUUID } from 'node:crypto';
import type { ActionPodResult, ActionRunRequest, ActionRunResult } from '../../shared/api.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../core/principal.js';
import type { KubePod } from '../clusters/index.js';
import type { ActionConfig } from '../config/index.js';
import { GatewayError } from '../errors.js';
import type { GatewayServices } from '../services.js';
import { checkName, checkSelector } from '../core/names.js';
import type { Limiter } from './limiter.js';
import { runCommand } from './run-command.js';

export interface ActionDeps {
  services: GatewayServices;
  audit: AuditLog;
  /** Shared by every run, so a fan-out cannot open more execs than the bound. */
  limit: Limiter;
  maxOutputBytes: number;
}

/** The declared action, or 404. */
export function declaredAction(services: GatewayServices, name: string | undefined): { name: string; action: ActionConfig } {
  const actionName = checkName('action', name);
  const action = services.config.actions[actionName];
  if (action === undefined) throw new GatewayError('not_found', `action "${actionName}" is not declared`);
  return { name: actionName, action };
}

async function matchingPods(
  deps: ActionDeps,
  cluster: string,
  namespace: string,
  request: ActionRunRequest,
  action: ActionConfig,
): Promise<KubePod[]> {
  const api = deps.services.kubeApi(cluster);
  if (api === undefined) throw new GatewayError('not_found', `cluster "${cluster}" is not known`);
  if (request.pods !== undefined) {
    const pods = await Promise.all(request.pods.map((pod) => api.getPod(namespace, checkName('pod', pod))));
    const notRunning = pods.filter((pod) => pod.phase !== 'Running');
    if (notRunning.length > 0) {
      throw new GatewayError('bad_request', `pods not Running: ${notRunning.map((p) => `${p.name} (${p.phase})`).join(', ')}`);
    }
    return pods;
  }
  const selector = request.selector ?? action.selector;
  const pods = (await api.listPods(namespace, selector === undefined ? undefined : checkSelector(selector))).filter(
    (pod) => pod.phase === 'Running',
  );
  if (pods.length === 0) {
    const matching = selector === undefined ? '' : ` matching ${selector}`;
    throw new GatewayError('not_found', `no Running pod${matching} in namespace "${namespace}" of cluster "${cluster}"`);
  }
  return pods;
}

/** Runs `actionName` on one cluster for `principal`. Throws before running (400/403/404/502); otherwise reports per pod. */
export async function runAction(
  deps: ActionDeps,
  principal: Principal,
  clusterName: string,
  actionName: string,
  request: ActionRunRequest,
): Promise<ActionRunResult & { namespace: string }> {
  const { action } = declaredAction(deps.services, actionName);
  checkName('cluster', clusterName);
  const namespace = checkName('namespace', request.namespace ?? action.namespace ?? 'default');
  const decision = deps.services.policy.decide(principal, { cluster: clusterName, namespace }, actionName);
  if (!decision.allowed) throw new GatewayError('forbidden', decision.reason);
  const cluster = deps.services.clusters.get(clusterName);
  if (cluster === undefined) throw new GatewayError('not_found', `cluster "${clusterName}" is not known`);
  const pods = await matchingPods(deps, clusterName, namespace, request, action);
  const runId = randomUUID();
  const options = {
    principal,
    timeoutMs: action.timeoutSeconds * 1000,
    maxOutputBytes: deps.maxOutputBytes,
    dialTimeoutMs: deps.services.config.terminal.upstreamTimeoutSeconds * 1000,
  };

  const results = await Promise.all(
    pods.map((pod) =>
      deps.limit(async (): Promise<ActionPodResult> => {
        const started = Date.now();
        const container = action.container ?? pod.defaultContainer ?? pod.containers[0] ?? '';
        let step: 'check' | 'command' = 'command';
        let outcome;
        if (!pod.containers.includes(container)) {
          outcome = { exitCode: null, stdout: '', stderr: '', error: `pod has no container "${container}"` };
        } else {
          const target = { namespace, pod: pod.name, container };
          if (action.check !== undefined) {
            step = 'check';
            outcome = await runCommand(cluster, target, action.check, options);
          }
          // The command runs only where the check succeeded.
          if (outcome === undefined || (outcome.exitCode === 0 && outcome.error === undefined)) {
            step = 'command';
            outcome = await runCommand(cluster, target, action.command, options);
          }
        }
        const result: ActionPodResult = { pod: pod.name, container, step, ...outcome, durationMs: Date.now() - started };
        deps.audit.actionPod({
          runId,
          principal,
          action: actionName,
          cluster: clusterName,
          namespace,
          pod: pod.name,
          container,
          step,
          exitCode: result.exitCode,
          error: result.error,
          durationMs: result.durationMs,
        });
        return result;
      }),
    ),
  );
  const success = results.every((r) => r.exitCode === 0 && r.error === undefined);
  deps.audit.actionRun({ runId, principal, action: actionName, cluster: clusterName, namespace, pods: pods.map((p) => p.name), success });
  return { success, results, namespace };
}
