// Headless Chromium driven over the DevTools protocol with only what the
// browser figures need: open a context and a tab, add a script, evaluate,
// type, read the heap.
// Playwright enables the Network domain in every page and worker it attaches
// to, and Chromium then copies each websocket frame, base64-encoded, to it:
// under a 64 MB flood that is more CPU in the tab, the browser process and
// the bench than a user's browser ever spends. Nothing here enables Network.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.js';

interface Reply {
  id?: number;
  result?: unknown;
  error?: { message: string };
}

const LAUNCH_TIMEOUT_MS = 20_000;
const CLOSE_TIMEOUT_MS = 5_000;
const VIEWPORT = { width: 1280, height: 800 };
/** What Playwright passes as well, so that a tab in the background or without focus is not slowed. */
const AS_PLAYWRIGHT_RUNS_IT = [
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-renderer-backgrounding',
  '--disable-extensions',
  '--hide-scrollbars',
  '--mute-audio',
];

export class QuietChromium {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(
    private readonly process: ChildProcess,
    private readonly socket: WebSocket,
    /** Its profile folder, made for it and removed on close. */
    readonly profile: string,
  ) {
    socket.on('message', (data) => {
      const reply = JSON.parse(data.toString()) as Reply;
      const waiting = reply.id === undefined ? undefined : this.pending.get(reply.id);
      if (waiting === undefined) return;
      this.pending.delete(reply.id!);
      if (reply.error !== undefined) waiting.reject(new Error(reply.error.message));
      else waiting.resolve(reply.result);
    });
    socket.on('close', () => {
      for (const waiting of this.pending.values()) waiting.reject(new Error('Chromium closed its DevTools socket'));
      this.pending.clear();
    });
  }

  static async launch(): Promise<QuietChromium> {
    const profile = mkdtempSync(join(tmpdir(), 'bench-chromium-'));
    const child = spawn(
      CHROMIUM_PATH,
      [...CHROMIUM_ARGS, ...AS_PLAYWRIGHT_RUNS_IT, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let said = '';
        const timer = setTimeout(
          () => reject(new Error(`Chromium did not open DevTools in ${LAUNCH_TIMEOUT_MS} ms: ${said}`)),
          LAUNCH_TIMEOUT_MS,
        );
        child.stderr!.on('data', (chunk: Buffer) => {
          said += chunk.toString();
          const found = /DevTools listening on (ws:\/\/\S+)/.exec(said);
          if (found === null) return;
          clearTimeout(timer);
          resolve(found[1]!);
        });
        child.once('exit', (code) => reject(new Error(`Chromium exited with ${code}: ${said}`)));
      });
      // Chromium keeps writing to stderr; read it so it never blocks.
      child.stderr!.resume();
      const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      return new QuietChromium(child, socket, profile);
    } catch (error) {
      child.kill('SIGKILL');
      rmSync(profile, { recursive: true, force: true });
      throw error;
    }
  }

  send<T>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.socket.readyState !== WebSocket.OPEN) {
        reject(new Error(`Chromium's DevTools socket is closed (${method})`));
        return;
      }
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) }));
    });
  }

  /** A new tab showing about:blank, its viewport a laptop's browser window; in `context` if given. */
  async newTab(context?: QuietContext): Promise<QuietTab> {
    const { targetId } = await this.send<{ targetId: string }>('Target.createTarget', {
      url: 'about:blank',
      ...(context === undefined ? {} : { browserContextId: context.id }),
    });
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    const tab = new QuietTab(this, targetId, sessionId);
    await tab.send('Emulation.setDeviceMetricsOverride', { ...VIEWPORT, deviceScaleFactor: 1, mobile: false });
    await tab.send('Emulation.setFocusEmulationEnabled', { enabled: true });
    return tab;
  }

  /** A context of its own (cache, cookies, storage), as a first visit sees the site. */
  async newContext(): Promise<QuietContext> {
    const { browserContextId } = await this.send<{ browserContextId: string }>('Target.createBrowserContext', { disposeOnDetach: true });
    return new QuietContext(this, browserContextId);
  }

  /** Closes Chromium as its own menu would (so it has written its profile), then removes the profile. */
  async close(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      const exited = once(this.process, 'exit');
      await this.send('Browser.close').catch(() => undefined);
      const killer = setTimeout(() => this.process.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
      await exited;
      clearTimeout(killer);
    }
    this.socket.terminate();
    // Its helper processes may still be writing as the browser exits.
    rmSync(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

export class QuietContext {
  constructor(
    private readonly browser: QuietChromium,
    readonly id: string,
  ) {}

  newTab(): Promise<QuietTab> {
    return this.browser.newTab(this);
  }

  /** Closes its tabs and forgets its cache and storage. */
  async close(): Promise<void> {
    await this.browser.send('Target.disposeBrowserContext', { browserContextId: this.id });
  }
}

/** Keys the flood figure types that are not printable characters. */
const SPECIAL_KEYS: Record<string, { key: string; code: string; windowsVirtualKeyCode: number; text: string }> = {
  '\r': { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, text: '\r' },
};

export class QuietTab {
  constructor(
    private readonly browser: QuietChromium,
    private readonly targetId: string,
    private readonly sessionId: string,
  ) {}

  send<T>(method: string, params: object = {}): Promise<T> {
    return this.browser.send<T>(method, params, this.sessionId);
  }

  /** Runs `script(arg)` in every document of this tab before its own scripts. */
  async addInitScript<A>(script: (arg: A) => void, arg: A): Promise<void> {
    await this.send('Page.addScriptToEvaluateOnNewDocument', { source: `(${script.toString()})(${JSON.stringify(arg)})` });
  }

  /** Navigates and resolves once the page has loaded. */
  async goto(url: string): Promise<void> {
    await this.send('Page.enable');
    await this.send('Page.navigate', { url });
    await this.waitFor(() => document.readyState === 'complete', undefined, 20);
  }

  /** The value of `fn(arg)` in the page, awaited there if it is a promise. */
  async evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    const reply = await this.send<{ result: { value: R }; exceptionDetails?: { text: string; exception?: { description?: string } } }>(
      'Runtime.evaluate',
      { expression: `(${fn.toString()})(${JSON.stringify(arg)})`, awaitPromise: true, returnByValue: true },
    );
    if (reply.exceptionDetails !== undefined)
      throw new Error(`in the page: ${reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text}`);
    return reply.result.value;
  }

  /** Resolves once `fn(arg)` is true in the page, asking every `pollMs`. */
  async waitFor<A>(fn: (arg: A) => boolean, arg: A, pollMs: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.evaluate(fn, arg).catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${fn.toString()}`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Types `text` key by key, as keyDown (with the text) and keyUp events; `\r` is Enter. */
  async type(text: string): Promise<void> {
    for (const char of text) {
      const key = SPECIAL_KEYS[char] ?? { key: char, code: '', windowsVirtualKeyCode: 0, text: char };
      await this.send('Input.dispatchKeyEvent', { type: 'keyDown', ...key, unmodifiedText: key.text });
      await this.send('Input.dispatchKeyEvent', {
        type: 'keyUp',
        key: key.key,
        code: key.code,
        windowsVirtualKeyCode: key.windowsVirtualKeyCode,
      });
    }
  }

  /** The tab's JS heap in use after a full collection. */
  async jsHeapUsed(): Promise<number> {
    await this.send('HeapProfiler.collectGarbage');
    await this.send('Performance.enable');
    const { metrics } = await this.send<{ metrics: Array<{ name: string; value: number }> }>('Performance.getMetrics');
    return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? Number.NaN;
  }

  async close(): Promise<void> {
    await this.browser.send('Target.closeTarget', { targetId: this.targetId });
  }
}
