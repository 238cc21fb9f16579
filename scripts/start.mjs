// `npm start`: builds what is missing, then runs the gateway (or, with
// --local-cluster, the embedded local cluster alone; with --bench, the benchmarks).
import { buildIfStale, root } from './build-if-stale.mjs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const mode = process.argv[2];
await buildIfStale({ server: mode !== '--local-cluster', localCluster: true, web: mode === undefined || mode === '--bench' });
const entry = {
  undefined: 'dist/server/main.js',
  '--local-cluster': 'local-cluster/dist/cli.js',
  '--bench': 'dist/bench/run.js',
}[String(mode)];
if (entry === undefined) {
  console.error(`unknown option ${mode}; use no option, --local-cluster or --bench`);
  process.exit(2);
}
await import(pathToFileURL(join(root, entry)).href);
