import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createOriginCheck } from '../../../server/auth/origin.js';
import { offeredProtocols, tokenFromRequest } from '../../../server/auth/token-from-request.js';

function request(headers: Array<[string, string]>, encrypted = false): IncomingMessage {
  const record: Record<string, string> = {};
  for (const [k, v] of headers) record[k.toLowerCase()] = record[k.toLowerCase()] === undefined ? v : `${record[k.toLowerCase()]}, ${v}`;
  return { rawHeaders: headers.flat(), headers: record, socket: { encrypted } } as unknown as IncomingMessage;
}

describe('tokenFromRequest', () => {
  it('reads the bearer subprotocol, across repeated header lines, and hides it from the offer', () => {
    const req = request([['Sec-WebSocket-Protocol', 'webterm.v1'], ['Sec-WebSocket-Protocol', 'bearer.abc.def.ghi']]);
    expect(tokenFromRequest(req)).toBe('abc.def.ghi');
    expect(offeredProtocols(req)).toEqual(['webterm.v1']);
  });

  it('reads the Authorization header', () => {
    expect(tokenFromRequest(request([['Authorization', 'Bearer xyz']]))).toBe('xyz');
    expect(tokenFromRequest(request([['Authorization', 'Basic xyz']]))).toBeUndefined();
    expect(tokenFromRequest(request([]))).toBeUndefined();
    expect(tokenFromRequest(request([['Sec-WebSocket-Protocol', 'webterm.v1, bearer.']]))).toBeUndefined();
  });
});

describe('createOriginCheck', () => {
  const check = createOriginCheck(['https://portal.example.com']);
  it('passes requests without Origin, same origin and the allow-list', () => {
    expect(check(request([['Host', 'gw:8080']]))).toBe(true);
    expect(check(request([['Host', 'gw:8080'], ['Origin', 'http://gw:8080']]))).toBe(true);
    expect(check(request([['Host', 'gw:8443'], ['Origin', 'https://gw:8443']], true))).toBe(true);
    expect(check(request([['Host', 'gw:8080'], ['Origin', 'https://portal.example.com']]))).toBe(true);
  });
  it('refuses other origins, look-alikes, scheme changes and null', () => {
    expect(check(request([['Host', 'gw:8080'], ['Origin', 'https://evil.example.com']]))).toBe(false);
    expect(check(request([['Host', 'gw:8080'], ['Origin', 'https://portal.example.com.evil.net']]))).toBe(false);
    expect(check(request([['Host', 'gw:8080'], ['Origin', 'http://portal.example.com']]))).toBe(false);
    expect(check(request([['Host', 'gw:8080'], ['Origin', 'https://gw:8080']]))).toBe(false);
    expect(check(request([['Host', 'gw:8080'], ['Origin', 'null']]))).toBe(false);
  });
});
