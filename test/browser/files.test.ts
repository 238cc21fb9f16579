// Files in and out of a pod, as a developer moves them on the demo: a file
// dropped on the terminal is uploaded to the home directory, Download… fetches
// it back, a refusal is said in the gateway's words, and a cancelled upload
// leaves nothing behind. Each ends with a screenshot docs/workspace.md shows.
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

async function openShell(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  await page.goto(`${demo.base}/?${shell}#token=${demo.devToken}`);
  await waitForState(page, 'connected');
  await waitForPrompt(page);
  return page;
}

/** Drops a file of `size` bytes (or with `text`) named `name` on the terminal, as a file manager would. */
async function dropFile(page: Page, name: string, content: { text: string } | { size: number }): Promise<void> {
  const transfer = await page.evaluateHandle(
    ([fileName, body]) => {
      const data = new DataTransfer();
      const bytes = 'text' in body ? body.text : new Uint8Array(body.size).fill(120);
      data.items.add(new File([bytes], fileName));
      return data;
    },
    [name, content] as const,
  );
  await page.locator('#shell-panel').dispatchEvent('dragover', { dataTransfer: transfer });
  await page.locator('#shell-panel').dispatchEvent('drop', { dataTransfer: transfer });
}

const filesStatus = (page: Page) => page.locator('#files-status').innerText();

/** GET the file through the API, as another client would: its status. */
async function statusOf(path: string): Promise<number> {
  const url = `${demo.base}/api/clusters/local/namespaces/default/pods/shell-0/files?container=shell&path=${encodeURIComponent(path)}`;
  const response = await fetch(url, { headers: { Authorization: `Bearer ${demo.devToken}` } });
  await response.arrayBuffer();
  return response.status;
}

describe('files', () => {
  it('uploads a file dropped on the terminal to the home directory, and downloads it again', async () => {
    const page = await openShell();
    await dropFile(page, 'notes.txt', { text: 'dropped from the desktop\n' });
    await page.locator('#files-dialog').waitFor({ state: 'visible' });
    expect(await page.locator('#files-title').innerText()).toBe('Upload notes.txt (25 bytes) to shell-0 / shell');
    // Prefilled with the shell's $HOME, once the gateway has said what it is.
    await expect.poll(() => page.locator('#files-path').inputValue()).toMatch(/\/containers\/shell\/notes\.txt$/);
    const path = await page.locator('#files-path').inputValue();
    await page.locator('#files-start').click();
    await expect.poll(() => filesStatus(page)).toMatch(new RegExp(`^Uploaded 25 bytes to ${path} \\(sha256 [0-9a-f]{12}…\\)\\.$`));
    await saveScreenshot(page, 'files-upload.png');
    await page.locator('#files-cancel').click();
    await page.keyboard.type('cat ~/notes.txt\n');
    await waitForBuffer(page, /\ndropped from the desktop/);

    await page.locator('#files-download').click();
    await expect.poll(() => page.locator('#files-path').inputValue()).toMatch(/\/containers\/shell\/$/);
    await page.locator('#files-path').fill(path);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#files-start').click()]);
    expect(download.suggestedFilename()).toBe('notes.txt');
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('dropped from the desktop\n');
    await expect.poll(() => filesStatus(page)).toBe('Downloaded notes.txt (25 bytes).');
    await saveScreenshot(page, 'files-download.png');
    await page.close();
  }, 60_000);

  it('says why a transfer is refused, in the gateway words', async () => {
    const page = await openShell();
    await page.locator('#files-download').click();
    await page.locator('#files-path').fill('/no/such/file');
    await page.locator('#files-start').click();
    await expect.poll(() => filesStatus(page)).toBe('Not found: /no/such/file: No such file or directory');
    await page.locator('#files-path').fill('relative/path');
    await page.locator('#files-start').click();
    await expect.poll(() => filesStatus(page)).toBe('Not a valid path: give an absolute path, starting with /.');
    await page.keyboard.press('Escape');

    // A directory where the file should go: 409.
    await dropFile(page, 'tmp', { text: 'x' });
    await page.locator('#files-path').fill('/tmp');
    await page.locator('#files-start').click();
    await expect.poll(() => filesStatus(page)).toMatch(/^A directory is in the way: /);
    await saveScreenshot(page, 'files-refused.png');
    await page.close();
  }, 60_000);

  it('cancels an upload under way, and no file is left', async () => {
    const page = await openShell();
    // A slow link, so the upload is still under way when the user cancels it.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: 1024 * 1024,
      uploadThroughput: 256 * 1024,
    });
    await dropFile(page, 'big.bin', { size: 8 * 1024 * 1024 });
    await page.locator('#files-path').fill('/tmp/webterm-cancelled-upload.bin');
    await page.locator('#files-start').click();
    await expect.poll(() => filesStatus(page)).toMatch(/^Uploading… /);
    expect(await page.locator('#files-cancel').innerText()).toBe('Cancel');
    await page.locator('#files-cancel').click();
    await expect.poll(() => filesStatus(page)).toBe('Cancelled: nothing was written under webterm-cancelled-upload.bin.');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await expect.poll(() => statusOf('/tmp/webterm-cancelled-upload.bin'), { timeout: 10_000 }).toBe(404);
    // Nor a temporary file beside it.
    await page.locator('#files-cancel').click();
    await page.keyboard.type('ls -a /tmp | grep -c webterm-cancelled; echo listed\n');
    await waitForBuffer(page, /\n0\s*\nlisted/);
    await page.close();
  }, 60_000);
});
