// The Recordings panel, as a developer uses it where the gateway records
// (the demo does not: this gateway has a `record: true` rule): a session
// run in the page, then listed with its time, target and duration, and
// played back in the player page.
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { saveScreenshot, waitForBuffer, waitForPrompt, waitForState, type WebtermHook } from '../helpers/browser.js';
import { useRecordingStackAndBrowser, waitForRecordingClosed } from '../helpers/recordings.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack;
let browser: Browser;
let directory: string;

useRecordingStackAndBrowser((started, launched, recordings) => {
  stack = started;
  browser = launched;
  directory = recordings;
});

describe('the Recordings panel', () => {
  it('lists the session just recorded, with time, target and duration, and plays it', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 650 } });
    const page = await context.newPage();
    await page.goto(`${stack.gatewayUrl}/?cluster=local&namespace=default&pod=shell-0#token=${stack.token({ sub: 'alice' })}`);
    await waitForState(page, 'connected');
    await waitForPrompt(page);
    const id = await page.evaluate(() => {
      const details = (window as unknown as { __webterm: WebtermHook }).__webterm.details() as { session?: { id?: string } };
      return details.session?.id ?? '';
    });
    await page.locator('.xterm').click();
    await page.keyboard.type('echo "recorded $((6*7))"\n');
    await waitForBuffer(page, 'recorded 42');
    await page.keyboard.type('exit\n');
    await waitForState(page, 'exited');
    await waitForRecordingClosed(directory, id);

    await page.locator('#recordings-open').click();
    await page.locator('#recordings-dialog').waitFor({ state: 'visible' });
    const rows = page.locator('#recordings-list li');
    await expect.poll(() => rows.count()).toBe(1);
    const text = await rows.first().innerText();
    expect(text).toContain('local / default / shell-0');
    expect(text).toMatch(/\b\d+:\d\d\b/);
    expect(await rows.first().locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await saveScreenshot(page, 'recordings-list.png');

    const opened = context.waitForEvent('page');
    await rows.first().getByRole('button', { name: /^Play/ }).click();
    const player = await opened;
    await player.waitForFunction(() => document.querySelector('.ap-player')?.textContent?.includes('recorded 42') === true, undefined, {
      timeout: 15_000,
    });
    expect(player.url()).toContain(`/recordings/${id}`);
    expect(player.url()).not.toContain('token');
    await saveScreenshot(player, 'recordings-player.png');
    await context.close();
  }, 60_000);

  it("lists another user's own session as still running, and not alice's", async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.gatewayUrl}/?cluster=local&namespace=default&pod=shell-0#token=${stack.token({ sub: 'bob' })}`);
    await waitForState(page, 'connected');
    await page.locator('#recordings-open').click();
    const rows = page.locator('#recordings-list li');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain('still running');
    expect(await page.locator('#recordings-status').innerText()).toBe('');
    await page.close();
  }, 30_000);
});
