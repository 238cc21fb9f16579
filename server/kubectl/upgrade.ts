// Every upgrade under /k8s: pod exec and attach go to the exec proxy; anything
// else (port-forward, SPDY to another path) is refused with a Status, so
// kubectl prints a sentence instead of "error upgrading connection: ".
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AuditLog } from '../audit/audit-log.js';
import { GatewayError, toGatewayError } from '../errors.js';
import type { GatewayServices } from '../services.js';
import { checkClusterAccess, verifyCaller } from './caller.js';
import type { PodTarget } from '../core/target.js';
import type { SessionKind } from '../sessions/open-session.js';
import { refuseUpgradeWithStatus } from './status.js';
import { unsupportedSubresource } from './unsupported.js';

export type KubectlExecHandler = (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: PodTarget,
  url: URL,
  kind: SessionKind,
) => Promise<void>;

/** The pod subresource a /k8s/clusters/{c}/api/v1/namespaces/{ns}/pods/{pod}/{sub} path names, if it is one. */
function podSubresource(segments: readonly string[]): { target: PodTarget; subresource: string } | undefined {
  const [k8s, clusters, cluster = '', api, v1, namespaces, namespace = '', pods, pod = '', subresource, ...rest] = segments;
  const shaped = k8s === 'k8s' && clusters === 'clusters' && api === 'api' && v1 === 'v1' && namespaces === 'namespaces' && pods === 'pods';
  return shaped && subresource !== undefined && rest.length === 0 ? { target: { cluster, namespace, pod }, subresource } : undefined;
}

export function createKubectlUpgrade(services: GatewayServices, exec: KubectlExecHandler, audit: AuditLog) {
  /** Handles an upgrade whose path starts with /k8s/ (already split into decoded segments). */
  return async function handleKubectlUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    segments: readonly string[],
    url: URL,
  ): Promise<void> {
    const shaped = podSubresource(segments);
    if (shaped?.subresource === 'exec' || shaped?.subresource === 'attach')
      return exec(req, socket, head, shaped.target, url, shaped.subresource);
    try {
      // The caller is known before the gateway says what it does not serve.
      const principal = await verifyCaller(services, req);
      checkClusterAccess(services, principal, segments[0] === 'k8s' && segments[1] === 'clusters' ? segments[2] : undefined);
      throw (
        unsupportedSubresource(shaped?.subresource ?? '') ??
        new GatewayError('not_found', 'the gateway serves only pod exec and attach over websockets here')
      );
    } catch (error) {
      const failure = toGatewayError(error);
      audit.refusal({ what: 'kubectl-upgrade', code: failure.code, reason: failure.message, ...shaped?.target });
      refuseUpgradeWithStatus(socket, failure, shaped === undefined ? undefined : { name: shaped.target.pod, kind: 'pods' });
    }
  };
}
