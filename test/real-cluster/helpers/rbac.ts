// The RBAC of the real-cluster tests: the users of the static token file, the
// gateway's least-privilege Role, credentials that each lack a verb, an
// impersonating credential, and RoleBindings for impersonated people.
import type { ControlPlaneOptions } from './control-plane.js';

/** The users of the static token file, and what RBAC grants them. */
export const Users = {
  /** system:masters: sets the cluster up. */
  admin: 'admin',
  /** The gateway's credential: exactly the verbs the gateway needs, in the test namespaces. */
  gateway: 'webterm-gateway',
  /** A gateway credential with pods/exec `create` but not `get`: what a websocket exec (a GET) also needs. */
  createOnly: 'webterm-exec-create-only',
  /** A gateway credential with pods/exec `get` but not `create`, which the API server also checks for websockets. */
  getOnly: 'webterm-exec-get-only',
  /** A gateway credential that may only impersonate (its users' RBAC decides the rest). */
  impersonator: 'webterm-impersonator',
} as const;

/**
 * The Role the gateway's credential gets in each test namespace: nothing more
 * than the gateway uses. The gateway opens exec and attach as websockets,
 * which are GET requests: the API server checks `get` on pods/exec for them,
 * and from 1.35 `create` as well (the feature gate
 * AuthorizePodWebsocketUpgradeCreatePermission, beta and on by default), so
 * both verbs are needed.
 */
export const gatewayRoleRules = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['pods/attach'], verbs: ['get', 'create'] },
  { apiGroups: [''], resources: ['pods/ephemeralcontainers'], verbs: ['patch'] },
];

type Must = (method: string, path: string, body?: unknown) => Promise<void>;

/** Namespaces with their default ServiceAccount, Roles and RoleBindings, and the impersonator's ClusterRole. */
export async function applyRbac(must: Must, namespaces: string[], options: ControlPlaneOptions): Promise<void> {
  // The gateway's Role in each test namespace, and a read-only one for the credential without pods/exec.
  for (const namespace of namespaces) {
    await must('POST', '/api/v1/namespaces', { metadata: { name: namespace } });
    // No controller manager: the default ServiceAccount that admission wants is made here.
    await must('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { metadata: { name: 'default' } });
    await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
      metadata: { name: 'webterm-gateway' },
      rules: gatewayRoleRules,
    });
    await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
      metadata: { name: 'pod-reader' },
      rules: [gatewayRoleRules[0]],
    });
    for (const [role, verb, user] of [
      ['exec-create-only', 'create', Users.createOnly],
      ['exec-get-only', 'get', Users.getOnly],
    ] as const) {
      await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
        metadata: { name: role },
        rules: [gatewayRoleRules[0], { apiGroups: [''], resources: ['pods/exec'], verbs: [verb] }],
      });
      await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
        metadata: { name: role },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      });
    }
    await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
      metadata: { name: 'webterm-gateway' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'webterm-gateway' },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: Users.gateway },
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'webterm-gateway-cert' },
        ...(options.impersonatedExec?.[namespace] ?? []).map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name })),
      ],
    });
    await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
      metadata: { name: 'pod-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [
        ...(options.impersonatedReadOnly?.[namespace] ?? []).map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name })),
      ],
    });
  }
  // The impersonating gateway may impersonate users and groups, and nothing else.
  await must('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    metadata: { name: 'webterm-impersonator' },
    rules: [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }],
  });
  await must('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    metadata: { name: 'webterm-impersonator' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'webterm-impersonator' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: Users.impersonator }],
  });
}
