// Names are checked against the Kubernetes rules before any cluster is called.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../server/errors.js';
import { checkName, checkSelector } from '../../../server/core/names.js';

describe('checkName', () => {
  it.each([
    ['namespace', 'default'],
    ['namespace', 'ingress-nginx'],
    ['pod', 'ingress-nginx-controller-7d9f.abc'],
    ['container', 'controller'],
    ['cluster', 'kubernetes-admin@kubernetes'],
    ['cluster', 'dev-1'],
  ] as const)('accepts %s %s', (kind, name) => {
    expect(checkName(kind, name)).toBe(name);
  });

  it.each([
    ['namespace', '..'],
    ['namespace', 'a/b'],
    ['pod', '%2F'],
    ['pod', 'x?watch=1'],
    ['container', 'Upper'],
    ['namespace', 'tab\there'],
    ['namespace', 'nul\u0000'],
    ['pod', 'a'.repeat(300)],
    ['namespace', 'a'.repeat(64)],
    ['cluster', '../etc'],
    ['namespace', ''],
  ] as const)('refuses %s %j with invalid_name', (kind, name) => {
    expect(() => checkName(kind, name)).toThrowError(GatewayError);
    try {
      checkName(kind, name);
    } catch (error) {
      expect((error as GatewayError).status).toBe(400);
      expect((error as GatewayError).code).toBe('invalid_name');
    }
  });
});

describe('checkSelector', () => {
  it('accepts equality terms', () => {
    expect(checkSelector('app.kubernetes.io/component=controller,tier!=web')).toBeTruthy();
  });

  it('refuses anything else', () => {
    expect(() => checkSelector('app in (a,b)')).toThrowError(GatewayError);
    expect(() => checkSelector('a=b;rm -rf')).toThrowError(GatewayError);
  });
});
