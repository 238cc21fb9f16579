// Every endpoint and error path of the gateway, called with credentials
// configured for two clusters (a token, and a client certificate with its
// key): nothing the gateway answers or logs holds any of them. The same scan
// runs over the whole suite (test/helpers/secret-scan.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerCertificate } from '@webterm/local-cluster';
import { forgetPlantedHits, registerSecret, scanLogLine, scanSoFar } from '../helpers/secret-scan.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { openTerminal } from '../helpers/terminal-client.js';

let stack: Stack;
let dir: string;
const clientCert = createServerCertificate('client-ca');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'webterm-secrets-'));
  writeFileSync(join(dir, 'client.crt'), clientCert.certPem);
  writeFileSync(join(dir, 'client.key'), clientCert.keyPem);
  writeFileSync(join(dir, 'token'), 'file-token-secret-value-0123456789\n');
  registerSecret('file-token-secret-value-0123456789');
  registerSecret(clientCert.keyPem.split('\n')[1]);
  stack = await startStack({
    clusters: [
      {
        name: 'by-cert',
        server: 'https://127.0.0.1:9',
        clientCertFile: join(dir, 'client.crt'),
        clientKeyFile: join(dir, 'client.key'),
        insecureSkipTLSVerify: true,
      },
      { name: 'by-file', server: 'https://127.0.0.1:9', tokenFile: join(dir, 'token'), insecureSkipTLSVerify: true },
    ],
    config: {
      actions: { hello: { command: ['echo', 'hello'], namespace: 'default', selector: 'app=shell' } },
      terminal: { upstreamTimeoutSeconds: 1 },
    },
  });
});

afterAll(async () => {
  try {
    await stack?.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('secrets', () => {
  it('never answers or logs a cluster credential, on any endpoint or error path', async () => {
    const token = stack.token();
    const auth = { Authorization: `Bearer ${token}` };
    const paths = [
      '/',
      '/healthz',
      '/readyz',
      '/metrics',
      '/api/clusters',
      '/api/kubeconfig',
      '/api/clusters/local/namespaces',
      '/api/clusters/local/namespaces/default/pods',
      '/api/clusters/local/actions',
      '/api/clusters/by-cert/namespaces',
      '/api/clusters/by-file/namespaces/default/pods',
      '/api/clusters/nowhere/namespaces',
      '/api/recordings',
      '/api/nothing',
      '/k8s/clusters/local/api/v1/namespaces/default/pods/shell-0',
      '/k8s/clusters/by-cert/api/v1/namespaces/default/pods/x',
      '/k8s/clusters/local/api/v1/secrets',
      '/nothing-here',
    ];
    for (const path of paths) {
      for (const headers of [auth, {}]) await (await fetch(`${stack.gatewayUrl}${path}`, { headers })).text();
    }
    for (const cluster of ['local', 'by-cert', 'by-file']) {
      await (
        await fetch(`${stack.gatewayUrl}/api/clusters/${cluster}/actions/hello`, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/json' },
          body: '{}',
        })
      ).text();
      const client = openTerminal(stack.wsUrl, { cluster, command: ['env'] }, { token });
      await client.closed;
    }
    await stack.gateway.close();
    for (const line of stack.logs) scanLogLine(line);
    stack.logs.length = 0;
    const scan = scanSoFar();
    expect(scan.hits).toEqual([]);
    expect(scan.responseBodies).toBeGreaterThan(30);
    expect(scan.logLines).toBeGreaterThan(10);
  });

  it('would see a credential if one leaked (the scan itself works)', () => {
    scanLogLine('{"msg":"oops file-token-secret-value-0123456789"}');
    expect(scanSoFar().hits).toHaveLength(1);
    // Take the planted hit back out, so the suite-wide scan stays about the gateway.
    forgetPlantedHits();
    expect(scanSoFar().hits).toEqual([]);
  });
});
