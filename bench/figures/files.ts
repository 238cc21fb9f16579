// Figure 9: a 100 MiB file up and down through the gateway's files endpoint,
// against `kubectl cp` (exec + tar) of the same file straight to the local
// cluster, in one run. The local pods have the host's tar, which kubectl cp needs.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Row } from '../report.js';
import type { BenchContext } from './figure.js';

const run = promisify(execFile);
const SIZE = 100 * 1024 * 1024;
const mibps = (seconds: number) => `${(SIZE / 1024 / 1024 / seconds).toFixed(0)} MiB/s`;

async function timed(action: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await action();
  return (performance.now() - started) / 1000;
}

export async function files(context: BenchContext): Promise<Row[]> {
  const { endpoints, settings } = context;
  const directory = mkdtempSync(join(tmpdir(), 'bench-files-'));
  try {
    const data = randomBytes(SIZE);
    const digest = createHash('sha256').update(data).digest('hex');
    const source = join(directory, 'source.bin');
    writeFileSync(source, data);
    const kubeconfig = join(directory, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: local, cluster: {server: "${endpoints.cluster.url}", certificate-authority-data: ${Buffer.from(endpoints.cluster.caPem).toString('base64')}}}]`,
        `users: [{name: bench, user: {token: "${endpoints.cluster.token}"}}]`,
        'contexts: [{name: local, context: {cluster: local, user: bench, namespace: default}}]',
        'current-context: local',
      ].join('\n'),
      { mode: 0o600 },
    );
    const url = (path: string) =>
      `${endpoints.gatewayUrl}/api/clusters/${endpoints.clusterName ?? 'local'}/namespaces/default/pods/shell-0/files?path=${encodeURIComponent(path)}`;
    const auth = { Authorization: `Bearer ${endpoints.token}` };
    const kubectl = (...args: string[]) => run(settings.kubectl, ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 1024 * 1024 });

    const gatewayUp = await timed(async () => {
      const response = await fetch(url(join(directory, 'gateway-up.bin')), { method: 'PUT', headers: auth, body: data });
      const body = (await response.json()) as { sha256?: string };
      if (response.status !== 201 || body.sha256 !== digest) throw new Error(`upload answered ${response.status}`);
    });
    const gatewayDown = await timed(async () => {
      const response = await fetch(url(join(directory, 'gateway-up.bin')), { headers: auth });
      const body = Buffer.from(await response.arrayBuffer());
      if (createHash('sha256').update(body).digest('hex') !== digest) throw new Error('download differs');
    });
    const kubectlUp = await timed(async () => {
      await kubectl('cp', source, `default/shell-0:${join(directory, 'kubectl-up.bin')}`);
    });
    const kubectlDown = await timed(async () => {
      await kubectl('cp', `default/shell-0:${join(directory, 'kubectl-up.bin')}`, join(directory, 'kubectl-down.bin'));
      if (
        createHash('sha256')
          .update(readFileSync(join(directory, 'kubectl-down.bin')))
          .digest('hex') !== digest
      ) {
        throw new Error('kubectl cp copy differs');
      }
    });
    console.log(
      `files: upload ${mibps(gatewayUp)} (gateway) vs ${mibps(kubectlUp)} (kubectl cp); download ${mibps(gatewayDown)} vs ${mibps(kubectlDown)}`,
    );
    const row = (name: string, gateway: number, direct: number): Row => ({
      name,
      direct: `${mibps(direct)} (kubectl cp)`,
      gateway: mibps(gateway),
      figure: '9',
      target: 'reference: kubectl cp of the same 100 MiB file',
      met: null,
      detail: { gatewaySeconds: gateway, kubectlSeconds: direct },
    });
    return [row('files: 100 MiB upload', gatewayUp, kubectlUp), row('files: 100 MiB download', gatewayDown, kubectlDown)];
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
