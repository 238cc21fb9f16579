// Runs once before the suite: builds what the tests serve (the compiled page)
// when it is missing or older than its sources.
import { buildIfStale } from '../../scripts/build-if-stale.mjs';

export default async function setup(): Promise<void> {
  await buildIfStale({ server: false, web: true, quiet: true });
}
