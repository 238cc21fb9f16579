// What the page does after its socket closed: retry only what may succeed.
import { describe, expect, it } from 'vitest';
import { afterClose, backoffSeconds } from '../../../web/src/reconnect-policy.js';

const closed = (code: number, extra: Partial<Parameters<typeof afterClose>[0]> = {}) =>
  afterClose({ code, error: undefined, attempt: 1, resuming: false, ...extra });

describe('afterClose', () => {
  it('retries a lost connection and an unreachable cluster, with the gateway’s words', () => {
    expect(closed(1006)).toMatchObject({ kind: 'retry', reason: 'the connection was lost' });
    const error = { status: 502, message: 'cluster down', code: 'upstream_unreachable' };
    expect(closed(4502, { error })).toMatchObject({ kind: 'retry', reason: 'cluster down', status: 502 });
  });

  it('does not retry a refusal, and names it', () => {
    expect(closed(4403, { error: { status: 403, message: 'no', code: 'forbidden' } })).toEqual({
      kind: 'error',
      status: 403,
      message: 'no',
      code: 'forbidden',
    });
    expect(closed(4404)).toEqual({ kind: 'error', status: 404, message: 'the gateway refused the session' });
  });

  it('starts a new session when the one it resumes is gone', () => {
    expect(closed(4404, { resuming: true })).toEqual({ kind: 'new-session' });
  });

  it('gives up after eight attempts in a row', () => {
    expect(closed(1006, { attempt: 8 })).toEqual({ kind: 'closed', reason: 'the connection was lost; gave up after 8 attempts' });
  });
});

describe('backoffSeconds', () => {
  it('doubles up to 30 s, within ±20 %', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffSeconds(n, 0.5))).toEqual([1, 2, 4, 8, 16, 30, 30]);
    expect(backoffSeconds(3, 0)).toBe(3.2);
    expect(backoffSeconds(3, 1)).toBe(4.8);
  });
});
