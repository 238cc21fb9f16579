// The policy: default deny; a caller may do only what a rule grants to one of
// their user name or groups, on clusters and namespaces the rule's globs match.
import type { Principal } from '../core/principal.js';
import type { NamespaceTarget } from '../core/target.js';
import type { PolicyRuleConfig } from '../config/index.js';
import { compileGlobs, type Matcher } from './glob.js';

/** What a rule is matched against: a namespace of a cluster. */
export type PolicyTarget = NamespaceTarget;

/** `exec` for interactive shells, or the name of an action. */
export type Verb = string;

export type Decision = { allowed: true; rule: PolicyRuleConfig } | { allowed: false; reason: string };

export interface Policy {
  decide(principal: Principal, target: PolicyTarget, verb: Verb): Decision;
  /** The clusters among `names` on which any rule grants the caller anything. */
  clustersFor(principal: Principal, names: readonly string[]): string[];
  /** Whether any rule grants the caller anything in this namespace (to list its pods). */
  mayView(principal: Principal, target: PolicyTarget): boolean;
  /** The namespaces the caller's rules for this cluster name literally (patterns without `*` or `?`), sorted. */
  namespacesNamed(principal: Principal, cluster: string): string[];
  /** Names of the declared actions the caller may run somewhere on this cluster (in `namespace` when given). */
  actionsFor(principal: Principal, cluster: string, actions: Readonly<Record<string, unknown>>, namespace?: string): string[];
}

interface CompiledRule {
  config: PolicyRuleConfig;
  user: Matcher;
  group: Matcher;
  cluster: Matcher;
  namespace: Matcher;
  verb: Matcher;
}

const never: Matcher = () => false;

/** How a refusal names the built-in verbs; any other verb is an action. */
const verbWords: Readonly<Record<string, string>> = {
  exec: 'open a shell',
  logs: 'read pod logs',
  debug: 'start debug containers',
};

function compile(rule: PolicyRuleConfig): CompiledRule {
  return {
    config: rule,
    user: rule.users === undefined ? never : compileGlobs(rule.users),
    group: rule.groups === undefined ? never : compileGlobs(rule.groups),
    cluster: compileGlobs(rule.clusters),
    namespace: compileGlobs(rule.namespaces),
    // Verbs are exact names or "*": a glob in `allow` would grant actions added later by accident.
    verb: (verb) => rule.allow.includes('*') || rule.allow.includes(verb),
  };
}

export function createPolicy(rules: readonly PolicyRuleConfig[]): Policy {
  const compiled = rules.map(compile);
  const rulesOf = (principal: Principal) =>
    compiled.filter((rule) => rule.user(principal.sub) || principal.groups.some((g) => rule.group(g)));

  return {
    decide(principal, target, verb) {
      const rule = rulesOf(principal).find((r) => r.cluster(target.cluster) && r.namespace(target.namespace) && r.verb(verb));
      if (rule !== undefined) return { allowed: true, rule: rule.config };
      const what = Object.hasOwn(verbWords, verb) ? verbWords[verb] : `run action "${verb}"`;
      return {
        allowed: false,
        reason: `user "${principal.sub}" may not ${what} in namespace "${target.namespace}" of cluster "${target.cluster}"`,
      };
    },
    clustersFor(principal, names) {
      const mine = rulesOf(principal);
      return names.filter((name) => mine.some((r) => r.cluster(name)));
    },
    namespacesNamed(principal, cluster) {
      const named = rulesOf(principal)
        .filter((r) => r.cluster(cluster))
        .flatMap((r) => r.config.namespaces.filter((pattern) => !/[*?]/.test(pattern)));
      return [...new Set(named)].sort();
    },
    mayView(principal, target) {
      return rulesOf(principal).some((r) => r.cluster(target.cluster) && r.namespace(target.namespace));
    },
    actionsFor(principal, cluster, actions, namespace) {
      const mine = rulesOf(principal).filter((r) => r.cluster(cluster) && (namespace === undefined || r.namespace(namespace)));
      return Object.keys(actions).filter((name) => name !== 'exec' && mine.some((r) => r.verb(name)));
    },
  };
}
