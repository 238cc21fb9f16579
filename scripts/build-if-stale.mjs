// Builds the server (tsc -b) and the page (vite build) when their output is
// missing or older than their sources. Used by `npm start` and the tests.
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

/** Builds what is missing or stale. */
export async function buildIfStale({ server = true, web = true, quiet = false } = {}) {
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  const vite = join(root, 'node_modules', '.bin', 'vite');
  if (server) {
    const sources = Math.max(newestMtime(join(root, 'server')), newestMtime(join(root, 'shared')));
    // tsc -b rewrites only the outputs that changed, but its build info on every build.
    const built = existsSync(join(root, 'dist', 'server', 'main.js')) ? mtime(join(root, 'dist', 'server', 'tsconfig.tsbuildinfo')) : 0;
    if (sources > built) {
      if (!quiet) console.error('building the server (tsc -b server)…');
      run(tsc, ['-b', 'server'], quiet);
    }
  }
  if (web) {
    const sources = Math.max(newestMtime(join(root, 'web')), newestMtime(join(root, 'shared')), mtime(join(root, 'vite.config.ts')));
    if (sources > mtime(join(root, 'dist', 'web', 'index.html'))) {
      if (!quiet) console.error('building the page (vite build)…');
      run(vite, ['build', '--logLevel', 'warn'], quiet);
    }
  }
}
