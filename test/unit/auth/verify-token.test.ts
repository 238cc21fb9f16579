import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../../server/auth/verify-token.js';
import { GatewayError } from '../../../server/errors.js';

const secret = 'a-test-secret-of-enough-length-0123456789';
const base = { algorithms: ['HS256' as const], clockToleranceSeconds: 0 };

async function refusal(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe('createTokenVerifier', () => {
  const verifier = createTokenVerifier({ ...base, secret });

  it('accepts a valid token and returns sub, groups and expiry', async () => {
    const token = jwt.sign({ sub: 'alice', groups: ['dev', 'ops'] }, secret, { expiresIn: 60 });
    const principal = await verifier.verify(token);
    expect(principal.sub).toBe('alice');
    expect(principal.groups).toEqual(['dev', 'ops']);
    expect(principal.expiresAt).toBeGreaterThan(Date.now());
  });

  it('requires exp', async () => {
    const error = await refusal(verifier.verify(jwt.sign({ sub: 'alice' }, secret)));
    expect(error.code).toBe('unauthenticated');
    expect(error.message).toContain('exp');
  });

  it('calls an expired token expired', async () => {
    const token = jwt.sign({ sub: 'alice', exp: Math.floor(Date.now() / 1000) - 10 }, secret);
    const error = await refusal(verifier.verify(token));
    expect(error.code).toBe('token_expired');
    expect(error.status).toBe(401);
  });

  it('honours nbf', async () => {
    const token = jwt.sign({ sub: 'alice' }, secret, { expiresIn: 600, notBefore: 300 });
    expect((await refusal(verifier.verify(token))).message).toContain('not valid before');
  });

  it('never accepts alg none, nor an algorithm that is not pinned', async () => {
    const none = jwt.sign({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 60 }, '', { algorithm: 'none' });
    expect((await refusal(verifier.verify(none))).message).toContain('not accepted');
    const hs512 = jwt.sign({ sub: 'alice' }, secret, { algorithm: 'HS512', expiresIn: 60 });
    expect((await refusal(verifier.verify(hs512))).message).toContain('HS512');
  });

  it('refuses a wrong signature, garbage, and a missing sub', async () => {
    expect((await refusal(verifier.verify(jwt.sign({ sub: 'a' }, 'other-secret', { expiresIn: 60 })))).code).toBe('unauthenticated');
    expect((await refusal(verifier.verify('not.a.jwt'))).code).toBe('unauthenticated');
    expect((await refusal(verifier.verify(jwt.sign({ groups: [] }, secret, { expiresIn: 60 })))).message).toContain('sub');
    expect((await refusal(verifier.verify(jwt.sign({ sub: 'a', groups: 'ops' }, secret, { expiresIn: 60 })))).message).toContain('groups');
  });

  it('checks issuer and audience when configured', async () => {
    const strict = createTokenVerifier({ ...base, secret, issuer: 'https://portal', audience: 'web-terminal' });
    const good = jwt.sign({ sub: 'a' }, secret, { expiresIn: 60, issuer: 'https://portal', audience: 'web-terminal' });
    await expect(strict.verify(good)).resolves.toMatchObject({ sub: 'a' });
    const wrongIssuer = jwt.sign({ sub: 'a' }, secret, { expiresIn: 60, issuer: 'https://evil', audience: 'web-terminal' });
    expect((await refusal(strict.verify(wrongIssuer))).message).toContain('issuer');
    const noAudience = jwt.sign({ sub: 'a' }, secret, { expiresIn: 60, issuer: 'https://portal' });
    expect((await refusal(strict.verify(noAudience))).message).toContain('audience');
  });

  it('names what is wrong with the issuer or audience without naming the configured ones', async () => {
    const strict = createTokenVerifier({ ...base, secret, issuer: 'https://portal', audience: 'web-terminal' });
    const wrongIssuer = await refusal(
      strict.verify(jwt.sign({ sub: 'a' }, secret, { expiresIn: 60, issuer: 'https://evil', audience: 'web-terminal' })),
    );
    expect(wrongIssuer.message).toBe("invalid token: the token's issuer is not accepted by this gateway");
    const wrongAudience = await refusal(
      strict.verify(jwt.sign({ sub: 'a' }, secret, { expiresIn: 60, issuer: 'https://portal', audience: 'elsewhere' })),
    );
    expect(wrongAudience.message).toBe("invalid token: the token's audience is not accepted by this gateway");
    for (const error of [wrongIssuer, wrongAudience]) {
      expect(error.message).not.toContain('https://portal');
      expect(error.message).not.toContain('web-terminal');
      // The log still gets jsonwebtoken's own words through the cause.
      expect(String((error.cause as Error).message)).toMatch(/expected/);
    }
  });

  it('verifies RS256 with a public key file and refuses an HS256 token signed with that public key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rs = createTokenVerifier({ ...base, algorithms: ['RS256'], publicKeyFile: '/keys/portal.pem' }, { readFile: () => publicPem });
    await expect(rs.verify(jwt.sign({ sub: 'bob' }, privateKey, { algorithm: 'RS256', expiresIn: 60 }))).resolves.toMatchObject({
      sub: 'bob',
    });
    // The classic confusion attack: the public key used as an HMAC secret.
    const forged = jwt.sign({ sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 60 }, publicPem, {
      algorithm: 'HS256',
      allowInsecureKeySizes: true,
    } as jwt.SignOptions);
    expect((await refusal(rs.verify(forged))).code).toBe('unauthenticated');
  });

  it('finds keys by kid in a JWKS served over HTTP and refetches for a new kid', async () => {
    const first = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const second = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let keys = [{ ...first.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }];
    let fetches = 0;
    const server = createServer((_req, res) => {
      fetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      let now = Date.now();
      const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
      const es = createTokenVerifier({ ...base, algorithms: ['ES256'], jwksUri: uri }, { now: () => now });
      const sign = (key: typeof first.privateKey, kid: string) =>
        jwt.sign({ sub: 'carol' }, key, { algorithm: 'ES256', expiresIn: 600, keyid: kid });
      await expect(es.verify(sign(first.privateKey, 'k1'))).resolves.toMatchObject({ sub: 'carol' });
      await expect(es.verify(sign(first.privateKey, 'k1'))).resolves.toMatchObject({ sub: 'carol' });
      expect(fetches).toBe(1);
      keys = [...keys, { ...second.publicKey.export({ format: 'jwk' }), kid: 'k2', use: 'sig' }];
      now += 31_000;
      await expect(es.verify(sign(second.privateKey, 'k2'))).resolves.toMatchObject({ sub: 'carol' });
      expect(fetches).toBe(2);
      // An unknown kid within the refresh interval does not hammer the portal.
      expect((await refusal(es.verify(sign(second.privateKey, 'k3')))).message).toContain('unknown signing key');
      expect(fetches).toBe(2);
    } finally {
      server.close();
    }
  });
});
