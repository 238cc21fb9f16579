// Recordings as the tests see them on disk.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser } from './browser.js';
import { startStack, type Stack } from './stack.js';
import { poll } from './terminal-client.js';

/** Waits until the recording of session `id` is closed (its sidecar has the end time). */
export function waitForRecordingClosed(directory: string, id: string, timeoutMs = 5000): Promise<void> {
  return poll(
    () => {
      try {
        return readFileSync(join(directory, `${id}.json`), 'utf8').includes('endedAt');
      } catch {
        return false;
      }
    },
    timeoutMs,
    `the recording of ${id} to close`,
  );
}

/**
 * For a browser test file: a gateway whose one rule records every session of
 * group dev into a temporary directory, and a browser, started before its
 * tests (handed to `use`) and removed after.
 */
export function useRecordingStackAndBrowser(use: (stack: Stack, browser: Browser, directory: string) => void): void {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  const directory = join(mkdtempSync(join(tmpdir(), 'webterm-recordings-')), 'recordings');
  beforeAll(async () => {
    stack = await startStack({
      config: {
        recording: { directory },
        policy: [{ groups: ['dev'], clusters: ['*'], namespaces: ['*'], allow: ['exec'], record: true }],
      },
    });
    browser = await launchBrowser();
    use(stack, browser, directory);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    rmSync(join(directory, '..'), { recursive: true, force: true });
  });
}
