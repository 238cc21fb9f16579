// A pod with no shell, as its users take it on the demo (`npm start`): the
// distroless-style pod says it has no shell and offers a debug container, whose
// shell the page attaches to; its log follows in the Logs view, pauses,
// finds and downloads. Each journey ends with the screenshot
// docs/logs-and-debug.md shows.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { saveScreenshot, statusText, waitForBuffer, waitForState } from '../helpers/browser.js';
import { useDemoAndBrowser, type DemoProcess } from '../helpers/demo-process.js';
import { openTerminal } from '../helpers/terminal-client.js';

let demo: DemoProcess;
let browser: Browser;
useDemoAndBrowser((started, launched) => {
  demo = started;
  browser = launched;
});

/** The demo's distroless-style pod, web-0: no sh, no bash, a main process that logs a heartbeat every 3 s. */
const distroless = 'cluster=local&namespace=default&pod=web-0&container=web';

async function open(query: string, token = demo.devToken): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${demo.base}/?${query}#token=${token}`);
  return page;
}

const logLines = (page: Page) => page.locator('#logs-lines .log-line').count();

describe('a container with no shell', () => {
  it('says so, starts a debug container, and attaches a shell to it', async () => {
    const page = await open(distroless);
    await waitForState(page, 'error');
    await page.locator('#no-shell').waitFor({ state: 'visible' });
    expect(await statusText(page)).toBe('No shell in web-0 / web: its image has neither bash nor sh.');
    expect(await page.locator('#no-shell-text').innerText()).toMatch(
      /^web-0 \/ web has no shell: its image has neither bash nor sh \(the cluster said: exec: "sh": executable file not found in \$PATH\)\. A debug container brings a shell/,
    );
    // The offer has the keyboard: Enter starts it.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('debug-start');
    await page.keyboard.press('Enter');
    expect(await page.locator('#debug-progress').innerText()).toBe('Starting a debug container… this can take up to a minute.');
    await waitForState(page, 'connected', 70_000);
    expect(await page.locator('#no-shell').isHidden()).toBe(true);
    await waitForBuffer(page, /debug container \S+ shares web's processes; its files are under \/proc\/1\/root/);
    // The picker lists the debug container, marked as such, and has it chosen.
    await expect.poll(() => page.locator('#container option:checked').innerText(), { timeout: 10_000 }).toMatch(/^\S+ \(debug\)$/);
    await page.locator('.xterm').click();
    await page.keyboard.type('echo "debug says $((6*7))"\n');
    await waitForBuffer(page, 'debug says 42');
    await saveScreenshot(page, 'journey-debug.png');
    const debugContainer = await page.locator('#container').inputValue();
    await page.close();

    // Chosen later from the picker (here, by its link), the debug container is attached to, not exec'd in.
    const again = await browser.newPage({ viewport: { width: 1000, height: 600 } });
    const sockets: string[] = [];
    again.on('websocket', (socket) => sockets.push(socket.url()));
    await again.goto(`${demo.base}/?cluster=local&namespace=default&pod=web-0#token=${demo.devToken}`);
    await expect.poll(() => again.locator(`#container option[value="${debugContainer}"]`).count(), { timeout: 10_000 }).toBe(1);
    await again.locator('#container').selectOption(debugContainer);
    await again.locator('#connect').click();
    await waitForState(again, 'connected', 20_000);
    expect(sockets.at(-1)).toMatch(new RegExp(`/pods/web-0/attach\\?container=${debugContainer}$`));
    await again.locator('.xterm').click();
    await again.keyboard.type('echo "again $((6*7))"\n');
    await waitForBuffer(again, 'again 42');
    await again.close();
  }, 120_000);
});

describe('the Logs view', () => {
  it('follows a log, pauses, finds and downloads it', async () => {
    const page = await open(distroless);
    await waitForState(page, 'error');
    // From the keyboard, wherever the focus is.
    await page.keyboard.press('Control+Shift+L');
    expect(await page.locator('#tab-logs').getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.locator('#logs-status').innerText(), { timeout: 15_000 }).toMatch(/^Following web-0 \/ web: /);
    await page.locator('#logs-lines .log-line', { hasText: 'listening on' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#logs-target').innerText()).toBe('web-0 / web');
    // Lines follow: the next heartbeat arrives without a reload.
    const first = await logLines(page);
    await expect.poll(() => logLines(page), { timeout: 10_000 }).toBeGreaterThan(first);
    expect(await page.locator('#logs-status').innerText()).toMatch(/^Following web-0 \/ web: \d+ lines\.$/);

    await page.locator('#logs-pause').click();
    expect(await page.locator('#logs-pause').innerText()).toBe('Resume');
    expect(await page.locator('#logs-status').innerText()).toMatch(/^Paused at \d+ lines\. The page reads no more until Resume/);
    const paused = await logLines(page);
    // Past the next heartbeat (every 3 s), nothing new is shown while paused.
    await page.waitForTimeout(3500);
    expect(await logLines(page)).toBe(paused);
    await page.locator('#logs-pause').click();
    await expect.poll(() => logLines(page), { timeout: 10_000 }).toBeGreaterThan(paused);

    await page.locator('#logs-find-text').fill('heartbeat');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#logs-find-count').innerText()).toMatch(/^1 of \d+$/);
    expect(await page.locator('#logs-lines mark.current').innerText()).toBe('heartbeat');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#logs-find-count').innerText()).toMatch(/^2 of \d+$/);
    await page.keyboard.press('Shift+Enter');
    await expect.poll(() => page.locator('#logs-find-count').innerText()).toMatch(/^1 of \d+$/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#logs-download').click()]);
    expect(download.suggestedFilename()).toBe('web-0-web.log');
    const text = readFileSync(await download.path(), 'utf8');
    expect(text).toMatch(/^web-0 listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(text).toMatch(/ heartbeat 1$/m);
    await saveScreenshot(page, 'journey-logs.png');

    // Back to the shell tab, and its no-shell offer is still there.
    await page.keyboard.press('Control+Shift+L');
    expect(await page.locator('#tab-shell').getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('#no-shell').isVisible()).toBe(true);
    await page.close();
  }, 60_000);

  it('keeps the last 10 000 lines of a long log, and says so', async () => {
    const page = await open('cluster=local&namespace=default&pod=shell-0&container=shell');
    await waitForState(page, 'connected');
    await page.keyboard.press('Control+Shift+L');
    await page.locator('#logs-tail').selectOption('10000');
    await expect.poll(() => page.locator('#logs-status').innerText(), { timeout: 10_000 }).toMatch(/^Following shell-0 \/ shell: /);
    // shell-0's main process is a bash on a terminal: what it prints is its log.
    const main = openTerminal(
      demo.base.replace(/^http/, 'ws'),
      { pod: 'shell-0', container: 'shell', endpoint: 'attach' },
      { token: demo.devToken },
    );
    try {
      await main.waitForMessage('session', 20_000);
      main.sendText('seq 1 12500\n');
      await main.waitForOutput('\n12500\r\n', 20_000);
    } finally {
      main.ws.close();
    }
    await expect.poll(() => page.locator('#logs-lines .log-line').last().innerText(), { timeout: 20_000 }).toBe('12500');
    expect(await logLines(page)).toBe(10_000);
    expect(await page.locator('#logs-lines .log-line').first().innerText()).not.toBe('1');
    expect(await page.locator('#logs-status').innerText()).toMatch(/the page keeps the last 10,000; Download has them all\)/);
    await page.close();
  }, 60_000);

  it('says in words that a user without the logs grant may not read logs there', async () => {
    // olga's only rule is nginx-reload in ingress-nginx (docs/reload.md).
    const page = await open('', demo.token('olga', ['ops']));
    await page.waitForFunction(() => (document.querySelector('#pod') as HTMLSelectElement | null)?.value !== '', undefined, {
      timeout: 10_000,
    });
    await page.locator('#tab-logs').click();
    await expect
      .poll(() => page.locator('#logs-status').innerText(), { timeout: 10_000 })
      .toMatch(/may not read logs in ingress-nginx.*"logs"/);
    expect(await page.locator('#logs-status').getAttribute('data-state')).toBe('error');
    await page.close();
  });
});
