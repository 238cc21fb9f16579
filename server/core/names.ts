// Checks cluster, namespace, pod and container names against the Kubernetes
// name rules before anything reaches a cluster: validate, then encode; never a denylist.
import { GatewayError } from '../errors.js';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Cluster names come from kubeconfig contexts, which allow more (user@cluster, arn:…).
const clusterName = /^[A-Za-z0-9]([-A-Za-z0-9_.@:]*[A-Za-z0-9])?$/;

type NameKind = 'cluster' | 'namespace' | 'pod' | 'container' | 'action';

const rules: Record<NameKind, { pattern: RegExp; max: number; rule: string }> = {
  cluster: { pattern: clusterName, max: 253, rule: 'letters, digits and - _ . @ :, starting and ending with a letter or digit' },
  namespace: { pattern: dnsLabel, max: 63, rule: 'a DNS-1123 label: lowercase letters, digits and -' },
  pod: { pattern: dnsSubdomain, max: 253, rule: 'a DNS-1123 subdomain: lowercase letters, digits, - and .' },
  container: { pattern: dnsLabel, max: 63, rule: 'a DNS-1123 label: lowercase letters, digits and -' },
  action: { pattern: dnsLabel, max: 63, rule: 'a DNS-1123 label: lowercase letters, digits and -' },
};

/** Throws invalid_name (400) unless `value` is a valid name of that kind. */
export function checkName(kind: NameKind, value: string | undefined): string {
  const rule = rules[kind];
  if (value === undefined || value === '') throw new GatewayError('invalid_name', `${kind} name is missing`);
  if (value.length > rule.max || !rule.pattern.test(value)) {
    const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
    throw new GatewayError(
      'invalid_name',
      `invalid ${kind} name ${JSON.stringify(shown)}: must be ${rule.rule}, at most ${rule.max} characters`,
    );
  }
  return value;
}

/** A label selector: only equality and inequality terms over valid keys and values. */
export function checkSelector(selector: string): string {
  const term = /^([A-Za-z0-9][-A-Za-z0-9_./]{0,252})\s*(==|=|!=)\s*([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
  if (selector.length > 1024 || !selector.split(',').every((part) => term.test(part.trim()))) {
    throw new GatewayError(
      'bad_request',
      `invalid label selector ${JSON.stringify(selector.slice(0, 100))}: use key=value terms separated by commas`,
    );
  }
  return selector;
}

/** Checks the cluster, namespace and pod names of a target, in that order. */
export function checkPodTarget(target: { cluster: string; namespace: string; pod: string }): void {
  checkName('cluster', target.cluster);
  checkName('namespace', target.namespace);
  checkName('pod', target.pod);
}
