// Figure 7, the page: gzipped size of the terminal page's JS and CSS, and
// navigation to the first shell prompt drawn in headless Chromium, on a first
// visit (a new browser context: the figure) and cached (one context).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { QuietChromium, type QuietContext } from '../browser/quiet-chromium.js';
import { root } from '../settings.js';
import { spread } from '../stats.js';
import type { Figure } from './figure.js';

type Manifest = Record<string, { file: string; css?: string[]; assets?: string[]; imports?: string[]; dynamicImports?: string[] }>;

/** KiB of the terminal page's own JS and CSS once gzipped, its lazily loaded chunks and its worker included (Vite's manifest lists them). */
function gzippedKiB(): number {
  const webRoot = join(root, 'dist', 'web');
  const manifest = JSON.parse(readFileSync(join(webRoot, '.vite', 'manifest.json'), 'utf8')) as Manifest;
  const files = new Set<string>();
  const visit = (key: string) => {
    const chunk = manifest[key];
    if (chunk === undefined || files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const css of chunk.css ?? []) files.add(css);
    // The socket worker is an asset of the chunk that starts it.
    for (const asset of chunk.assets ?? []) if (/\.(js|css)$/.test(asset)) files.add(asset);
    for (const next of [...(chunk.imports ?? []), ...(chunk.dynamicImports ?? [])]) visit(next);
  };
  visit('index.html');
  return [...files].reduce((sum, f) => sum + gzipSync(readFileSync(join(webRoot, f))).length, 0) / 1024;
}

/** Median milliseconds from navigation to the first prompt: in a new context each time (cold), and in one context (warm). */
async function timeToPrompt(gatewayUrl: string, token: string, rounds: number): Promise<{ cold: number; warm: number }> {
  const browser = await QuietChromium.launch();
  try {
    const firstPrompt = async (context: QuietContext) => {
      const tab = await context.newTab();
      const started = Date.now();
      await tab.goto(`${gatewayUrl}/?cluster=local&namespace=default&pod=shell-0&container=shell#token=${token}`);
      await tab.waitFor(
        () => /[$#] $/.test((window as unknown as { __webterm: { bufferText(): string } }).__webterm.bufferText()),
        undefined,
        5,
      );
      const elapsed = Date.now() - started;
      await tab.close();
      return elapsed;
    };
    const coldSamples: number[] = [];
    const warmSamples: number[] = [];
    const warmContext = await browser.newContext();
    await firstPrompt(warmContext);
    for (let round = 0; round < rounds; round += 1) {
      const coldContext = await browser.newContext();
      coldSamples.push(await firstPrompt(coldContext));
      await coldContext.close();
      warmSamples.push(await firstPrompt(warmContext));
    }
    return { cold: spread(coldSamples).median, warm: spread(warmSamples).median };
  } finally {
    await browser.close();
  }
}

export const page: Figure = async ({ settings, gateway, token }) => {
  const gzipped = gzippedKiB();
  // Without a browser the size is still reported, the timings as NaN.
  let cold = Number.NaN;
  let warm = Number.NaN;
  try {
    ({ cold, warm } = await timeToPrompt(gateway.url, token, settings.pageRounds));
  } catch (error) {
    console.error(`page timing skipped: ${(error as Error).message}`);
  }
  return [
    {
      name: '7. page: gzipped JS+CSS; navigation → first prompt (first visit; cached)',
      gateway: `${gzipped.toFixed(0)} KiB; ${cold.toFixed(0)} ms; ${warm.toFixed(0)} ms`,
      figure: `${gzipped.toFixed(0)} KiB, ${cold.toFixed(0)} ms`,
      target: '≤ 250 KiB, ≤ 500 ms',
      met: gzipped <= 250 && cold <= 500,
    },
  ];
};
