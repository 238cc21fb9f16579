// The policy as a matrix: users and groups × clusters × namespaces × verbs,
// each combination tried through the gateway (terminal websocket for exec,
// the action API for actions) and compared with what the rules say.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { openTerminal } from '../helpers/terminal-client.js';

interface Rule {
  users?: string[];
  groups?: string[];
  clusters: string[];
  namespaces: string[];
  allow: string[];
}

const rules: Rule[] = [
  { users: ['alice'], clusters: ['local'], namespaces: ['default'], allow: ['exec'] },
  { groups: ['ops'], clusters: ['*'], namespaces: ['ingress-nginx'], allow: ['nginx-reload'] },
  { groups: ['dev'], clusters: ['dev-*'], namespaces: ['*'], allow: ['exec', 'hello'] },
  { users: ['root'], clusters: ['*'], namespaces: ['*'], allow: ['*'] },
];

const principals: Array<{ sub: string; groups: string[] }> = [
  { sub: 'alice', groups: [] },
  { sub: 'bob', groups: ['ops'] },
  { sub: 'carol', groups: ['dev'] },
  { sub: 'dave', groups: ['ops', 'dev'] },
  { sub: 'root', groups: [] },
  { sub: 'eve', groups: ['nobody'] },
];
const clusters = ['local', 'dev-1'];
const targets = [
  { namespace: 'default', pod: 'shell-0' },
  { namespace: 'ingress-nginx', pod: 'ingress-nginx-controller-0' },
];
const verbs = ['exec', 'nginx-reload', 'hello'];

/** The test's own reading of the rules (globs: * only), independent of the gateway's code. */
function expected(who: { sub: string; groups: string[] }, cluster: string, namespace: string, verb: string): boolean {
  const glob = (patterns: string[] | undefined, value: string) =>
    (patterns ?? []).some((p) =>
      new RegExp(
        `^${p
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ).test(value),
    );
  return rules.some(
    (r) =>
      (glob(r.users, who.sub) || who.groups.some((g) => glob(r.groups, g))) &&
      glob(r.clusters, cluster) &&
      glob(r.namespaces, namespace) &&
      (r.allow.includes('*') || r.allow.includes(verb)),
  );
}

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    aliases: ['dev-1'],
    config: {
      policy: rules,
      actions: {
        'nginx-reload': { command: ['true'] },
        hello: { command: ['echo', 'hello'] },
      },
    },
  });
});

afterAll(async () => {
  await stack.stop();
});

async function tryVerb(
  who: { sub: string; groups: string[] },
  cluster: string,
  target: { namespace: string; pod: string },
  verb: string,
): Promise<boolean> {
  const token = stack.token(who);
  if (verb === 'exec') {
    const client = openTerminal(stack.wsUrl, { cluster, namespace: target.namespace, pod: target.pod, command: ['true'] }, { token });
    const closed = await client.closed;
    if (closed.code === 1000) return true;
    expect(closed.code).toBe(4403);
    expect(client.messages[0]).toMatchObject({ type: 'error', code: 'forbidden' });
    return false;
  }
  const response = await fetch(`${stack.gatewayUrl}/api/clusters/${cluster}/actions/${verb}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ namespace: target.namespace, pods: [target.pod] }),
  });
  if (response.status === 200) return true;
  expect(response.status).toBe(403);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  return false;
}

describe('authorization matrix', () => {
  it('allows and refuses every combination exactly as the rules say', async () => {
    const mismatches: string[] = [];
    let allowed = 0;
    let cases = 0;
    for (const who of principals) {
      for (const cluster of clusters) {
        for (const target of targets) {
          for (const verb of verbs) {
            const want = expected(who, cluster, target.namespace, verb);
            const got = await tryVerb(who, cluster, target, verb);
            cases += 1;
            if (got) allowed += 1;
            if (got !== want)
              mismatches.push(`${who.sub}[${who.groups.join(',')}] ${verb} ${cluster}/${target.namespace}: got ${got}, want ${want}`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(cases).toBe(72);
    // The matrix is not all one answer.
    expect(allowed).toBeGreaterThan(10);
    expect(cases - allowed).toBeGreaterThan(10);
  }, 60_000);

  it('refuses an action that is not granted even when exec is', async () => {
    // carol may exec anywhere in dev-1, and run hello, but not nginx-reload.
    expect(await tryVerb({ sub: 'carol', groups: ['dev'] }, 'dev-1', targets[1]!, 'exec')).toBe(true);
    expect(await tryVerb({ sub: 'carol', groups: ['dev'] }, 'dev-1', targets[1]!, 'nginx-reload')).toBe(false);
    // alice may exec in local/default, and run nothing there.
    expect(await tryVerb({ sub: 'alice', groups: [] }, 'local', targets[0]!, 'exec')).toBe(true);
    expect(await tryVerb({ sub: 'alice', groups: [] }, 'local', targets[0]!, 'hello')).toBe(false);
  });

  it('lists only the clusters and namespaces a rule names for the caller', async () => {
    const list = async (who: { sub: string; groups: string[] }, path: string) =>
      (await fetch(`${stack.gatewayUrl}${path}`, { headers: { Authorization: `Bearer ${stack.token(who)}` } })).json() as Promise<{
        items?: Array<{ name: string }>;
      }>;
    expect((await list({ sub: 'alice', groups: [] }, '/api/clusters')).items?.map((c) => c.name)).toEqual(['local']);
    expect((await list({ sub: 'eve', groups: ['nobody'] }, '/api/clusters')).items).toEqual([]);
    expect((await list({ sub: 'bob', groups: ['ops'] }, '/api/clusters/local/namespaces')).items?.map((n) => n.name)).toEqual([
      'ingress-nginx',
    ]);
    const forbidden = await fetch(`${stack.gatewayUrl}/api/clusters/local/namespaces/default/pods`, {
      headers: { Authorization: `Bearer ${stack.token({ sub: 'bob', groups: ['ops'] })}` },
    });
    expect(forbidden.status).toBe(403);
  });
});
