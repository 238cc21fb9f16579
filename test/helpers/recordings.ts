// Recordings as the tests see them on disk.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
