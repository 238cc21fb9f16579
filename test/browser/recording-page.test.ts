// The recording player at /recordings/{id}: a session recorded through the
// gateway plays back in the browser; others are refused in words.
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useRecordingStackAndBrowser, waitForRecordingClosed } from '../helpers/recordings.js';
import type { Stack } from '../helpers/stack.js';
import { openTerminal } from '../helpers/terminal-client.js';

let stack: Stack;
let browser: Browser;
let directory: string;

useRecordingStackAndBrowser((started, launched, recordings) => {
  stack = started;
  browser = launched;
  directory = recordings;
});

async function record(): Promise<string> {
  const client = openTerminal(
    stack.wsUrl,
    { command: ['sh', '-c', 'echo played-back-$((6*7)); echo 中文 ✓'], tty: true },
    { token: stack.token({ sub: 'alice' }) },
  );
  const session = await client.waitForMessage('session');
  await client.waitForMessage('exit');
  const id = session.type === 'session' ? session.id : '';
  await waitForRecordingClosed(directory, id);
  return id;
}

describe('the recording page', () => {
  it('plays a recorded session with asciinema-player', async () => {
    const id = await record();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${stack.gatewayUrl}/recordings/${id}#token=${stack.token({ sub: 'alice' })}`);
    expect(page.url()).not.toContain('token');
    await page.waitForFunction(() => document.querySelector('.ap-player')?.textContent?.includes('played-back-42') === true, undefined, {
      timeout: 15_000,
    });
    // The player draws each wide character in a cell of its own: compare without the spacing.
    expect((await page.locator('.ap-player').textContent())?.replace(/\s/g, '')).toContain('played-back-42中文✓');
    expect(await page.locator('#recording-title').innerText()).toBe('alice in local/default/shell-0');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says so, in words, to a user who may not watch it', async () => {
    const id = await record();
    const page = await browser.newPage();
    await page.goto(`${stack.gatewayUrl}/recordings/${id}#token=${stack.token({ sub: 'mallory' })}`);
    await page.waitForFunction(() => document.querySelector('#recording-status')?.getAttribute('data-state') === 'error');
    expect(await page.locator('#recording-status').innerText()).toMatch(/^Forbidden: user "mallory" may not watch recordings/);
    await page.close();
  });
});
