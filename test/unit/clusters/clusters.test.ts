import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterSetupError, createClusterRegistry, decodeCaData, inlineCluster } from '../../../server/clusters/index.js';
import { createLogger } from '../../../server/logging.js';

const dir = mkdtempSync(join(tmpdir(), 'clusters-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const logger = createLogger('silent');
const inline = { insecureSkipTLSVerify: false, impersonate: false };

describe('inline clusters', () => {
  it('decodes caData given as base64 or PEM, and refuses anything else', () => {
    expect(decodeCaData(pem)).toBe(pem);
    expect(decodeCaData(Buffer.from(pem).toString('base64'))).toBe(pem);
    expect(() => decodeCaData('bm90IGEgY2VydA==')).toThrow(/neither a PEM/);
  });

  it('sends the token and verifies TLS unless told otherwise', async () => {
    const cluster = inlineCluster({ ...inline, name: 'b', server: 'https://10.0.0.1:6443', token: 's3cret', caData: pem });
    const connection = await cluster.connection();
    expect(connection.headers.Authorization).toBe('Bearer s3cret');
    expect(connection.rejectUnauthorized).toBe(true);
    expect(connection.ca).toBe(pem);
    const insecure = inlineCluster({ ...inline, name: 'c', server: 'https://10.0.0.1:6443', token: 't', insecureSkipTLSVerify: true });
    expect((await insecure.connection()).rejectUnauthorized).toBe(false);
  });

  it('re-reads a token file when it changes', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'first\n');
    const cluster = inlineCluster({ ...inline, name: 'b', server: 'https://10.0.0.1:6443', tokenFile });
    expect((await cluster.connection()).headers.Authorization).toBe('Bearer first');
    writeFileSync(tokenFile, 'second\n');
    utimesSync(tokenFile, new Date(), new Date(Date.now() + 5000));
    expect((await cluster.connection()).headers.Authorization).toBe('Bearer second');
  });

  it('stops start-up with a clear error for a missing file', () => {
    expect(() => inlineCluster({ ...inline, name: 'b', server: 'https://h:6443', tokenFile: join(dir, 'nope') })).toThrow(
      new ClusterSetupError(`cluster "b": tokenFile ${join(dir, 'nope')} does not exist`),
    );
    expect(() => inlineCluster({ ...inline, name: 'b', server: 'https://h:6443', token: 't', caFile: join(dir, 'nope.crt') })).toThrow(
      /caFile .* does not exist/,
    );
  });
});

describe('kubeconfig clusters', () => {
  const certFile = join(dir, 'client.crt');
  const keyFile = join(dir, 'client.key');
  writeFileSync(certFile, 'CERT');
  writeFileSync(keyFile, 'KEY');
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
- name: b
  cluster: { server: "https://10.0.0.2:6443", certificate-authority-data: ${Buffer.from(pem).toString('base64')}, tls-server-name: api.b }
- name: c
  cluster: { server: "https://10.0.0.3:6443", insecure-skip-tls-verify: true }
users:
- name: token-user
  user: { token: tok-b }
- name: cert-user
  user: { client-certificate: ${certFile}, client-key: ${keyFile} }
contexts:
- name: cluster-b
  context: { cluster: b, user: token-user }
- name: cluster-c
  context: { cluster: c, user: cert-user }
- name: "arn:aws:eks:eu-west-1:1:cluster/x"
  context: { cluster: c, user: cert-user }
current-context: cluster-b
`,
  );

  it('makes every context a cluster with its own credential', async () => {
    const registry = await createClusterRegistry([{ kubeconfig, impersonate: true }], { logger });
    // The EKS-style name cannot be a URL segment: left out with a warning.
    expect(registry.names()).toEqual(['cluster-b', 'cluster-c']);
    const b = await registry.get('cluster-b')!.connection();
    expect(b.headers.Authorization).toBe('Bearer tok-b');
    expect(String(b.ca)).toBe(pem);
    expect(b.servername).toBe('api.b');
    expect(b.rejectUnauthorized).toBe(true);
    expect(registry.get('cluster-b')!.impersonate).toBe(true);
    const c = await registry.get('cluster-c')!.connection();
    expect(String(c.cert)).toBe('CERT');
    expect(String(c.key)).toBe('KEY');
    expect(c.rejectUnauthorized).toBe(false);
    expect(c.headers.Authorization).toBeUndefined();
  });

  it('selects contexts and names the missing ones', async () => {
    const registry = await createClusterRegistry([{ kubeconfig, contexts: ['cluster-c'], impersonate: false }], { logger });
    expect(registry.names()).toEqual(['cluster-c']);
    await expect(createClusterRegistry([{ kubeconfig, contexts: ['nope'], impersonate: false }], { logger })).rejects.toThrow(
      /has no context "nope"/,
    );
    await expect(createClusterRegistry([{ kubeconfig: join(dir, 'missing'), impersonate: false }], { logger })).rejects.toThrow(
      /could not be read/,
    );
  });

  it('refuses a cluster defined twice', async () => {
    await expect(
      createClusterRegistry(
        [
          { kubeconfig, impersonate: false },
          { ...inline, name: 'cluster-b', server: 'https://h:6443', token: 't' },
        ],
        { logger },
      ),
    ).rejects.toThrow(/defined twice/);
  });
});
