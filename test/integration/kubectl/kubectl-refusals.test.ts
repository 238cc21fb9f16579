// What kubectl prints for each refusal of the gateway's kubectl endpoint: a
// Kubernetes Status with a message a person can act on, never an empty error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServerCertificate, startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { kubectlBinaries, kubectlOfMinor, runKubectl } from '../../helpers/kubectl.js';
import { startStack, type Stack } from '../../helpers/stack.js';

const AUDIENCE = 'web-terminal-refusals';
const ISSUER = 'https://portal.refusals.example';

let cluster: LocalCluster;
let stack: Stack;
let dir: string;
let caFile: string;
let caPem: string;
let tlsConfig: Record<string, unknown>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gateway-refusals-'));
  const certificate = createServerCertificate('gateway-refusals-ca');
  writeFileSync(join(dir, 'tls.crt'), certificate.certPem + certificate.caPem);
  writeFileSync(join(dir, 'tls.key'), certificate.keyPem);
  caFile = join(dir, 'ca.crt');
  writeFileSync(caFile, certificate.caPem);
  caPem = certificate.caPem;
  tlsConfig = { tls: { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') } };
  cluster = await startLocalCluster();
  stack = await startStack({
    cluster,
    config: {
      listen: tlsConfig,
      auth: { jwt: { audience: AUDIENCE, issuer: ISSUER } },
      policy: [
        { groups: ['dev'], clusters: ['local'], namespaces: ['default'], allow: ['exec'] },
        { groups: ['ops'], clusters: ['*'], namespaces: ['default'], allow: ['exec'] },
      ],
    },
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const versions = [...new Set([...kubectlBinaries(), kubectlOfMinor(30)].filter((b): b is string => b !== undefined))];

/** kubectl against the gateway's endpoint for `clusterName`, with the given token (none when undefined). */
function kubectl(binary: string, gateway: Stack, token: string | undefined, args: string[], clusterName = 'local') {
  const auth = token === undefined ? [] : ['--token', token];
  return runKubectl(
    binary,
    ['--server', `${gateway.gatewayUrl}/k8s/clusters/${clusterName}`, '--certificate-authority', caFile, ...auth, ...args],
    { timeoutMs: 20_000 },
  );
}

describe.each(versions)('%s refused by the gateway', (binary) => {
  const good = () => stack.token({ aud: AUDIENCE, iss: ISSUER });
  // Each case: what the user runs, and the line kubectl must print.
  const cases: Array<[string, () => Promise<{ code: number | null; stderr: string }>, string]> = [
    [
      'a token that does not verify',
      () => kubectl(binary, stack, 'not-a-jwt', ['get', 'pods']),
      'error: You must be logged in to the server (invalid token: not a JWT)',
    ],
    [
      'an expired token',
      () => kubectl(binary, stack, stack.token({ aud: AUDIENCE, iss: ISSUER, expiresInSeconds: -10 }), ['get', 'pods']),
      'error: You must be logged in to the server (the token expired at ',
    ],
    [
      'a token for another audience',
      () => kubectl(binary, stack, stack.token({ aud: 'other', iss: ISSUER }), ['get', 'pods']),
      "error: You must be logged in to the server (invalid token: the token's audience is not accepted by this gateway)",
    ],
    [
      'a token from another issuer',
      () => kubectl(binary, stack, stack.token({ aud: AUDIENCE, iss: 'https://elsewhere.example' }), ['exec', 'shell-0', '--', 'true']),
      "error: You must be logged in to the server (invalid token: the token's issuer is not accepted by this gateway)",
    ],
    [
      'get pods in a forbidden namespace',
      () => kubectl(binary, stack, good(), ['get', 'pods', '-n', 'ingress-nginx']),
      'Error from server (Forbidden): user "alice" may not open a shell in namespace "ingress-nginx" of cluster "local" (gateway policy)',
    ],
    [
      'exec in a forbidden namespace',
      () => kubectl(binary, stack, good(), ['exec', '-n', 'ingress-nginx', 'ingress-nginx-controller-0', '--', 'true']),
      'Error from server (Forbidden): user "alice" may not open a shell in namespace "ingress-nginx" of cluster "local" (gateway policy)',
    ],
    [
      'a cluster no rule names',
      () => kubectl(binary, stack, good(), ['get', 'pods'], 'nosuch'),
      'Error from server (Forbidden): User "alice" may not use cluster "nosuch" (gateway policy)',
    ],
    [
      'an unknown cluster',
      () =>
        kubectl(
          binary,
          stack,
          stack.token({ aud: AUDIENCE, iss: ISSUER, sub: 'olga', groups: ['ops'] }),
          ['exec', 'shell-0', '--', 'true'],
          'nosuch',
        ),
      'Error from server (NotFound): cluster "nosuch" is not known to this gateway',
    ],
    [
      'a bad cluster name',
      () => kubectl(binary, stack, good(), ['get', 'pods'], 'bad~name'),
      'invalid cluster name "bad~name": must be letters, digits',
    ],
    [
      'a bad namespace name',
      () => kubectl(binary, stack, good(), ['get', 'pods', '-n', 'Bad_NS']),
      'invalid namespace name "Bad_NS": must be a DNS-1123 label',
    ],
    [
      'exec in a bad pod name',
      () => kubectl(binary, stack, good(), ['exec', 'Bad_Pod', '--', 'true']),
      'Error from server (BadRequest): invalid pod name "Bad_Pod"',
    ],
    [
      'port-forward',
      () => kubectl(binary, stack, good(), ['port-forward', 'shell-0', '0:80']),
      'error: error upgrading connection: port-forward is not supported by this gateway; use exec',
    ],
    [
      'logs without the logs verb',
      () => kubectl(binary, stack, good(), ['logs', 'shell-0']),
      'Error from server (Forbidden): user "alice" may not read pod logs in namespace "default" of cluster "local" (gateway policy)',
    ],
    [
      'debug without the debug verb',
      () => kubectl(binary, stack, good(), ['debug', 'shell-0', '--image=busybox:1.36']),
      'Error from server (Forbidden): user "alice" may not start debug containers in namespace "default" of cluster "local" (gateway policy)',
    ],
  ];
  it.each(cases)('%s', async (_name, run, line) => {
    const result = await run();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(line);
    // Discovery answers, so no "couldn't get current server API group list" noise comes first.
    expect(result.stderr).not.toContain('memcache');
    expect(result.stderr).not.toMatch(/: \n|: unknown/);
  });
});

describe('refusals seen over HTTP', () => {
  function call(
    method: string,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      request(`${stack.gatewayUrl}${path}`, { method, ca: caPem, headers }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      })
        .on('error', reject)
        .end();
    });
  }
  const bearer = () => ({ Authorization: `Bearer ${stack.token({ aud: AUDIENCE, iss: ISSUER })}` });

  it('asks for a token with a Status that says how to send one', async () => {
    // kubectl with no credential at all asks for a username before it sends anything;
    // a client that sends no token gets this.
    const answer = await call('GET', '/k8s/clusters/local/api/v1/namespaces/default/pods');
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Unauthorized',
      code: 401,
      message: expect.stringContaining('--token'),
    });
  });

  it('answers discovery without a token, the same for every cluster name, and nothing else', async () => {
    for (const cluster of ['local', 'nosuch']) {
      expect((await call('GET', `/k8s/clusters/${cluster}/api`)).body).toMatchObject({ kind: 'APIVersions' });
      expect((await call('GET', `/k8s/clusters/${cluster}/api/v1`)).body).toMatchObject({ kind: 'APIResourceList' });
    }
    expect((await call('GET', '/k8s/clusters/local/version')).status).toBe(401);
  });

  it('refuses a plain request to an unsupported subresource with the same words', async () => {
    const answer = await call('POST', '/k8s/clusters/local/api/v1/namespaces/default/pods/shell-0/portforward', bearer());
    expect(answer.status).toBe(405);
    expect(answer.body).toMatchObject({
      kind: 'Status',
      reason: 'MethodNotAllowed',
      code: 405,
      message: 'port-forward is not supported by this gateway; use exec',
    });
  });

  it('says exec needs a websocket when it comes as a plain request', async () => {
    const answer = await call('POST', '/k8s/clusters/local/api/v1/namespaces/default/pods/shell-0/exec?command=true', bearer());
    expect(answer).toMatchObject({
      status: 400,
      body: { kind: 'Status', reason: 'BadRequest', message: expect.stringContaining('websocket upgrade') },
    });
  });

  it('answers anything else under /k8s with a 404 Status', async () => {
    const answer = await call('GET', '/k8s/elsewhere');
    expect(answer).toMatchObject({
      status: 404,
      body: { kind: 'Status', reason: 'NotFound', message: expect.stringContaining('/k8s/clusters/{cluster}') },
    });
  });

  it('refuses an upgrade elsewhere under /k8s with a Status before any upgrade', async () => {
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(
        `${stack.gatewayUrl.replace(/^https/, 'wss')}/k8s/clusters/local/api/v1/namespaces/default/pods/shell-0/portforward?ports=80`,
        ['v4.channel.k8s.io'],
        { ca: caPem, headers: bearer() },
      );
      ws.once('open', () => reject(new Error('upgraded')));
      ws.once('error', () => undefined);
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
    });
    expect(refused.status).toBe(405);
    expect(JSON.parse(refused.body)).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'MethodNotAllowed',
      code: 405,
      message: 'port-forward is not supported by this gateway; use exec',
    });
  });
});

describe.each(versions)('%s while the gateway drains', (binary) => {
  it('is told the gateway is shutting down and to retry', async () => {
    const draining = await startStack({
      cluster,
      config: { listen: tlsConfig, policy: [{ groups: ['dev'], clusters: ['local'], namespaces: ['default'], allow: ['exec'] }] },
    });
    try {
      // An open session keeps the gateway draining (not closed) while the new exec is refused.
      const holder = kubectl(binary, draining, draining.token(), ['exec', 'shell-0', '--', 'sleep', '30']);
      await expect.poll(() => draining.logs.some((l) => l.includes('"event":"session.start"')), { timeout: 15_000 }).toBe(true);
      const drained = draining.gateway.drain(20);
      const late = await kubectl(binary, draining, draining.token(), ['exec', 'shell-0', '--', 'true']);
      expect(late.code).not.toBe(0);
      expect(late.stderr).toContain('Error from server (ServiceUnavailable): the gateway is shutting down; retry in a moment');
      await draining.gateway.close();
      await Promise.all([drained, holder]);
    } finally {
      await draining.stop();
    }
  }, 60_000);
});
