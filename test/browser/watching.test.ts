// Watching a live session, as two colleagues do on the demo: the owner
// shares their shell and sees who watches; the colleague finds it under
// Sessions…, watches it read-only at the owner's size, and is told why the
// watch ended (sharing stopped, then the session ended).
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { bufferText, saveScreenshot, statusText, terminalSize, waitForBuffer, waitForPrompt, waitForState } from '../helpers/browser.js';
import { useDemoAndBrowser, type DemoProcess } from '../helpers/demo-process.js';

let demo: DemoProcess;
let browser: Browser;
useDemoAndBrowser((started, launched) => {
  demo = started;
  browser = launched;
});

async function open(query: string, token: string, viewport = { width: 1100, height: 650 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(`${demo.base}/?${query}#token=${token}`);
  return page;
}

/** The colleague opens Sessions… and watches the owner's session. */
async function watchOwners(viewer: Page): Promise<void> {
  await viewer.locator('#sessions-open').click();
  const row = viewer.locator('#sessions-list li', { hasText: /^dev — local \/ default \/ shell-0 \/ shell/ });
  await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
  await row.getByRole('button', { name: 'Watch' }).click();
  await expect.poll(() => statusText(viewer)).toMatch(/^Watching dev's session on shell-0 \/ shell \(read-only/);
}

describe('watching a shared session', () => {
  it('the owner shares, a colleague watches read-only, and is told when sharing stops and when the session ends', async () => {
    const owner = await open('cluster=local&namespace=default&pod=shell-0&container=shell', demo.devToken);
    await waitForState(owner, 'connected');
    await waitForPrompt(owner);
    await owner.locator('#share').click();
    expect(await owner.locator('#share').getAttribute('aria-pressed')).toBe('true');

    const viewer = await open('cluster=local&namespace=default&pod=tiny-0', demo.token('vera', ['dev']), { width: 1300, height: 750 });
    await waitForState(viewer, 'connected');
    await watchOwners(viewer);
    await expect.poll(() => owner.locator('#watchers').innerText()).toBe('Watched by vera');

    // What the owner types shows in the viewer; what the viewer types goes nowhere.
    await owner.locator('.xterm').click();
    await owner.keyboard.type('echo "shared $((6*7))"\n');
    await waitForBuffer(viewer, 'shared 42');
    await viewer.locator('.xterm').click();
    await viewer.keyboard.type('echo viewer-typed\n');
    await owner.keyboard.type('echo "still $((7*6))"\n');
    await waitForBuffer(viewer, 'still 42');
    expect(await bufferText(owner)).not.toContain('viewer-typed');
    // The viewer's terminal has the owner's size, not its own window's.
    expect(await terminalSize(viewer)).toEqual(await terminalSize(owner));
    await saveScreenshot(owner, 'watch-owner.png');
    await saveScreenshot(viewer, 'watch-viewer.png');

    // Sharing stops: the viewer is closed and told why.
    await owner.locator('#share').click();
    await expect.poll(() => statusText(viewer)).toMatch(/^Sharing stopped: /);
    await expect.poll(() => owner.locator('#watchers').innerText()).toBe('');

    // Shared again, then the shell exits: the viewer is told the session ended.
    await owner.locator('#share').click();
    await watchOwners(viewer);
    await owner.locator('.xterm').click();
    await owner.keyboard.type('exit\n');
    await waitForState(owner, 'exited');
    await expect.poll(() => statusText(viewer)).toMatch(/^The session ended/);
    await saveScreenshot(viewer, 'watch-ended.png');
    await owner.close();
    await viewer.close();
  }, 60_000);
});
