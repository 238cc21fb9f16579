// Builds the server and the local cluster package (tsc -b) and the page (vite
// build) when their output is missing or older than their sources. Used by
// `npm start`, `npm run local-cluster` and the tests.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = dirname(dirname(fileURLToPath(import.meta.url)));

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function run(command, args, quiet) {
  const result = spawnSync(command, args, { cwd: root, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (result.status !== 0) {
    if (quiet) process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
  }
}

/** Whether a tsc -b project's output is missing or older than its sources. */
function stale(sourceDirs, output, buildInfo) {
  const sources = Math.max(...sourceDirs.map((dir) => newestMtime(join(root, dir))));
  // tsc -b rewrites only the outputs that changed, but its build info on every build.
  const built = existsSync(join(root, output)) ? mtime(join(root, buildInfo)) : 0;
  return sources > built;
}

/**
 * Builds what is missing or stale: `server` the gateway (and the local cluster
 * package its demo mode loads), `localCluster` that package alone, `web` the page.
 */
export async function buildIfStale({ server = true, localCluster = server, web = true, quiet = false } = {}) {
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  const vite = join(root, 'node_modules', '.bin', 'vite');
  const clusterStale =
    (server || localCluster) && stale(['local-cluster/src'], 'local-cluster/dist/index.js', 'local-cluster/dist/tsconfig.tsbuildinfo');
  // server/ references local-cluster/ (demo.ts reads its types), so one tsc -b builds both.
  if (
    server &&
    (clusterStale || stale(['server', 'shared', 'local-cluster/src'], 'dist/server/main.js', 'dist/server/tsconfig.tsbuildinfo'))
  ) {
    if (!quiet) console.error('building the server (tsc -b server)…');
    run(tsc, ['-b', 'server'], quiet);
  } else if (clusterStale) {
    if (!quiet) console.error('building the local cluster (tsc -b local-cluster)…');
    run(tsc, ['-b', 'local-cluster'], quiet);
  }
  if (web) {
    const sources = Math.max(newestMtime(join(root, 'web')), newestMtime(join(root, 'shared')), mtime(join(root, 'vite.config.ts')));
    if (sources > mtime(join(root, 'dist', 'web', 'index.html'))) {
      if (!quiet) console.error('building the page (vite build)…');
      run(vite, ['build', '--logLevel', 'warn'], quiet);
    }
  }
}
