// kubectl and @kubernetes/client-node through the gateway's kubectl endpoint,
// over the gateway's own TLS, with the user's JWT as the bearer token.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { PassThrough } from 'node:stream';
import { Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerCertificate } from '@webterm/local-cluster';
import { kubectlBinaries, kubectlOfMinor, runKubectl, writeKubeconfig } from '../../helpers/kubectl.js';
import { startStack, type Stack } from '../../helpers/stack.js';

let stack: Stack;
let dir: string;
let kubeconfig: { path: string; remove(): void };
let caPem: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gateway-tls-'));
  const certificate = createServerCertificate('gateway-test-ca');
  caPem = certificate.caPem;
  // The served chain: leaf then CA, as a TLS proxy or cert-manager would write it.
  writeFileSync(join(dir, 'tls.crt'), certificate.certPem + certificate.caPem);
  writeFileSync(join(dir, 'tls.key'), certificate.keyPem);
  stack = await startStack({
    config: {
      listen: { tls: { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') } },
      policy: [{ groups: ['dev'], clusters: ['local'], namespaces: ['default'], allow: ['exec'] }],
    },
  });
  kubeconfig = writeKubeconfig(await kubeconfigFromGateway(stack.token({ expiresInSeconds: 600 })));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  kubeconfig?.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** GET /api/kubeconfig over the gateway's TLS. */
async function kubeconfigFromGateway(token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(`${stack.gatewayUrl}/api/kubeconfig?cluster=local`, { headers: { Authorization: `Bearer ${token}` }, ca: caPem }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}: ${body}`))));
    })
      .on('error', reject)
      .end();
  });
}

const versions = [...kubectlBinaries(), kubectlOfMinor(30)].filter((b): b is string => b !== undefined);

describe.each(versions)('%s through the gateway', (kubectl) => {
  const run = (args: string[], input?: Buffer) => runKubectl(kubectl, ['--kubeconfig', kubeconfig.path, ...args], { input });

  it('execs echo', async () => {
    const result = await run(['exec', 'shell-0', '--', 'echo', 'through the gateway']);
    expect(result.stderr).toBe('');
    expect(result.stdout.toString()).toBe('through the gateway\n');
    expect(result.code).toBe(0);
  });

  it('carries piped stdin byte-exact', async () => {
    const input = randomBytes(512 * 1024);
    const result = await run(['exec', '-i', 'shell-0', '--', 'sha256sum'], input);
    expect(result.code).toBe(0);
    expect(result.stdout.toString().split(' ')[0]).toBe(createHash('sha256').update(input).digest('hex'));
  });

  it('propagates exit code 3', async () => {
    const result = await run(['exec', 'shell-0', '--', 'sh', '-c', 'exit 3']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('command terminated with exit code 3');
  });

  it('runs exec -it under script with the terminal size', async () => {
    const inner = `stty cols 101 rows 33; ${kubectl} --kubeconfig ${kubeconfig.path} exec -it shell-0 -- sh -c 'sleep 0.5; stty size'`;
    const result = await runKubectl('/usr/bin/script', ['-qec', inner, '/dev/null']);
    expect(result.stdout.toString()).toContain('33 101');
    expect(result.code).toBe(0);
  });

  it("lists pods with the API server's columns: READY, STATUS, RESTARTS, AGE", async () => {
    const result = await run(['get', 'pods']);
    expect(result.stderr).toBe('');
    const [header = '', ...rows] = result.stdout.toString().trim().split('\n');
    expect(header.split(/\s+/)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(
      rows
        .find((row) => row.startsWith('shell-0 '))
        ?.split(/\s+/)
        .slice(0, 4),
    ).toEqual(['shell-0', '1/1', 'Running', '0']);
    const one = await run(['get', 'pod', 'shell-0', '-o', 'wide']);
    expect(one.stdout.toString()).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
  });

  it('refuses a forbidden namespace with a readable error', async () => {
    const result = await run(['exec', '-n', 'ingress-nginx', 'ingress-nginx-controller-0', '--', 'true']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Error from server (Forbidden)');
    expect(result.stderr).toContain('gateway policy');
  });

  it('refuses an expired token', async () => {
    const result = await runKubectl(kubectl, [
      '--kubeconfig',
      kubeconfig.path,
      '--token',
      stack.token({ expiresInSeconds: -10 }),
      'exec',
      'shell-0',
      '--',
      'true',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Unauthorized|logged in/);
  });
});

describe('kubectl that speaks only SPDY', () => {
  const old = kubectlOfMinor(28) ?? kubectlOfMinor(27);
  it.skipIf(old === undefined)('gets a clear error, not a hang', async () => {
    const started = Date.now();
    const result = await runKubectl(old!, ['--kubeconfig', kubeconfig.path, 'exec', 'shell-0', '--', 'true'], { timeoutMs: 15_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('websockets only');
  });
});

describe('@kubernetes/client-node Exec through the gateway', () => {
  it('runs a command and gets its status', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig.path);
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(kc)
        .exec('default', 'shell-0', 'shell', ['sh', '-c', 'echo node-client; exit 4'], stdout, null, null, false, resolve)
        .catch(reject);
    });
    expect(out).toBe('node-client\n');
    expect(status.details?.causes).toEqual([{ reason: 'ExitCode', message: '4' }]);
  });
});

describe('the rest of the Kubernetes API', () => {
  function call(method: string, path: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      request(
        `${stack.gatewayUrl}/k8s/clusters/local${path}`,
        { method, ca: caPem, headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
        },
      )
        .on('error', reject)
        .end();
    });
  }

  it('is not proxied: other reads get 404 and writes 403, as Status objects', async () => {
    const secrets = await call('GET', '/api/v1/namespaces/default/secrets', stack.token());
    expect(secrets.status).toBe(404);
    expect(secrets.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
    const remove = await call('DELETE', '/api/v1/namespaces/default/pods/shell-0', stack.token());
    expect(remove.status).toBe(403);
    expect(remove.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    const anonymous = await call('GET', '/api/v1/namespaces/default/pods/shell-0');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized' });
  });

  it('passes get pod through with the cluster’s own object', async () => {
    const pod = await call('GET', '/api/v1/namespaces/default/pods/shell-0', stack.token());
    expect(pod.status).toBe(200);
    expect(pod.body).toMatchObject({ kind: 'Pod', metadata: { name: 'shell-0', namespace: 'default' } });
    expect(JSON.stringify(pod.body)).not.toContain(stack.cluster.token);
  });
});
