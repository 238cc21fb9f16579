// The bench's DevTools driver for the browser figures (bench/browser/quiet-chromium.ts):
// it must type, evaluate and read the heap as Playwright would, in a tab of a
// laptop's size, and open contexts that share no storage.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuietChromium } from '../../bench/browser/quiet-chromium.js';

const PAGE = `<!doctype html><input id="field"><script>
window.keys = [];
document.addEventListener('keydown', (event) => window.keys.push(event.key), true);
</script>`;

describe('the bench’s quiet Chromium', () => {
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  let url: string;
  let browser: QuietChromium;

  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await QuietChromium.launch();
  });
  afterAll(async () => {
    await browser?.close();
    server.close();
  });

  it('runs an init script, evaluates (promises too), types keys and Enter, and reads the heap', async () => {
    const tab = await browser.newTab();
    await tab.addInitScript((greeting: string) => ((window as unknown as { greeting: string }).greeting = greeting), 'hello');
    await tab.goto(url);
    expect(await tab.evaluate(() => (window as unknown as { greeting: string }).greeting)).toBe('hello');
    expect(await tab.evaluate(() => ({ width: innerWidth, height: innerHeight }))).toEqual({ width: 1280, height: 800 });
    expect(await tab.evaluate((n: number) => new Promise<number>((resolve) => setTimeout(() => resolve(n * 2), 10)), 21)).toBe(42);
    await expect(tab.evaluate(() => Promise.reject(new Error('no such thing')))).rejects.toThrow(/no such thing/);

    await tab.evaluate(() => document.getElementById('field')!.focus());
    await tab.type('ab!|$\r');
    expect(await tab.evaluate(() => (document.getElementById('field') as HTMLInputElement).value)).toBe('ab!|$');
    expect(await tab.evaluate(() => (window as unknown as { keys: string[] }).keys)).toEqual(['a', 'b', '!', '|', '$', 'Enter']);

    expect(await tab.jsHeapUsed()).toBeGreaterThan(0);
    await tab.close();
  });

  it('keeps each context’s storage to itself, as a first visit sees the site', async () => {
    const first = await browser.newContext();
    const tab = await first.newTab();
    await tab.goto(url);
    await tab.evaluate(() => localStorage.setItem('seen', 'yes'));
    const again = await first.newTab();
    await again.goto(url);
    expect(await again.evaluate(() => localStorage.getItem('seen'))).toBe('yes');

    const fresh = await browser.newContext();
    const stranger = await fresh.newTab();
    await stranger.goto(url);
    expect(await stranger.evaluate(() => localStorage.getItem('seen'))).toBeNull();

    await first.close();
    await expect(tab.evaluate(() => 1)).rejects.toThrow();
    await fresh.close();
  });

  it('leaves no profile behind, and refuses calls once closed', async () => {
    const other = await QuietChromium.launch();
    const { profile } = other;
    expect(existsSync(profile)).toBe(true);
    await other.close();
    expect(existsSync(profile)).toBe(false);
    // A call after the close is refused, not left waiting.
    await expect(other.send('Browser.getVersion')).rejects.toThrow(/closed/);
  });
});
