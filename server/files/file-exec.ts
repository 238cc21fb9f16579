// Admits a file transfer (names, policy verb `files`, cluster) and opens its
// execs in the pod: the one dial of the gateway, behind an ExecStream.
import type { Principal } from '../core/principal.js';
import type { Cluster } from '../clusters/index.js';
import { dialExec, execPath } from '../clusters/dial-exec.js';
import { checkName, checkPodTarget } from '../core/names.js';
import type { PodTarget } from '../core/target.js';
import { GatewayError } from '../errors.js';
import { ExecStream } from '../exec/exec-stream.js';
import type { ExecStatus } from '../exec/channels.js';
import type { GatewayServices } from '../services.js';
import { exitFailure, statusFailure } from './failures.js';

/** A transfer every check let through. */
export interface FileTarget extends PodTarget {
  container?: string;
}

export interface TransferAdmission {
  principal: Principal;
  target: FileTarget;
  cluster: Cluster;
}

/** Refuses before anything is dialled: bad names 400, no `files` grant 403, unknown cluster 404. */
export function admitTransfer(services: GatewayServices, principal: Principal, target: FileTarget): TransferAdmission {
  checkPodTarget(target);
  if (target.container !== undefined) checkName('container', target.container);
  const decision = services.policy.decide(principal, target, 'files');
  if (!decision.allowed) {
    throw new GatewayError(
      'forbidden',
      `user "${principal.sub}" may not transfer files in namespace "${target.namespace}" of cluster "${target.cluster}"`,
    );
  }
  const cluster = services.clusters.get(target.cluster);
  if (cluster === undefined) throw new GatewayError('not_found', `cluster "${target.cluster}" is not known`);
  return { principal, target, cluster };
}

/** Opens `command` in the target container with stdin, stdout and stderr apart, no TTY. */
export async function openFileExec(
  services: GatewayServices,
  admission: TransferAdmission,
  command: readonly string[],
  stdin: boolean,
): Promise<ExecStream> {
  const { target } = admission;
  const path = execPath({ ...target, command, tty: false }, { stdin, stdout: true, stderr: true });
  const socket = await dialExec(admission.cluster, path, {
    principal: admission.principal,
    timeoutMs: services.config.terminal.upstreamTimeoutSeconds * 1000,
  });
  return new ExecStream(socket);
}

/** How one exec ended: its exit or failure, with what it printed. */
export interface ExecEnd {
  status: ExecStatus;
  stdout: string;
  stderr: string;
}

/** Collects an exec's (small) output until its status; a close without one is a lost connection. */
export function untilEnd(stream: ExecStream, onStdout?: (data: Buffer) => void): Promise<ExecEnd> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let done = false;
    const lost = (cause?: Error) => {
      if (done) return;
      done = true;
      reject(new GatewayError('upstream_unreachable', 'the connection to the cluster was lost during the transfer', { cause }));
    };
    stream.listen({
      output: (data) => (onStdout === undefined ? out.push(Buffer.from(data)) : onStdout(data)),
      stderr: (data) => void err.push(Buffer.from(data)),
      status: (status) => {
        if (done) return;
        done = true;
        resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
        stream.close();
      },
      close: () => lost(),
      error: (error) => lost(error),
    });
  });
}

/** Throws the client's error unless the exec exited 0. */
export function checkEnd(end: ExecEnd): void {
  if (end.status.kind === 'failure') throw statusFailure(end.status);
  if (end.status.code !== 0) throw exitFailure(end.status.code, end.stderr);
}

/** Runs a short script to its end (commit, cleanup) and checks it. */
export async function runScript(services: GatewayServices, admission: TransferAdmission, command: readonly string[]): Promise<ExecEnd> {
  const end = await untilEnd(await openFileExec(services, admission, command, false));
  checkEnd(end);
  return end;
}
