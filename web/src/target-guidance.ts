// What the page says about the chosen target while no session runs: what the
// user may do there, or why nothing (a refusal an embedding portal hears of).
import type { Grants, Pickers } from './pickers.js';

export interface Guidance {
  text: string;
  kind: 'idle' | 'error';
  refusal?: { status: number; code: string };
}

/** The user named in the token, for messages only (the gateway verifies it; the page cannot). */
export function userName(token: string | undefined): string {
  try {
    const payload = (token ?? '').split('.')[1] ?? '';
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : 'you';
  } catch {
    return 'you';
  }
}

export function targetGuidance(user: string, pickers: Pick<Pickers, 'hasAnyCluster' | 'current' | 'grants'>): Guidance {
  if (!pickers.hasAnyCluster()) {
    return {
      text: `No access: the gateway's policy grants user "${user}" nothing on any cluster. Ask the gateway's administrator for a rule.`,
      kind: 'error',
      refusal: { status: 403, code: 'no_access' },
    };
  }
  const { cluster, namespace, pod } = pickers.current();
  const grants: Grants = pickers.grants();
  if (grants === undefined) {
    return {
      text: `Forbidden: user "${user}" may not use namespace "${namespace}" of cluster "${cluster}". Choose another namespace.`,
      kind: 'error',
      refusal: { status: 403, code: 'forbidden' },
    };
  }
  const actions = grants.actions.length > 0 ? `Reload… runs ${grants.actions.join(', ')} here.` : '';
  if (!grants.exec)
    return {
      text: `You may not open a shell in ${cluster} / ${namespace}. ${actions || 'No action is allowed here either.'}`.trim(),
      kind: 'idle',
    };
  if (!pod) return { text: `No pods in ${cluster} / ${namespace}. ${actions}`.trim(), kind: 'idle' };
  return { text: `Choose a pod, then Connect. ${actions}`.trim(), kind: 'idle' };
}
