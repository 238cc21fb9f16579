// The real control plane's programs: kube-apiserver and the test node built
// from this folder's Go module, cached outside the repository by Kubernetes
// version, and Debian's etcd. The first run builds them (minutes on two
// cores); every later run finds them in the cache.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const kubeModule = join(here, '..', 'go', 'kube');

/** The Kubernetes release the tests run, read from the Go module that builds it. */
export const KUBERNETES_VERSION = /k8s\.io\/kubernetes (v\d+\.\d+\.\d+)/.exec(readFileSync(join(kubeModule, 'go.mod'), 'utf8'))![1]!;

export const ETCD_BINARY = '/usr/bin/etcd';

export interface Binaries {
  apiserver: string;
  node: string;
  etcd: string;
}

/** Where Go is, or undefined: without it the real-cluster tests skip. */
export function findGo(): string | undefined {
  for (const candidate of [process.env.GO_BINARY, '/usr/local/go/bin/go', '/usr/bin/go']) {
    if (candidate !== undefined && candidate !== '' && existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function cacheDir(): string {
  const base =
    process.env.XDG_CACHE_HOME !== undefined && process.env.XDG_CACHE_HOME !== '' ? process.env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'webterm-gateway', `k8s-${KUBERNETES_VERSION}`);
}

function goBuild(go: string, pkg: string, output: string, ldflags = ''): Promise<void> {
  const partial = `${output}.partial-${process.pid}`;
  return new Promise((resolve, reject) => {
    // nice: the machine's two cores are shared; the build is a background chore.
    const child = spawn(
      'nice',
      ['-n', '10', go, 'build', '-trimpath', ...(ldflags === '' ? [] : ['-ldflags', ldflags]), '-o', partial, pkg],
      {
        cwd: kubeModule,
        env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`go build ${pkg} failed (${code}):\n${log.slice(-4000)}`));
      renameSync(partial, output);
      resolve();
    });
  });
}

/** The version stamp a release build carries (hack/lib/version.sh), so /version and kubectl see v1.N.x. */
function versionLdflags(): string {
  const [, major, minor] = /^v(\d+)\.(\d+)\./.exec(KUBERNETES_VERSION)!;
  const vars = {
    gitVersion: KUBERNETES_VERSION,
    gitMajor: major!,
    gitMinor: minor!,
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
  };
  return Object.entries(vars)
    .flatMap(([key, value]) => [`-X k8s.io/client-go/pkg/version.${key}=${value}`, `-X k8s.io/component-base/version.${key}=${value}`])
    .join(' ');
}

/** Waits for another test file's build: a lock directory, taken atomically by mkdir. */
async function withLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.build-lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than the longest build belongs to a run that died.
      const info = statSync(lock, { throwIfNoEntry: false });
      if (info !== undefined && Date.now() - info.mtimeMs > 60 * 60_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * The binaries, built when missing. Each binary's name carries a hash of
 * what it is built from (go.sum and the version stamp; the test node's
 * source too), so a change builds it anew. Older binaries stay: a checkout
 * of an older commit, on the same machine, still finds its own.
 */
export async function ensureBinaries(go: string): Promise<Binaries> {
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const apiserver = join(
    dir,
    `kube-apiserver-${createHash('sha256')
      .update(versionLdflags())
      .update(readFileSync(join(kubeModule, 'go.sum')))
      .digest('hex')
      .slice(0, 12)}`,
  );
  // Every source file of the test node, so a change to any one builds it again.
  const nodeDir = join(kubeModule, 'cmd', 'testnode');
  const nodeSources = readdirSync(nodeDir)
    .filter((name) => name.endsWith('.go'))
    .sort()
    .map((name) => join(nodeDir, name));
  const hash = createHash('sha256');
  for (const file of [...nodeSources, join(kubeModule, 'go.mod'), join(kubeModule, 'go.sum')]) hash.update(file).update(readFileSync(file));
  const node = join(dir, `testnode-${hash.digest('hex').slice(0, 12)}`);
  const nodeStale = () => !existsSync(node);
  if (!existsSync(apiserver) || nodeStale()) {
    await withLock(dir, async () => {
      if (!existsSync(apiserver)) await goBuild(go, 'k8s.io/kubernetes/cmd/kube-apiserver', apiserver, versionLdflags());
      if (nodeStale()) await goBuild(go, './cmd/testnode', node);
    });
  }
  if (!existsSync(ETCD_BINARY)) throw new Error(`etcd is not installed (${ETCD_BINARY}): .ci/run installs Debian's etcd-server`);
  return { apiserver, node, etcd: ETCD_BINARY };
}
