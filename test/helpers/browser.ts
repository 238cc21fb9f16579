// Debian's Chromium driven by playwright-core: headless, no network beyond
// loopback, a fresh profile per launch. Helpers read the page through its
// read-only test hook, window.__webterm (web/src/test-hook.ts).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { CHROMIUM_ARGS } from '../../bench/browser/chromium.js';
import { projectRoot } from './stack.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    // The bench's launch (nothing in the background), and /tmp for shared memory: /dev/shm is small in containers.
    args: [...CHROMIUM_ARGS, '--disable-dev-shm-usage'],
  });
}

/** What the page's test hook offers (see web/src/test-hook.ts). */
export interface WebtermHook {
  bufferText(): string;
  readonly state: string;
  details(): { kind: string; [key: string]: unknown };
  renderer(): 'webgl' | 'dom';
  size(): { cols: number; rows: number };
  backpressured(): boolean;
}

type HookWindow = Window & { __webterm: WebtermHook };

/** Opens the page at `base` with a query and `#token=`, in a fresh tab. */
export async function openTerminal(
  browser: Browser,
  base: string,
  query: string,
  token: string,
  viewport = { width: 1000, height: 600 },
): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(`${base}/?${query}#token=${token}`);
  return page;
}

/** The terminal's buffer as text, through the page's test hook. */
export function bufferText(page: Page | Frame): Promise<string> {
  return page.evaluate(() => (window as unknown as HookWindow).__webterm.bufferText());
}

export function terminalSize(page: Page): Promise<{ cols: number; rows: number }> {
  return page.evaluate(() => (window as unknown as HookWindow).__webterm.size());
}

export function statusText(page: Page): Promise<string> {
  return page.locator('#status').innerText();
}

/** Waits until the session reaches `state` (connected, exited, error, reconnecting, …). */
export async function waitForState(page: Page, state: string, timeoutMs = 10_000): Promise<void> {
  await page.waitForFunction((wanted) => (window as unknown as HookWindow).__webterm?.state === wanted, state, {
    timeout: timeoutMs,
    polling: 20,
  });
}

/** Waits until the terminal shows `text`. */
export async function waitForBuffer(page: Page | Frame, text: string | RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await bufferText(page);
    if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`the terminal did not show ${String(text)} within ${timeoutMs} ms; it shows:\n${last.slice(-1000)}`);
}

/** Waits for the shell prompt at the end of the buffer. */
export function waitForPrompt(page: Page, timeoutMs = 10_000): Promise<string> {
  return waitForBuffer(page, /[$#] ?$/, timeoutMs);
}

/**
 * Records, from before the page's own script runs, the terminal sockets the
 * page (each of its frames) opens and the type of every control message it
 * sends: in the page's socket worker (web/src/terminal-socket.ts), or on a
 * WebSocket of the page's own where there is no worker.
 */
export async function recordControlMessages(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const recorded = window as unknown as { sentControl: string[]; socketsOpened: string[] };
    recorded.sentControl = [];
    recorded.socketsOpened = [];
    const control = (data: unknown) => {
      if (typeof data === 'string') recorded.sentControl.push((JSON.parse(data) as { type: string }).type);
    };
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, message: { kind?: string; data?: unknown; url?: string }, ...rest: unknown[]) {
      if (message.kind === 'send') control(message.data);
      if (message.kind === 'open') recorded.socketsOpened.push(String(message.url));
      (post as (...args: unknown[]) => void).call(this, message, ...rest);
    } as typeof post;
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
      control(data);
      send.call(this, data);
    };
    const Native = WebSocket;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        recorded.socketsOpened.push(String(url));
      }
    };
  });
}

/** The terminal sockets opened in this page or frame so far (recordControlMessages). */
export function socketsOpened(target: Page | Frame): Promise<string[]> {
  return target.evaluate(() => (window as unknown as { socketsOpened: string[] }).socketsOpened);
}

/** The control messages recorded in this page or frame so far. */
export function sentControl(target: Page | Frame): Promise<string[]> {
  return target.evaluate(() => (window as unknown as { sentControl: string[] }).sentControl);
}

/**
 * The docs' screenshots: taken in every run (so the step is tested), written
 * to docs/screenshots/ only with UPDATE_SCREENSHOTS=1, so a test run leaves the tree clean.
 */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  const image = await page.screenshot();
  expect(image.length).toBeGreaterThan(1000);
  if (process.env.UPDATE_SCREENSHOTS === '1') writeFileSync(join(projectRoot, 'docs', 'screenshots', name), image);
}

/**
 * The terminal's size once it has changed from `from` and then held still
 * for a few polls: a window resize is fitted after a debounce, and a test
 * must read the final size, not one on the way.
 */
export async function settledSize(
  page: Page,
  from: { cols: number; rows: number },
  timeoutMs = 10_000,
): Promise<{ cols: number; rows: number }> {
  const deadline = Date.now() + timeoutMs;
  let last = await terminalSize(page);
  let still = 0;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await terminalSize(page);
    const changed = now.cols !== from.cols || now.rows !== from.rows;
    still = changed && now.cols === last.cols && now.rows === last.rows ? still + 1 : 0;
    last = now;
    if (still >= 3) return now;
  }
  throw new Error(
    `the terminal size did not settle within ${timeoutMs} ms (last ${last.cols}x${last.rows}, from ${from.cols}x${from.rows})`,
  );
}
