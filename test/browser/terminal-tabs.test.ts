// Terminal tabs, as a developer uses them on the demo: a second shell in a
// new tab, switching with the keyboard, a reload that brings both shells
// back (the same processes, by resume), and closing a tab.
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { bufferText, saveScreenshot, waitForBuffer, waitForPrompt, waitForState } from '../helpers/browser.js';
import { useDemoAndBrowser, type DemoProcess } from '../helpers/demo-process.js';

let demo: DemoProcess;
let browser: Browser;
useDemoAndBrowser((started, launched) => {
  demo = started;
  browser = launched;
});

const shell = 'cluster=local&namespace=default&pod=shell-0&container=shell';

function tabNames(page: Page): Promise<string[]> {
  return page.locator('#terminal-tab-list [role="tab"]').allInnerTexts();
}

function selectedTab(page: Page): Promise<number> {
  return page
    .locator('#terminal-tab-list [role="tab"]')
    .evaluateAll((tabs) => tabs.findIndex((tab) => tab.getAttribute('aria-selected') === 'true'));
}

async function run(page: Page, command: string, expected: string): Promise<void> {
  await page.locator('.xterm').click();
  await page.keyboard.type(`${command}\n`);
  await waitForBuffer(page, expected);
}

describe('terminal tabs', () => {
  it('opens a second shell in a tab, switches by keyboard, and keeps both across a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 650 } });
    await page.goto(`${demo.base}/?${shell}#token=${demo.devToken}`);
    await waitForState(page, 'connected');
    await waitForPrompt(page);
    // Each shell keeps a variable of its own: only the same process still has it after the reload.
    await run(page, 'FIRST=one-$((6*7)); echo "first $FIRST"', 'first one-42');

    // + opens a tab on the pickers' target, with its own session.
    await page.locator('#terminal-tab-new').click();
    await expect.poll(() => tabNames(page)).toEqual(['shell-0 · shell', 'shell-0 · shell']);
    await waitForState(page, 'connected');
    await waitForPrompt(page);
    expect(await bufferText(page)).not.toContain('first one-42');
    await run(page, 'SECOND=two-$((7*7)); echo "second $SECOND"', 'second two-49');

    // The keyboard reaches the tabs: ← shows the first shell again, as it was.
    await page.locator('#terminal-tab-list [aria-selected="true"]').focus();
    await page.keyboard.press('ArrowLeft');
    expect(await selectedTab(page)).toBe(0);
    await waitForBuffer(page, 'first one-42');
    expect(await bufferText(page)).not.toContain('second two-49');

    await page.reload();
    await expect.poll(() => tabNames(page), { timeout: 10_000 }).toHaveLength(2);
    expect(await selectedTab(page)).toBe(0);
    await waitForState(page, 'connected');
    await waitForBuffer(page, 'first one-42');
    await run(page, 'echo "still $FIRST"', 'still one-42');
    await page.locator('#terminal-tab-list [role="tab"]').nth(1).click();
    await waitForBuffer(page, 'second two-49');
    await run(page, 'echo "still $SECOND"', 'still two-49');
    await saveScreenshot(page, 'tabs-resumed.png');

    // Closing a tab ends its session; the other one is shown.
    await page.locator('#terminal-tab-list .terminal-tab-close').nth(1).click();
    expect(await tabNames(page)).toEqual(['shell-0 · shell']);
    await waitForBuffer(page, 'still one-42');
    expect(await page.locator('#terminal-tab-list .terminal-tab-close').isHidden()).toBe(true);
    await page.close();
  }, 90_000);

  it('stays one terminal in a portal frame (?embed=1)', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 500 } });
    await page.goto(`${demo.base}/?${shell}&embed=1#token=${demo.devToken}`);
    await waitForState(page, 'connected');
    expect(await page.locator('.terminal-tabs').isHidden()).toBe(true);
    await page.close();
  }, 30_000);
});
