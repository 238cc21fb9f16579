// A terminal session in a real browser: bytes split across frames, Ctrl+C,
// flow control under a flood, a new session after exit, reconnecting after
// a lost connection, the status words of each failure, and keyboard-only use.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bufferText,
  launchBrowser,
  openTerminal,
  recordControlMessages,
  sentControl,
  statusText,
  waitForBuffer,
  waitForPrompt,
  waitForState,
  type WebtermHook,
} from '../helpers/browser.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack({
    clusters: [{ name: 'down', server: 'https://127.0.0.1:9', token: 'unused', insecureSkipTLSVerify: true }],
  });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const shell = 'cluster=local&namespace=default&pod=shell-0&container=shell';

function command(...args: string[]): string {
  return args.map((arg) => `command=${encodeURIComponent(arg)}`).join('&');
}

describe('a terminal session', () => {
  it('keeps UTF-8 intact when a character is split across frames', async () => {
    // Each printf is its own write, so its own frame: 中, 文 and 🚀 are cut in the middle of their bytes.
    const script =
      "printf '\\344\\270'; sleep 0.2; printf '\\255\\346\\226'; sleep 0.2; printf '\\207 \\360\\237'; sleep 0.2; printf '\\232\\200 end\\n'";
    const page = await openTerminal(browser, stack.gatewayUrl, `${shell}&${command('bash', '-c', script)}`, stack.token());
    const text = await waitForBuffer(page, 'end');
    expect(text).toContain('中文 🚀 end');
    expect(text).not.toContain('\uFFFD');
    await page.close();
  });

  it('sends Ctrl+C to the process, and a new session starts with Enter after exit', async () => {
    const page = await openTerminal(browser, stack.gatewayUrl, shell, stack.token());
    await waitForState(page, 'connected');
    await waitForPrompt(page);
    await page.locator('.xterm').click();
    // The computed line appears only once the process that becomes sleep runs: Ctrl+C
    // sent before that would reach the shell while it reads the line, not the command.
    await page.keyboard.type("sh -c 'echo started-$((6*7)); exec sleep 30'; echo not-interrupted\n");
    await waitForBuffer(page, /^started-42$/m);
    await page.keyboard.press('Control+c');
    await waitForPrompt(page);
    await page.keyboard.type('echo after-$((40+2))\n');
    const text = await waitForBuffer(page, 'after-42');
    expect(text).not.toMatch(/^not-interrupted$/m);
    expect(await statusText(page)).toMatch(/^Connected/);

    await page.keyboard.type('exit 3\n');
    await waitForState(page, 'exited');
    expect(await statusText(page)).toBe('Exited with code 3. Press Enter or New session to start again.');
    expect(await page.locator('#restart').isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    await waitForState(page, 'connected');
    expect(await page.locator('#restart').isVisible()).toBe(false);
    await page.keyboard.type('echo second-$((1+1))\n');
    await waitForBuffer(page, 'second-2');
    await page.close();
  });

  it('reads its socket in a worker, and over a socket of its own where there is none or it fails to load, losing no byte', async () => {
    for (const worker of ['runs', 'missing', 'fails to load'] as const) {
      const workers = worker !== 'missing';
      const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
      if (worker === 'fails to load') await page.route('**/socket-worker-*.js', (route) => route.abort());
      await page.addInitScript((keepWorkers: boolean) => {
        const opened: string[] = [];
        (window as unknown as { mainThreadSockets: string[] }).mainThreadSockets = opened;
        const Native = WebSocket;
        window.WebSocket = class extends Native {
          constructor(url: string | URL, protocols?: string | string[]) {
            super(url, protocols);
            opened.push(String(url));
          }
        };
        if (!keepWorkers) delete (window as { Worker?: unknown }).Worker;
      }, workers);
      // 30 000 numbered lines, some megabytes, many frames: their sum says whether any went missing or came twice.
      const count = 30_000;
      // No tty here: each line ends in CR LF of its own, so xterm starts every line at the left.
      const script = `seq 1 ${count} | sed 's/$/ padding-padding-padding-padding-padding-padding\\r/'`;
      await page.goto(`${stack.gatewayUrl}/?${shell}&${command('sh', '-c', script)}#token=${stack.token()}`);
      await waitForState(page, 'exited');
      const numbers = (await bufferText(page)).match(/^\d+(?= padding)/gm)?.map(Number) ?? [];
      // The scrollback keeps the last 10 000 lines: they must be the last ones, in order, none twice.
      expect(numbers.length).toBeGreaterThan(9000);
      expect(numbers.at(-1)).toBe(count);
      numbers.forEach((n, i) => expect(n).toBe(count - numbers.length + 1 + i));
      const mainThread = await page.evaluate(() => (window as unknown as { mainThreadSockets: string[] }).mainThreadSockets);
      expect(mainThread).toHaveLength(worker === 'runs' ? 0 : 1);
      await page.close();
    }
  });

  it('pauses and resumes the output under a flood, and Ctrl+C still gets through', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
    await recordControlMessages(page);
    await page.goto(`${stack.gatewayUrl}/?${shell}#token=${stack.token()}`);
    await waitForState(page, 'connected');
    await waitForPrompt(page);
    await page.locator('.xterm').click();
    await page.keyboard.type('yes webterm-flood-line\n');
    await expect.poll(() => sentControl(page), { timeout: 15_000, interval: 50 }).toContain('pause');
    await page.keyboard.press('Control+c');
    await expect.poll(() => sentControl(page), { timeout: 15_000, interval: 50 }).toContain('resume');
    await page.keyboard.type('echo flood-over-$((2+3))\n');
    await waitForBuffer(page, /^flood-over-5$/m, 15_000);
    const sent = await sentControl(page);
    // The size went out first, before any output; pause and resume alternate.
    expect(sent[0]).toBe('resize');
    const flow = sent.filter((type) => type === 'pause' || type === 'resume');
    flow.forEach((type, i) => expect(type).toBe(i % 2 === 0 ? 'pause' : 'resume'));
    expect(flow.at(-1)).toBe('resume');
    await page.close();
  }, 40_000);

  it('reconnects with backoff after the connection is lost, says so, and resumes the same shell', async () => {
    // A TCP relay in front of the gateway: cutting it is a lost connection (1006), not an exit.
    const gateway = new URL(stack.gatewayUrl);
    const sockets = new Set<Socket>();
    const relay: Server = createServer((client) => {
      const upstream = connect(Number(gateway.port), gateway.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
    try {
      const page = await openTerminal(browser, relayUrl, shell, stack.token());
      await waitForState(page, 'connected');
      await waitForPrompt(page);
      await page.locator('.xterm').click();
      await page.keyboard.type('echo before-$$-pid\n');
      const pid = /before-(\d+)-pid/.exec(await waitForBuffer(page, /before-\d+-pid/))?.[1];
      // Output that comes while the connection is down is not lost: the page resumes the session.
      // The cut comes right after the keystrokes, some of them still in flight: they are sent again.
      await page.keyboard.type('sleep 1; echo while-down-$((6*7))\n');
      for (const socket of sockets) socket.destroy();
      await waitForState(page, 'reconnecting');
      expect(await statusText(page)).toMatch(/^Connection lost \(the connection was lost\); reconnecting in [\d.]+ s/);
      // Typed while reconnecting: it goes out once the session is back.
      await page.keyboard.type('echo typed-while-$((1+1))-down\n');
      await waitForState(page, 'connected');
      await waitForBuffer(page, 'while-down-42');
      await waitForBuffer(page, /^typed-while-2-down$/m);
      await page.keyboard.type('echo back-$$-pid\n');
      // The same shell process as before the cut.
      await waitForBuffer(page, `back-${pid}-pid`);
      await page.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      relay.close();
    }
  });

  it('names each failure differently: 401, 403, 404, 502', async () => {
    const cases: Array<{ query: string; token: string; status: RegExp }> = [
      { query: shell, token: stack.token({ expiresInSeconds: -60 }), status: /^Not signed in or token expired: / },
      { query: 'cluster=local&namespace=default&pod=shell-0', token: stack.token({ groups: ['nobody'] }), status: /^Forbidden: / },
      { query: 'cluster=local&namespace=default&pod=no-such-pod-0', token: stack.token(), status: /^Not found: / },
      { query: 'cluster=down&namespace=default&pod=shell-0', token: stack.token(), status: /^Cluster unreachable: / },
    ];
    await Promise.all(
      cases.map(async ({ query, token, status }) => {
        const page = await openTerminal(browser, stack.gatewayUrl, query, token);
        await page.waitForFunction(
          () => ['error', 'reconnecting'].includes(document.querySelector('#status')?.getAttribute('data-state') ?? ''),
          undefined,
          { timeout: 15_000 },
        );
        expect(await statusText(page)).toMatch(status);
        await page.close();
      }),
    );
  });
});

describe('keyboard-only use', () => {
  it('reaches every control by Tab, keeps Tab in the shell, and lets it go with Ctrl+Shift+M', async () => {
    const page = await openTerminal(browser, stack.gatewayUrl, shell, stack.token());
    await waitForState(page, 'connected');
    await waitForPrompt(page);
    await page.locator('#cluster').focus();
    const order: string[] = [];
    for (let i = 0; i < 8 && !order.at(-1)?.includes('xterm-helper-textarea'); i += 1) {
      if (i > 0) await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.className || ''));
    }
    // The pickers, Connect, then the terminal (Reload is disabled: no actions here).
    expect(order).toEqual(['cluster', 'namespace', 'pod', 'container', 'connect', 'xterm-helper-textarea']);
    const inTerminal = () => page.evaluate(() => document.activeElement?.classList.contains('xterm-helper-textarea') ?? false);
    // Tab completes in the shell: the focus stays.
    await page.keyboard.type('echo tab-');
    await page.keyboard.press('Tab');
    expect(await inTerminal()).toBe(true);
    await page.keyboard.press('Control+Shift+M');
    await page.keyboard.press('Tab');
    expect(await inTerminal()).toBe(false);
    // Find with Ctrl+Shift+F, from the keyboard too.
    await page.locator('.xterm').click();
    await page.keyboard.press('Control+Shift+F');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('find-text');
    await page.keyboard.type('echo');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#find-count').innerText()).toMatch(/^\d+ of \d+$/);
    await page.keyboard.press('Escape');
    expect(await inTerminal()).toBe(true);
    await page.close();
  });
});

describe('rendering', () => {
  // Chromium here draws WebGL in software (SwiftShader), where the page keeps the DOM renderer: these
  // tests make the page's probe read a GPU's name, so WebGL loads (still drawn by SwiftShader).
  const GPU = 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)';
  const pretendGpu = (page: Page) =>
    page.addInitScript((gpu: string) => {
      const getParameter = WebGL2RenderingContext.prototype.getParameter;
      const UNMASKED_RENDERER_WEBGL = 0x9246;
      WebGL2RenderingContext.prototype.getParameter = function (this: WebGL2RenderingContext, name: number) {
        return name === UNMASKED_RENDERER_WEBGL ? gpu : (getParameter.call(this, name) as unknown);
      };
    }, GPU);
  const renderer = (page: Page) => page.evaluate(() => (window as unknown as { __webterm: WebtermHook }).__webterm.renderer());

  it('has WebGL 2 drawn in software in the Chromium the tests run', async () => {
    // What the next tests rest on: without WebGL 2 they would prove nothing, and with a GPU the page would draw with WebGL unasked.
    const page = await browser.newPage();
    const name = await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2');
      const info = gl?.getExtension('WEBGL_debug_renderer_info');
      return info ? String(gl!.getParameter(info.UNMASKED_RENDERER_WEBGL)) : null;
    });
    expect(name).toMatch(/SwiftShader/);
    await page.close();
  });

  it('keeps the DOM renderer where WebGL is drawn in software, which draws slower than the DOM', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.gatewayUrl}/?${shell}&${command('sh', '-c', 'echo software-gl; sleep 30')}#token=${stack.token()}`);
    await waitForBuffer(page, 'software-gl');
    // WebGL would load once the output is drawn and the page is idle (at most a second later); it does not.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await renderer(page)).toBe('dom');
    expect(await page.locator('.xterm-screen > canvas').count()).toBe(0);
    await page.close();
  });

  it('draws with WebGL where a GPU draws it, and falls back to the DOM when the context is lost', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
    await pretendGpu(page);
    await page.goto(`${stack.gatewayUrl}/?${shell}#token=${stack.token()}`);
    await waitForState(page, 'connected');
    await waitForPrompt(page);
    // The WebGL renderer loads when the page is idle, after the first prompt.
    await expect.poll(() => renderer(page), { timeout: 5_000, interval: 50 }).toBe('webgl');
    await page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('.xterm-screen > canvas:not(.xterm-link-layer)');
      canvas?.getContext('webgl2')?.getExtension('WEBGL_lose_context')?.loseContext();
    });
    // xterm waits 3 s for the context to come back before giving it up.
    await expect.poll(() => renderer(page), { timeout: 8_000, interval: 100 }).toBe('dom');
    await page.locator('.xterm').click();
    await page.keyboard.type('echo still-drawn-$((5*5))\n');
    await waitForBuffer(page, 'still-drawn-25');
    await expect.poll(() => page.locator('.xterm-rows').innerText()).toContain('still-drawn-25');
    await page.close();
  });

  it('sets WebGL up only after the first output is drawn, so it never delays the prompt', async () => {
    const page = await browser.newPage();
    await pretendGpu(page);
    await page.goto(`${stack.gatewayUrl}/?${shell}&${command('sh', '-c', 'sleep 0.5; echo late-output; sleep 30')}#token=${stack.token()}`);
    // Watched in the page itself: which renderer drew before the output arrived.
    const webglBeforeOutput = await page.evaluate(async () => {
      const hook = (window as unknown as { __webterm: WebtermHook }).__webterm;
      let webgl = false;
      while (!hook.bufferText().includes('late-output')) {
        if (hook.renderer() === 'webgl') webgl = true;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return webgl;
    });
    expect(webglBeforeOutput).toBe(false);
    await expect.poll(() => renderer(page), { timeout: 5_000, interval: 50 }).toBe('webgl');
    await page.close();
  });

  it('starts on the DOM renderer in a browser without WebGL 2', async () => {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      const getContext = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, type: string, ...rest: unknown[]) {
        return type === 'webgl2' ? null : (getContext as (...args: unknown[]) => RenderingContext | null).call(this, type, ...rest);
      } as typeof getContext;
    });
    await page.goto(`${stack.gatewayUrl}/?${shell}&${command('echo', 'dom-only')}#token=${stack.token()}`);
    await waitForBuffer(page, 'dom-only');
    expect(await page.evaluate(() => (window as unknown as { __webterm: WebtermHook }).__webterm.renderer())).toBe('dom');
    await expect.poll(() => page.locator('.xterm-rows').innerText()).toContain('dom-only');
    await page.close();
  });
});
