// The ingress-nginx pods: each owns a real nginx (its own prefix, config, pid
// file and port) that `nginx -t` and `nginx -s reload` inside the pod act on;
// without nginx on the machine the pods still exist and say so.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { ROOT_PREFIX } from '@webterm/local-cluster/leftovers';
import { startPodNginx } from '@webterm/local-cluster/nginx';
import { processAlive } from '@webterm/local-cluster/sessions';
import { commandQuery, rawExec } from './raw-client.js';

const NGINX = '/usr/sbin/nginx';
const haveNginx = existsSync(NGINX);
if (!haveNginx)
  console.warn(`${NGINX} is missing: the tests of the real per-pod nginx are skipped (apt-get install nginx-light runs them)`);

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // A fresh connection each time: a reload closes the old workers' keep-alive connections.
    request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
}

async function runIn(cluster: LocalCluster, pod: string, argv: string[]) {
  const exec = rawExec(cluster, `${commandQuery(argv)}&stdout=true&stderr=true`, ['v5.channel.k8s.io'], {
    pod,
    namespace: 'ingress-nginx',
  });
  await exec.closed;
  return { stdout: exec.output(1), stderr: exec.output(2), status: exec.status() };
}

describe.skipIf(!haveNginx)('nginx pods with nginx installed', () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await startLocalCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs one nginx per controller pod, each on its own port answering its pod name', async () => {
    const [first, second] = ['ingress-nginx-controller-0', 'ingress-nginx-controller-1'].map(
      (name) => cluster.pod('ingress-nginx', name)!.nginx!,
    );
    expect(first!.port).not.toBe(second!.port);
    expect(first!.prefix).not.toBe(second!.prefix);
    expect(await get(first!.port)).toBe('ingress-nginx-controller-0\n');
    expect(await get(second!.port)).toBe('ingress-nginx-controller-1\n');
  });

  it('checks and reloads the pod own nginx from inside the pod', async () => {
    const pod = cluster.pod('ingress-nginx', 'ingress-nginx-controller-0')!;
    const test = await runIn(cluster, pod.name, ['nginx', '-t']);
    expect(test.status).toEqual({ metadata: {}, status: 'Success' });
    expect(test.stderr).toContain(`${pod.nginx!.confPath} test is successful`);

    const conf = readFileSync(pod.nginx!.confPath, 'utf8');
    writeFileSync(pod.nginx!.confPath, conf.replace('return 200 "ingress-nginx-controller-0\\n"', 'return 200 "reloaded\\n"'));
    expect((await runIn(cluster, pod.name, ['nginx', '-s', 'reload'])).status).toEqual({ metadata: {}, status: 'Success' });
    // Reload is asynchronous: the master starts new workers, old ones finish.
    const deadline = Date.now() + 5000;
    let answer = await get(pod.nginx!.port);
    while (answer !== 'reloaded\n' && Date.now() < deadline) answer = await get(pod.nginx!.port);
    expect(answer).toBe('reloaded\n');
    // The other pod's nginx is untouched.
    expect(await get(cluster.pod('ingress-nginx', 'ingress-nginx-controller-1')!.nginx!.port)).toBe('ingress-nginx-controller-1\n');
  });

  it('fails nginx -t on a broken config, with nginx own message and exit code', async () => {
    const pod = cluster.pod('ingress-nginx', 'ingress-nginx-controller-1')!;
    const good = readFileSync(pod.nginx!.confPath, 'utf8');
    writeFileSync(pod.nginx!.confPath, good.replace('events {', 'broken_directive on;\nevents {'));
    try {
      const test = await runIn(cluster, pod.name, ['nginx', '-t']);
      expect(test.status).toMatchObject({ reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '1' }] } });
      expect(test.stderr).toContain('unknown directive "broken_directive"');
    } finally {
      writeFileSync(pod.nginx!.confPath, good);
    }
  });
});

describe.skipIf(!haveNginx)('stopping a cluster with nginx pods', () => {
  it('stops every nginx and removes the temporary directories', async () => {
    const cluster = await startLocalCluster();
    const nginx = cluster.pods().flatMap((p) => (p.nginx === undefined ? [] : [p.nginx]));
    expect(nginx).toHaveLength(2);
    const pids = nginx.map((n) => Number(readFileSync(`${n.prefix}/logs/nginx.pid`, 'utf8')));
    await cluster.stop();
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
    for (const n of nginx) expect(existsSync(n.prefix)).toBe(false);
    await expect(get(nginx[0]!.port)).rejects.toThrow();
  });
});

describe.skipIf(!haveNginx)('leftovers of a cluster whose process died', () => {
  it('are removed at the next start: its nginx stopped, its directory gone', async () => {
    // What a killed process leaves: a marked directory whose owner is gone, and a running nginx.
    const root = mkdtempSync(join(tmpdir(), ROOT_PREFIX));
    writeFileSync(join(root, 'owner'), '4194303 1\n');
    const nginx = await startPodNginx(join(root, 'ingress-nginx', 'dead-0', 'nginx'), 'dead-0');
    expect(await get(nginx.port)).toBe('dead-0\n');
    const master = Number(readFileSync(join(nginx.prefix, 'logs', 'nginx.pid'), 'utf8'));
    const cluster = await startLocalCluster({ spec: { namespaces: { empty: { pods: [] } } } });
    try {
      expect(existsSync(root)).toBe(false);
      expect(processAlive(master)).toBe(false);
    } finally {
      await cluster.stop();
    }
  });
});

describe('nginx pods on a machine without nginx', () => {
  let cluster: LocalCluster;
  const warnings: string[] = [];
  beforeAll(async () => {
    const logger = { warn: (_o: unknown, msg: string) => warnings.push(msg), info: () => undefined };
    cluster = await startLocalCluster({ nginxBinary: '/nonexistent/sbin/nginx', logger: logger as never });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('still has the pods, warns at start, and nginx in them says it is missing (exit 127)', async () => {
    expect(warnings.some((w) => w.includes('nginx is not installed'))).toBe(true);
    const pod = cluster.pod('ingress-nginx', 'ingress-nginx-controller-0')!;
    expect(pod.nginx).toBeUndefined();
    const result = await runIn(cluster, pod.name, ['nginx', '-t']);
    expect(result.stderr).toContain('nginx is not installed on this machine');
    expect(result.status).toMatchObject({ reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '127' }] } });
  });
});
