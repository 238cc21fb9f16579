// Runs once before the suite: builds what the tests serve (the compiled page)
// when it is missing or older than its sources.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildIfStale, root } from '../../scripts/build-if-stale.mjs';

export default async function setup(): Promise<void> {
  // Without a page source there is nothing to build; the browser tests say so themselves.
  await buildIfStale({ server: false, web: existsSync(join(root, 'web', 'index.html')), quiet: true });
}
