import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../server/core/principal.js';
import { createPolicy } from '../../../server/policy/index.js';
import { compileGlob } from '../../../server/policy/glob.js';

const who = (sub: string, groups: string[] = []): Principal => ({ sub, groups, expiresAt: Date.now() + 60_000 });

const policy = createPolicy([
  { groups: ['ops'], clusters: ['*'], namespaces: ['ingress-nginx'], allow: ['nginx-reload'], record: false },
  { groups: ['dev'], clusters: ['dev-*'], namespaces: ['*'], allow: ['exec'], record: false },
  { users: ['root?'], clusters: ['prod'], namespaces: ['kube-*'], allow: ['*'], record: false },
]);

describe('policy', () => {
  it('denies by default', () => {
    const decision = policy.decide(who('nobody'), { cluster: 'dev-1', namespace: 'default' }, 'exec');
    expect(decision).toEqual({ allowed: false, reason: 'user "nobody" may not open a shell in namespace "default" of cluster "dev-1"' });
    expect(createPolicy([]).clustersFor(who('alice', ['ops']), ['a', 'b'])).toEqual([]);
  });

  it('grants by group, cluster glob, namespace and verb', () => {
    expect(policy.decide(who('a', ['dev']), { cluster: 'dev-7', namespace: 'x' }, 'exec').allowed).toBe(true);
    expect(policy.decide(who('a', ['dev']), { cluster: 'prod', namespace: 'x' }, 'exec').allowed).toBe(false);
    expect(policy.decide(who('a', ['dev']), { cluster: 'dev-7', namespace: 'x' }, 'nginx-reload').allowed).toBe(false);
    expect(policy.decide(who('o', ['ops']), { cluster: 'b', namespace: 'ingress-nginx' }, 'nginx-reload').allowed).toBe(true);
    expect(policy.decide(who('o', ['ops']), { cluster: 'b', namespace: 'ingress-nginx' }, 'exec').allowed).toBe(false);
    expect(policy.decide(who('o', ['ops']), { cluster: 'b', namespace: 'default' }, 'nginx-reload').allowed).toBe(false);
  });

  it('grants by user with ? globs and * verbs', () => {
    expect(policy.decide(who('root1'), { cluster: 'prod', namespace: 'kube-system' }, 'exec').allowed).toBe(true);
    expect(policy.decide(who('root12'), { cluster: 'prod', namespace: 'kube-system' }, 'exec').allowed).toBe(false);
    // A user's name is never matched against group patterns, nor the reverse.
    expect(policy.decide(who('ops'), { cluster: 'b', namespace: 'ingress-nginx' }, 'nginx-reload').allowed).toBe(false);
    expect(policy.decide(who('x', ['root1']), { cluster: 'prod', namespace: 'kube-system' }, 'exec').allowed).toBe(false);
  });

  it('lists clusters, namespaces and actions the caller may use', () => {
    expect(policy.clustersFor(who('a', ['dev']), ['dev-1', 'prod', 'dev-2'])).toEqual(['dev-1', 'dev-2']);
    expect(policy.mayView(who('o', ['ops']), { cluster: 'x', namespace: 'default' })).toBe(false);
    expect(policy.mayView(who('o', ['ops']), { cluster: 'x', namespace: 'ingress-nginx' })).toBe(true);
    const actions = { 'nginx-reload': {}, restart: {} };
    expect(policy.actionsFor(who('o', ['ops']), 'any', actions)).toEqual(['nginx-reload']);
    expect(policy.actionsFor(who('o', ['ops']), 'any', actions, 'default')).toEqual([]);
    expect(policy.actionsFor(who('root1'), 'prod', actions)).toEqual(['nginx-reload', 'restart']);
  });

  it('names the namespaces a caller’s rules spell out, never patterns', () => {
    expect(policy.namespacesNamed(who('o', ['ops', 'dev']), 'dev-1')).toEqual(['ingress-nginx']);
    expect(policy.namespacesNamed(who('root1'), 'prod')).toEqual([]);
    expect(policy.namespacesNamed(who('nobody'), 'dev-1')).toEqual([]);
  });
});

describe('compileGlob', () => {
  it('treats regex characters literally', () => {
    expect(compileGlob('a.b')('axb')).toBe(false);
    expect(compileGlob('a.b')('a.b')).toBe(true);
    expect(compileGlob('(x|y)*')('(x|y)z')).toBe(true);
    expect(compileGlob('(x|y)*')('x')).toBe(false);
  });

  it('matches any literal string against itself and * against anything', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const literal = a.replace(/[*?]/g, '');
        expect(compileGlob(literal)(literal)).toBe(true);
        expect(compileGlob('*')(b)).toBe(true);
        expect(compileGlob(`${literal}*`)(literal + b)).toBe(true);
      }),
    );
  });
});
