// The suite-wide secret scan: every gateway log line, every HTTP response
// body and every websocket frame the tests receive is searched for the
// secrets the tests gave the gateway (cluster tokens, JWT signing keys) and
// for private key material. Each test file writes its counts and hits to the
// run's scan directory; the global teardown adds them up and fails the run
// on any hit.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

export const SCAN_DIR_ENV = 'WEBTERM_SECRET_SCAN_DIR';

const secrets = new Set<string>();
const counts = { logLines: 0, responseBodies: 0, websocketFrames: 0 };
const hits: string[] = [];
/** Private key material in any form a PEM or a kubeconfig would carry it. */
const KEY_PATTERN = /-----BEGIN [A-Z ]*PRIVATE KEY-----|client-key-data:\s*\S{20,}/;

/** A value that must never appear in anything the gateway says. */
export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= 8) secrets.add(value);
}

function check(text: string, where: string): void {
  for (const secret of secrets) {
    if (text.includes(secret)) hits.push(`${where}: a registered secret (${secret.slice(0, 4)}…)`);
  }
  if (KEY_PATTERN.test(text)) hits.push(`${where}: private key material`);
}

export function scanLogLine(line: string): void {
  counts.logLines += 1;
  check(line, 'log line');
}

export function scanResponseBody(body: string, url: string): void {
  counts.responseBodies += 1;
  check(body, `response of ${url.replace(/\?.*/, '')}`);
}

export function scanFrame(data: string, url: string): void {
  counts.websocketFrames += 1;
  check(data, `websocket frame of ${url.replace(/\?.*/, '')}`);
}

/** Appends this file's counts and hits to the run's scan directory (one JSON line). */
export function flushScan(file: string): void {
  const dir = process.env[SCAN_DIR_ENV];
  if (dir === undefined) return;
  appendFileSync(join(dir, `${process.pid}.jsonl`), `${JSON.stringify({ file, ...counts, hits })}\n`);
  counts.logLines = 0;
  counts.responseBodies = 0;
  counts.websocketFrames = 0;
  hits.length = 0;
}

/** What this file's scan found so far, and how much it looked at. */
export function scanSoFar(): { hits: readonly string[]; logLines: number; responseBodies: number; websocketFrames: number } {
  return { hits: [...hits], ...counts };
}

/** For the scan's own test only: drops the hits it planted on purpose. */
export function forgetPlantedHits(): void {
  hits.length = 0;
}
