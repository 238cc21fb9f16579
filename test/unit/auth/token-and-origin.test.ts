import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createOriginCheck } from '../../../server/auth/origin.js';
import { allowedOriginProblem, parseAllowedOrigin } from '../../../server/core/allowed-origin.js';
import { offeredProtocols, tokenFromRequest } from '../../../server/auth/token-from-request.js';

function request(headers: Array<[string, string]>, encrypted = false): IncomingMessage {
  const record: Record<string, string> = {};
  for (const [k, v] of headers) record[k.toLowerCase()] = record[k.toLowerCase()] === undefined ? v : `${record[k.toLowerCase()]}, ${v}`;
  return { rawHeaders: headers.flat(), headers: record, socket: { encrypted } } as unknown as IncomingMessage;
}

describe('tokenFromRequest', () => {
  it('reads the bearer subprotocol, across repeated header lines, and hides it from the offer', () => {
    const req = request([
      ['Sec-WebSocket-Protocol', 'webterm.v1'],
      ['Sec-WebSocket-Protocol', 'bearer.abc.def.ghi'],
    ]);
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
    expect(
      check(
        request([
          ['Host', 'gw:8080'],
          ['Origin', 'http://gw:8080'],
        ]),
      ),
    ).toBe(true);
    expect(
      check(
        request(
          [
            ['Host', 'gw:8443'],
            ['Origin', 'https://gw:8443'],
          ],
          true,
        ),
      ),
    ).toBe(true);
    expect(
      check(
        request([
          ['Host', 'gw:8080'],
          ['Origin', 'https://portal.example.com'],
        ]),
      ),
    ).toBe(true);
  });
  it('refuses other origins, look-alikes, scheme changes and null', () => {
    expect(
      check(
        request([
          ['Host', 'gw:8080'],
          ['Origin', 'https://evil.example.com'],
        ]),
      ),
    ).toBe(false);
    expect(
      check(
        request([
          ['Host', 'gw:8080'],
          ['Origin', 'https://portal.example.com.evil.net'],
        ]),
      ),
    ).toBe(false);
    expect(
      check(
        request([
          ['Host', 'gw:8080'],
          ['Origin', 'http://portal.example.com'],
        ]),
      ),
    ).toBe(false);
    expect(
      check(
        request([
          ['Host', 'gw:8080'],
          ['Origin', 'https://gw:8080'],
        ]),
      ),
    ).toBe(false);
    expect(
      check(
        request([
          ['Host', 'gw:8080'],
          ['Origin', 'null'],
        ]),
      ),
    ).toBe(false);
  });
});

describe('allowed origins with any port', () => {
  const check = createOriginCheck(['http://localhost:*']);
  it('passes every port of the host, and the host without a port', () => {
    expect(
      check(
        request([
          ['Host', 'gw:8080'],
          ['Origin', 'http://localhost:3000'],
        ]),
      ),
    ).toBe(true);
    expect(
      check(
        request([
          ['Host', 'gw:8080'],
          ['Origin', 'http://localhost:41234'],
        ]),
      ),
    ).toBe(true);
    expect(
      check(
        request([
          ['Host', 'gw:8080'],
          ['Origin', 'http://localhost'],
        ]),
      ),
    ).toBe(true);
  });
  it('refuses another scheme, another host and look-alikes', () => {
    expect(
      check(
        request([
          ['Host', 'gw:8080'],
          ['Origin', 'https://localhost:3000'],
        ]),
      ),
    ).toBe(false);
    expect(
      check(
        request([
          ['Host', 'gw:8080'],
          ['Origin', 'http://localhost.evil.net:3000'],
        ]),
      ),
    ).toBe(false);
    expect(
      check(
        request([
          ['Host', 'gw:8080'],
          ['Origin', 'http://127.0.0.1:3000'],
        ]),
      ),
    ).toBe(false);
    expect(
      check(
        request([
          ['Host', 'gw:8080'],
          ['Origin', 'http://evil-localhost:3000'],
        ]),
      ),
    ).toBe(false);
  });
  it('is written into CSP as the same source expression', () => {
    expect(parseAllowedOrigin('http://localhost:*')?.source).toBe('http://localhost:*');
    expect(parseAllowedOrigin('https://Portal.example.com/')?.source).toBe('https://portal.example.com');
  });
  it('says what is wrong with an entry that is not an origin', () => {
    expect(allowedOriginProblem('https://portal.example.com')).toBeUndefined();
    expect(allowedOriginProblem('http://[::1]:*')).toBeUndefined();
    expect(allowedOriginProblem('https://portal.example.com/app')).toMatch(/no path/);
    expect(allowedOriginProblem('portal.example.com')).toMatch(/must be an origin/);
    expect(allowedOriginProblem('https://*.example.com')).toMatch(/must be an origin/);
    expect(allowedOriginProblem('http://localhost:70000')).toMatch(/above 65535/);
  });
});
