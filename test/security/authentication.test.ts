// Every way a token can be wrong, through REST and the terminal upgrade:
// each answers 401 with a message, and nothing else happens (no upstream).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { startStack, type Stack } from '../helpers/stack.js';
import { openTerminal } from '../helpers/terminal-client.js';

let cluster: LocalCluster;
let hs: Stack;
let rs: Stack;
let keyDir: string;
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

beforeAll(async () => {
  cluster = await startLocalCluster();
  hs = await startStack({ cluster, config: { auth: { jwt: { issuer: 'https://portal.example', audience: 'web-terminal' } } } });
  keyDir = mkdtempSync(join(tmpdir(), 'webterm-keys-'));
  writeFileSync(join(keyDir, 'public.pem'), publicPem);
  rs = await startStack({
    cluster,
    config: { auth: { jwt: { secret: undefined, publicKeyFile: join(keyDir, 'public.pem'), algorithms: ['RS256'] } } },
  });
});

afterAll(async () => {
  try {
    await hs?.stop();
    await rs?.stop();
    await cluster?.stop();
  } finally {
    if (keyDir !== undefined) rmSync(keyDir, { recursive: true, force: true });
  }
});

const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'alice',
  groups: ['dev'],
  iss: 'https://portal.example',
  aud: 'web-terminal',
  exp: now() + 300,
  ...extra,
});
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Each case: the token, and a piece of the message the gateway must give. */
function hsCases(): Array<[string, string, RegExp]> {
  const secret = hs.secret;
  const good = jwt.sign(claims(), secret, { algorithm: 'HS256' });
  const [header, , signature] = good.split('.');
  return [
    ['malformed', 'not.a.jwt', /malformed|invalid/i],
    ['garbage', 'x'.repeat(40), /malformed|invalid/i],
    ['alg none', `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`, /algorithm|invalid|signature/i],
    ['expired', jwt.sign(claims({ exp: now() - 60 }), secret, { algorithm: 'HS256' }), /expired/i],
    ['not yet valid', jwt.sign(claims({ nbf: now() + 600 }), secret, { algorithm: 'HS256' }), /not (yet )?valid|before/i],
    ['wrong issuer', jwt.sign(claims({ iss: 'https://evil.example' }), secret, { algorithm: 'HS256' }), /issuer/i],
    ['wrong audience', jwt.sign(claims({ aud: 'another-app' }), secret, { algorithm: 'HS256' }), /audience/i],
    ['modified payload', `${header}.${base64url(claims({ groups: ['admin'] }))}.${signature}`, /signature/i],
    ['another secret', jwt.sign(claims(), 'some-other-secret-of-enough-length', { algorithm: 'HS256' }), /signature/i],
    [
      'no exp',
      jwt.sign({ sub: 'alice', groups: ['dev'], iss: 'https://portal.example', aud: 'web-terminal' }, secret, { algorithm: 'HS256' }),
      /exp/i,
    ],
    ['HS512 when HS256 is pinned', jwt.sign(claims(), secret, { algorithm: 'HS512' }), /algorithm/i],
  ];
}

async function expectRest401(stack: Stack, token: string | undefined, message: RegExp): Promise<void> {
  const response = await fetch(`${stack.gatewayUrl}/api/clusters`, {
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(401);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(['unauthenticated', 'token_expired']).toContain(body.error.code);
  expect(body.error.message).toMatch(message);
  expect(Object.keys(body)).toEqual(['error']);
}

async function expectUpgrade401(stack: Stack, token: string | undefined, message: RegExp): Promise<void> {
  const execs = cluster.activeExecs();
  const client = openTerminal(stack.wsUrl, { command: ['echo', 'must-not-run'] }, { token });
  const refused = await client.refused;
  expect(refused.status).toBe(401);
  expect((JSON.parse(refused.body) as { error: { message: string } }).error.message).toMatch(message);
  expect(cluster.activeExecs()).toBe(execs);
}

describe('authentication', () => {
  it('refuses a request with no token', async () => {
    await expectRest401(hs, undefined, /no token/);
    await expectUpgrade401(hs, undefined, /no token/);
  });

  it('refuses each bad HS256 token with 401 and a message naming what is wrong, REST and websocket alike', async () => {
    for (const [name, token, message] of hsCases()) {
      try {
        await expectRest401(hs, token, message);
        await expectUpgrade401(hs, token, message);
      } catch (error) {
        throw new Error(`case "${name}": ${(error as Error).message}`, { cause: error });
      }
    }
  });

  it('says what is wrong with the issuer or audience, never what the gateway is configured to accept', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ iss: 'https://evil.example' }, /issuer is not accepted by this gateway/],
      [{ aud: 'another-app' }, /audience is not accepted by this gateway/],
      [{ aud: undefined }, /audience is not accepted by this gateway/],
    ];
    for (const [override, message] of cases) {
      const token = jwt.sign(claims(override), hs.secret, { algorithm: 'HS256' });
      const response = await fetch(`${hs.gatewayUrl}/api/clusters`, { headers: { Authorization: `Bearer ${token}` } });
      const rest = await response.text();
      const upgrade = (await openTerminal(hs.wsUrl, { command: ['true'] }, { token }).refused).body;
      for (const body of [rest, upgrade]) {
        expect((JSON.parse(body) as { error: { message: string } }).error.message).toMatch(message);
        expect(body).not.toContain('https://portal.example');
        expect(body).not.toContain('web-terminal');
      }
    }
  });

  it('accepts the good token (so the refusals above are about the token)', async () => {
    const good = jwt.sign(claims(), hs.secret, { algorithm: 'HS256' });
    expect((await fetch(`${hs.gatewayUrl}/api/clusters`, { headers: { Authorization: `Bearer ${good}` } })).status).toBe(200);
  });

  it('refuses key confusion: an HS256 token signed with the RS256 public key', async () => {
    const [header, payload] = [base64url({ alg: 'HS256', typ: 'JWT' }), base64url(claims())];
    const { createHmac } = await import('node:crypto');
    const forged = `${header}.${payload}.${createHmac('sha256', publicPem).update(`${header}.${payload}`).digest('base64url')}`;
    await expectRest401(rs, forged, /algorithm|invalid/i);
    await expectUpgrade401(rs, forged, /algorithm|invalid/i);
    const genuine = jwt.sign(claims(), privateKey, { algorithm: 'RS256' });
    expect((await fetch(`${rs.gatewayUrl}/api/clusters`, { headers: { Authorization: `Bearer ${genuine}` } })).status).toBe(200);
  });

  it('does not take a token from the URL query', async () => {
    const good = jwt.sign(claims(), hs.secret, { algorithm: 'HS256' });
    for (const name of ['token', 'access_token', 'jwt', 'bearer']) {
      const response = await fetch(`${hs.gatewayUrl}/api/clusters?${name}=${good}`);
      expect(response.status).toBe(401);
    }
    // The same through the terminal URL itself.
    const execs = cluster.activeExecs();
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(
      `${hs.wsUrl}/api/clusters/local/namespaces/default/pods/shell-0/exec?command=true&token=${good}&access_token=${good}`,
      ['webterm.v1'],
    );
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(401);
    expect(cluster.activeExecs()).toBe(execs);
  });

  it('audits each refusal with its reason, and no token in any log line', () => {
    const lines = [...hs.logs, ...rs.logs];
    expect(lines.filter((l) => l.includes('"event":"refusal"') && l.includes('"code":"unauthenticated"')).length).toBeGreaterThan(10);
    expect(lines.some((l) => l.includes('"code":"token_expired"'))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });
});
