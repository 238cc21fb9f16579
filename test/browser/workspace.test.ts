// The workspace's comforts, as a developer uses them on the demo: the pod
// picker says each pod's phase and readiness, the font size and theme are
// remembered across a reload, the shortcuts are listed in a help panel, and a
// phone gets Esc / Ctrl / Tab / arrow keys under the terminal.
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { saveScreenshot, waitForBuffer, waitForPrompt, waitForState } from '../helpers/browser.js';
import { useDemoAndBrowser, type DemoProcess } from '../helpers/demo-process.js';

let demo: DemoProcess;
let browser: Browser;
useDemoAndBrowser((started, launched) => {
  demo = started;
  browser = launched;
});

const shell = 'cluster=local&namespace=default&pod=shell-0&container=shell';

async function openShell(page: Page): Promise<void> {
  await page.goto(`${demo.base}/?${shell}#token=${demo.devToken}`);
  await waitForState(page, 'connected');
  await waitForPrompt(page);
}

describe('the workspace', () => {
  it('shows pod status, remembers font size and theme, and lists the shortcuts', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 650 }, colorScheme: 'light' });
    const page = await context.newPage();
    await openShell(page);
    await expect.poll(() => page.locator('#pod option[value="shell-0"]').innerText(), { timeout: 10_000 }).toBe('shell-0 — Running, ready');

    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await background()).toBe('rgb(255, 255, 255)');
    await page.locator('#font-size').selectOption('18');
    await page.locator('#theme').click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await background()).toBe('rgb(22, 24, 29)');
    await page.reload();
    await waitForState(page, 'connected');
    expect(await page.locator('#font-size').inputValue()).toBe('18');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await page.locator('#theme').innerText()).toBe('Light theme');
    expect(await background()).toBe('rgb(22, 24, 29)');
    await page.locator('.xterm').click();
    await page.keyboard.type('echo "big $((6*7))"\n');
    await waitForBuffer(page, 'big 42');
    await saveScreenshot(page, 'workspace-dark.png');

    await page.locator('#help-open').click();
    await page.locator('#help-dialog').waitFor({ state: 'visible' });
    expect(await page.locator('#help-dialog dl').innerText()).toContain('Find in the terminal');
    await saveScreenshot(page, 'workspace-help.png');
    await context.close();
  }, 60_000);

  it('follows a dark system preference until a theme is chosen', async () => {
    const context = await browser.newContext({ colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(`${demo.base}/?${shell}#token=${demo.devToken}`);
    await waitForState(page, 'connected');
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await background()).toBe('rgb(22, 24, 29)');
    await page.locator('#theme').click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    expect(await background()).toBe('rgb(255, 255, 255)');
    await context.close();
  }, 30_000);

  it('on a narrow screen, offers Esc, Ctrl, Tab and arrow keys under the terminal', async () => {
    const page = await browser.newPage({ viewport: { width: 400, height: 720 }, isMobile: true, hasTouch: true });
    await openShell(page);
    await page.locator('#mobile-keys').waitFor({ state: 'visible' });
    await page.locator('.xterm').click();
    await page.keyboard.type('echo "phone $((6*7))"\n');
    await waitForBuffer(page, 'phone 42');
    // ↑ brings the last command back; Enter runs it again.
    await page.locator('#mobile-keys [data-key="ArrowUp"]').click();
    await page.keyboard.press('Enter');
    await expect
      .poll(
        async () =>
          (
            (await page.evaluate(() => (window as unknown as { __webterm: { bufferText(): string } }).__webterm.bufferText())).match(
              /phone 42/g,
            ) ?? []
          ).length,
      )
      .toBe(2);
    // Ctrl, then c: the shell gets Ctrl+C.
    await page.keyboard.type('sleep 30');
    await page.locator('#mobile-keys [data-key="Control"]').click();
    await page.keyboard.type('c');
    await waitForBuffer(page, /sleep 30\^C/);
    await saveScreenshot(page, 'workspace-phone.png');
    await page.close();
  }, 60_000);
});
