// Debian's Chromium driven by playwright-core: headless, no network beyond
// loopback, a fresh profile per launch.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** The terminal's buffer as text, through the page's test hook. */
export function bufferText(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { __webterm: { bufferText(): string } }).__webterm.bufferText());
}

export function statusText(page: Page): Promise<string> {
  return page.locator('#status').innerText();
}

/** Waits until the terminal shows `text`. */
export async function waitForBuffer(page: Page, text: string | RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await bufferText(page);
    if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the terminal did not show ${String(text)} within ${timeoutMs} ms; it shows:\n${last.slice(-1000)}`);
}
