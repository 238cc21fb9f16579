// What the page says about the chosen target while no session runs, and whose name it uses.
import { describe, expect, it } from 'vitest';
import { targetGuidance, userName } from '../../../web/src/target-guidance.js';

const token = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;
const pickers = (over: { clusters?: boolean; pod?: string; grants?: { exec: boolean; actions: string[] } | 'none' } = {}) => ({
  hasAnyCluster: () => over.clusters ?? true,
  current: () => ({ cluster: 'b', namespace: 'ingress-nginx', pod: over.pod ?? 'controller-0', container: 'c' }),
  grants: () => {
    const grants = over.grants ?? { exec: true, actions: [] };
    return grants === 'none' ? undefined : { ...grants, logs: true, debug: false };
  },
});

describe('what the page says about the chosen target', () => {
  it('names the token’s user, or "you" when it cannot read one', () => {
    expect(userName(token({ sub: 'olga' }))).toBe('olga');
    expect(userName(token({ sub: 42 }))).toBe('you');
    expect(userName('not-a-jwt')).toBe('you');
    expect(userName(undefined)).toBe('you');
  });

  it('refuses, for a portal to hear, when the policy grants nothing or not this namespace', () => {
    expect(targetGuidance('olga', pickers({ clusters: false }))).toEqual({
      text: 'No access: the gateway\'s policy grants user "olga" nothing on any cluster. Ask the gateway\'s administrator for a rule.',
      kind: 'error',
      refusal: { status: 403, code: 'no_access' },
    });
    expect(targetGuidance('olga', pickers({ grants: 'none' }))).toMatchObject({
      kind: 'error',
      refusal: { status: 403, code: 'forbidden' },
      text: expect.stringContaining('may not use namespace "ingress-nginx" of cluster "b"'),
    });
  });

  it('says what may be done: connect, run an action, or nothing', () => {
    expect(targetGuidance('olga', pickers())).toEqual({ text: 'Choose a pod, then Connect.', kind: 'idle' });
    expect(targetGuidance('olga', pickers({ grants: { exec: true, actions: ['nginx-reload'] } })).text).toBe(
      'Choose a pod, then Connect. Reload… runs nginx-reload here.',
    );
    expect(targetGuidance('olga', pickers({ grants: { exec: false, actions: ['nginx-reload'] } })).text).toBe(
      'You may not open a shell in b / ingress-nginx. Reload… runs nginx-reload here.',
    );
    expect(targetGuidance('olga', pickers({ grants: { exec: false, actions: [] } })).text).toBe(
      'You may not open a shell in b / ingress-nginx. No action is allowed here either.',
    );
    expect(targetGuidance('olga', pickers({ pod: '' })).text).toBe('No pods in b / ingress-nginx.');
  });
});
