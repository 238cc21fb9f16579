// Tokens the gateway refuses, clusters it cannot reach or trust, and the
// promise that no cluster credential ever leaves it.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { openTerminal } from '../../helpers/terminal-client.js';
import { startStack, type Stack } from '../../helpers/stack.js';

let stack: Stack;
let otherCluster: LocalCluster;
let closedPort: number;
let silentServer: Server;

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

beforeAll(async () => {
  // A second cluster whose CA the gateway is given wrongly (the first cluster's CA).
  otherCluster = await startLocalCluster();
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  // Says nothing; the gateway gives up with a reset, which is not an error of the test.
  silentServer = createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
  const silentPort = (silentServer.address() as { port: number }).port;
  const local = await startLocalCluster();
  stack = await startStack({
    cluster: local,
    config: { auth: { jwt: { audience: 'web-terminal', issuer: 'https://portal.test' } }, terminal: { upstreamTimeoutSeconds: 1 } },
    clusters: [
      { name: 'down', server: `https://127.0.0.1:${closedPort}`, token: 'down-cluster-token-0123456789' },
      { name: 'wrong-ca', server: otherCluster.url, token: otherCluster.token, caData: local.caPem },
      { name: 'silent', server: `https://127.0.0.1:${silentPort}`, token: 'silent-cluster-token-0123456789' },
    ],
  });
});

afterAll(async () => {
  await stack?.stop();
  await stack?.cluster.stop();
  await otherCluster?.stop();
  silentServer?.close();
});

const claims = { aud: 'web-terminal', iss: 'https://portal.test' };

async function refusal(token: string) {
  const client = openTerminal(stack.wsUrl, { command: ['true'] }, { token });
  return client.refused;
}

describe('tokens', () => {
  it('accepts a token with the configured issuer and audience', async () => {
    const client = openTerminal(stack.wsUrl, { command: ['echo', 'ok'] }, { token: stack.token(claims) });
    await client.closed;
    expect(client.outputText()).toBe('ok\n');
  });

  it('refuses an expired token with 401 token_expired', async () => {
    const token = stack.token({ ...claims, expiresInSeconds: -60 });
    const refused = await refusal(token);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).error.code).toBe('token_expired');
  });

  it('refuses a token for another audience', async () => {
    expect((await refusal(stack.token({ ...claims, aud: 'someone-else' }))).status).toBe(401);
  });

  it('refuses a token of an algorithm that is not configured', async () => {
    const token = jwt.sign({ sub: 'alice', groups: ['dev'], ...claims }, stack.secret, { algorithm: 'HS512', expiresIn: 60 });
    expect((await refusal(token)).status).toBe(401);
  });

  it('refuses alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'alice', groups: ['dev'], exp: now + 60, ...claims })}.`;
    expect((await refusal(token)).status).toBe(401);
  });

  it('refuses an RS256 token the gateway has no key for', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = jwt.sign({ sub: 'alice', groups: ['dev'], ...claims }, privateKey, { algorithm: 'RS256', expiresIn: 60 });
    expect((await refusal(token)).status).toBe(401);
  });

  it('never puts the token in a refusal body', async () => {
    const token = stack.token({ ...claims, aud: 'other' });
    expect((await refusal(token)).body).not.toContain(token.split('.')[1]);
  });
});

describe('clusters that fail', () => {
  it('reports a cluster that refuses connections as 4502', async () => {
    const client = openTerminal(stack.wsUrl, { cluster: 'down', command: ['true'] }, { token: stack.token(claims) });
    expect((await client.closed).code).toBe(4502);
    expect(client.messages[0]).toMatchObject({ type: 'error', status: 502, code: 'upstream_unreachable' });
  });

  it('reports a certificate from another CA as 4502 and never connects insecurely', async () => {
    const client = openTerminal(stack.wsUrl, { cluster: 'wrong-ca', command: ['echo', 'insecure'] }, { token: stack.token(claims) });
    expect((await client.closed).code).toBe(4502);
    expect(client.messages[0]).toMatchObject({ type: 'error', status: 502, code: 'upstream_tls' });
    expect(client.outputText()).toBe('');
  });

  it('reports a cluster that never answers as 4504 within the bound', async () => {
    const started = Date.now();
    const client = openTerminal(stack.wsUrl, { cluster: 'silent', command: ['true'] }, { token: stack.token(claims) });
    expect((await client.closed).code).toBe(4504);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('credentials never leave the gateway', () => {
  it('keeps every cluster token out of REST answers and log lines', async () => {
    const headers = { Authorization: `Bearer ${stack.token(claims)}` };
    const bodies = await Promise.all(
      [
        '/api/clusters',
        '/api/clusters/local/namespaces/default/pods',
        '/api/clusters/down/namespaces/default/pods',
        '/api/clusters/wrong-ca/namespaces',
      ].map(async (path) => (await fetch(`${stack.gatewayUrl}${path}`, { headers })).text()),
    );
    const secrets = [stack.cluster.token, otherCluster.token, 'down-cluster-token-0123456789', 'silent-cluster-token-0123456789'];
    for (const secret of secrets) {
      for (const body of bodies) expect(body).not.toContain(secret);
      for (const line of stack.logs) expect(line).not.toContain(secret);
    }
    for (const line of stack.logs) expect(line).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  });
});
