// The heap setting is made at run time (v8.setFlagsFromString), which V8 may
// ignore for some flags: this checks in a process of its own that the old
// generation's limit is really computed with the fixed factor afterwards.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIfStale, root } from '../../scripts/build-if-stale.mjs';

const moduleUrl = pathToFileURL(join(root, 'dist', 'server', 'heap-tuning.js')).href;

/** The growing factors V8 reports for each full collection of a fresh process that runs `script`. */
function growingFactors(script: string): number[] {
  const result = spawnSync(process.execPath, ['--expose-gc', '--trace-gc-verbose', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(result.status, result.stderr).toBe(0);
  // "[HeapController] Limit: old size: 3014 KB, new limit: 13064 KB (4.0)": the factor applied.
  return [...result.stdout.matchAll(/\[HeapController\] Limit: .*\(([\d.]+)\)$/gm)].map((match) => Number(match[1]));
}

// Two collections a quiet moment apart: the second's factor V8 derives from
// its measured speeds, and little allocation since the first makes it small.
const twoCollections = 'globalThis.gc(); await new Promise((resolve) => setTimeout(resolve, 200)); globalThis.gc();';

describe('tuneHeapForStreaming', () => {
  beforeAll(async () => {
    await buildIfStale({ server: true, web: false, quiet: true });
  }, 120_000);

  it('leaves V8 to pick a small factor for a quiet heap on its own', () => {
    const factors = growingFactors(twoCollections);
    expect(factors.length).toBeGreaterThanOrEqual(2);
    expect(factors.at(-1)).toBeLessThan(2);
  });

  it('makes every later limit four times the live heap', () => {
    const factors = growingFactors(
      `const { tuneHeapForStreaming } = await import(${JSON.stringify(moduleUrl)}); tuneHeapForStreaming(); ${twoCollections}`,
    );
    expect(factors.length).toBeGreaterThanOrEqual(2);
    expect(factors.slice(-2)).toEqual([4, 4]);
  });
});
