// Runs once before the suite: builds what the tests serve (the compiled page)
// when it is missing or older than its sources.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfStale, root } from '../../scripts/build-if-stale.mjs';
import { SCAN_DIR_ENV } from './secret-scan.js';

interface ScanRecord {
  file: string;
  logLines: number;
  responseBodies: number;
  websocketFrames: number;
  hits: string[];
}

export default async function setup(): Promise<() => void> {
  // Without a page source there is nothing to build; the browser tests say so themselves.
  await buildIfStale({ server: false, web: existsSync(join(root, 'web', 'index.html')), quiet: true });
  // The secret scan's figures come back here from every test file (see secret-scan.ts).
  const scanDir = mkdtempSync(join(tmpdir(), 'webterm-secret-scan-'));
  process.env[SCAN_DIR_ENV] = scanDir;
  return () => {
    const records: ScanRecord[] = readdirSync(scanDir).flatMap((name) =>
      readFileSync(join(scanDir, name), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ScanRecord),
    );
    rmSync(scanDir, { recursive: true, force: true });
    const total = (key: 'logLines' | 'responseBodies' | 'websocketFrames') => records.reduce((sum, r) => sum + r[key], 0);
    const hits = records.flatMap((r) => r.hits.map((hit) => `${r.file}: ${hit}`));
    console.log(
      `secret scan: ${records.length} test files, ${total('logLines')} log lines, ${total('responseBodies')} response bodies, ${total('websocketFrames')} websocket frames, ${hits.length} hits`,
    );
    if (hits.length > 0) throw new Error(`secrets found in what the gateway said:\n${hits.slice(0, 50).join('\n')}`);
  };
}
