// Runs in every test file: scans the bodies of all HTTP responses the test
// reads through fetch, and hands the file's scan figures on when it ends.
import { afterAll, expect } from 'vitest';
import { flushScan, scanResponseBody } from './secret-scan.js';

const originalFetch = globalThis.fetch;
const pending = new Set<Promise<void>>();
globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
  const response = await originalFetch(input, init);
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const type = response.headers.get('content-type') ?? '';
  // Text answers are read a second time from a clone; the test reads the original.
  if (/json|text|yaml|asciicast/.test(type)) {
    const scanned = response
      .clone()
      .text()
      .then(
        (body) => scanResponseBody(body, url),
        () => undefined,
      );
    pending.add(scanned);
    void scanned.finally(() => pending.delete(scanned));
  }
  return response;
};

afterAll(async () => {
  await Promise.all(pending);
  flushScan(expect.getState().testPath ?? 'unknown');
});
