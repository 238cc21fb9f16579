// `kubectl proxy` as a route: the relay a user would otherwise put between a
// browser and the API server (Go, client-go's upgrade-aware proxy). It runs
// against a local cluster with a kubeconfig of its own; exec is on its default
// reject list, so the bench lifts that list. Its CPU and memory are read from
// /proc, as it is no Node process to ask.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface ClusterAddress {
  url: string;
  token: string;
  caPem: string;
}

export interface KubectlProxy {
  /** http://127.0.0.1:PORT, where the API server's paths are served. */
  url: string;
  pid: number;
  cpuSeconds(): Promise<number>;
  rss(): Promise<number>;
  stop(): void;
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** CPU seconds (user and system) process `pid` has spent so far. */
export function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name, field 2, may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

/** Resident bytes of process `pid`. */
export function procRss(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN) * 1024;
}

function kubeconfig(cluster: ClusterAddress): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'local', cluster: { server: cluster.url, 'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64') } },
    ],
    users: [{ name: 'bench', user: { token: cluster.token } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: 'bench' } }],
    'current-context': 'local',
  });
}

/** Starts `kubectl proxy` on a free port in front of `cluster`; resolves once it says where it serves. */
export async function startKubectlProxy(cluster: ClusterAddress, kubectl: string): Promise<KubectlProxy> {
  const directory = mkdtempSync(join(tmpdir(), 'bench-kubectl-'));
  const config = join(directory, 'kubeconfig');
  writeFileSync(config, kubeconfig(cluster), { mode: 0o600 });
  // --reject-paths lifts the default list that refuses exec and attach; only this host may talk to it.
  const child = spawn(kubectl, ['--kubeconfig', config, 'proxy', '--port=0', '--reject-paths=^$', '--accept-hosts=^127\\.0\\.0\\.1$'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => {
      output += data.toString();
      const match = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match !== null) resolve(match[1]!);
    });
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`kubectl proxy exited with ${code}: ${output}`)));
  });
  const pid = child.pid!;
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    cpuSeconds: async () => procCpuSeconds(pid),
    rss: async () => procRss(pid),
    stop: () => {
      child.kill();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
