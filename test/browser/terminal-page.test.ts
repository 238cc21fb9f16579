// The terminal page in a real browser, against the gateway in front of the
// embedded local cluster.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bufferText,
  launchBrowser,
  saveScreenshot,
  settledSize,
  recordControlMessages,
  sentControl,
  statusText,
  terminalSize,
  waitForBuffer,
  waitForState,
} from '../helpers/browser.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let browser: Browser;
let portal: Server;
let portalOrigin: string;
let foreignOrigin: string;

/**
 * A portal page that frames the terminal and hands it a token by postMessage
 * once it is ready. `other` adds a second frame from another site, to post
 * from an origin the terminal must not listen to.
 */
function portalPage(terminalUrl: string, token: string, other: string | null): string {
  return `<!doctype html><html><body>
<iframe id="t" src="${terminalUrl}" style="width:800px;height:400px"></iframe>
${other ? `<iframe id="other" src="${other}" style="width:100px;height:100px"></iframe>` : ''}
<script>
  window.events = [];
  window.addEventListener('message', (e) => {
    if (e.source !== document.getElementById('t').contentWindow) return;
    window.events.push(e.data);
    if (e.data && e.data.type === 'ready') document.getElementById('t').contentWindow.postMessage({ type: 'token', token: ${JSON.stringify(token)} }, ${JSON.stringify(new URL(terminalUrl).origin)});
  });
</script></body></html>`;
}

beforeAll(async () => {
  // The portal is served on 127.0.0.1 and the foreign site on localhost: two origins.
  portal = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/blank') {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>another site</title>');
      return;
    }
    if (url.pathname !== '/') {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-type', 'text/html');
    res.end(portalPage(url.searchParams.get('src') ?? '', url.searchParams.get('token') ?? '', url.searchParams.get('other')));
  });
  await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
  const port = (portal.address() as AddressInfo).port;
  portalOrigin = `http://127.0.0.1:${port}`;
  foreignOrigin = `http://localhost:${port}`;
  stack = await startStack({
    config: {
      auth: { allowedOrigins: [portalOrigin] },
      policy: [
        { groups: ['dev'], clusters: ['*'], namespaces: ['*'], allow: ['*'] },
        { groups: ['nginx-only'], clusters: ['*'], namespaces: ['ingress-nginx'], allow: ['exec'] },
      ],
      actions: {
        hello: {
          description: 'Say hello',
          command: ['sh', '-c', 'echo "hello from $HOSTNAME"'],
          namespace: 'default',
          selector: 'app=shell',
        },
        'nginx-reload': {
          description: 'Check the nginx configuration, then reload nginx',
          check: ['nginx', '-t'],
          command: ['nginx', '-s', 'reload'],
          namespace: 'ingress-nginx',
          selector: 'app.kubernetes.io/component=controller',
          container: 'controller',
        },
      },
    },
  });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  portal?.close();
});

async function openPage(query: string, token: string, viewport = { width: 1000, height: 600 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(`${stack.gatewayUrl}/?${query}#token=${token}`);
  return page;
}

describe('the terminal page', () => {
  it('takes the token from the address bar, opens a shell and runs a typed command', async () => {
    const page = await openPage('cluster=local&namespace=default&pod=shell-0&container=shell', stack.token());
    expect(page.url()).not.toContain('token');
    expect(page.url()).toContain('pod=shell-0');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('Connected'));
    expect(await statusText(page)).toBe('Connected: local / default / shell-0 / shell');
    await page.locator('.xterm').click();
    await page.keyboard.type('echo typed-$((6*7))\n');
    await waitForBuffer(page, 'typed-42');
    // Something worth a screenshot: colours, wide characters, the terminal's size.
    await page.keyboard.type("printf '\\e[1;32m%s\\e[0m \\e[1;34m%s\\e[0m %s\\n' green blue 'naïve café ✓ → λ'; stty size\n");
    await waitForBuffer(page, /^\d+ \d+$/m);
    await saveScreenshot(page, 'shell.png');
    await page.close();
  });

  it('keeps the chosen target in the address bar, so a link reopens it', async () => {
    const page = await openPage('cluster=local&namespace=default&pod=sidecar-0&container=sidecar', stack.token());
    await waitForState(page, 'connected');
    expect(await statusText(page)).toBe('Connected: local / default / sidecar-0 / sidecar');
    // The pickers fill in after the session's first output.
    await expect.poll(() => page.locator('#container').inputValue()).toBe('sidecar');
    await page.selectOption('#pod', 'tiny-0');
    await expect.poll(() => new URL(page.url()).searchParams.get('container')).toBe('main');
    const url = new URL(page.url());
    expect([url.searchParams.get('cluster'), url.searchParams.get('namespace'), url.searchParams.get('pod')]).toEqual([
      'local',
      'default',
      'tiny-0',
    ]);
    await page.click('#connect');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Connected: local / default / tiny-0 / main');
    // The same link, opened again, lands on the same target.
    const again = await openPage(url.search.slice(1), stack.token());
    await waitForState(again, 'connected');
    expect(await statusText(again)).toBe('Connected: local / default / tiny-0 / main');
    await Promise.all([page.close(), again.close()]);
  });

  it('follows the window size: stty size changes when the viewport does', async () => {
    const page = await openPage('cluster=local&namespace=default&pod=shell-0', stack.token());
    await waitForState(page, 'connected');
    await page.locator('.xterm').click();
    await page.keyboard.type('stty size\n');
    const before = await terminalSize(page);
    // The first size went out before any output: the shell already knows it.
    await waitForBuffer(page, `\n${before.rows} ${before.cols}\n`);
    await page.setViewportSize({ width: 600, height: 400 });
    // The page refits (debounced) and sends the new size; wait until the size has settled, not for a fixed time.
    const after = await settledSize(page, before);
    expect(after.cols).toBeLessThan(before.cols);
    expect(after.rows).toBeLessThan(before.rows);
    await page.keyboard.type('stty size\n');
    await waitForBuffer(page, `\n${after.rows} ${after.cols}\n`);
    await page.close();
  });

  it('renders non-ASCII output intact', async () => {
    const page = await openPage(
      `cluster=local&namespace=default&pod=shell-0&command=printf&command=${encodeURIComponent('中文 ✓ 🚀 naïve\\n')}`,
      stack.token(),
    );
    const text = await waitForBuffer(page, 'naïve');
    expect(text).toContain('中文 ✓ 🚀 naïve');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('Exited with code 0'));
    await page.close();
  });

  it('shows a forbidden pod as forbidden, with the gateway message', async () => {
    const page = await openPage('cluster=local&namespace=default&pod=shell-0', stack.token({ groups: ['nginx-only'] }));
    // The pickers offer only what the policy allows; a deep link to elsewhere is refused.
    await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-state') === 'error', undefined, {
      timeout: 10_000,
    });
    const status = await statusText(page);
    expect(status).toMatch(/^Forbidden: .*default/);
    await page.close();
  });

  it('says so when there is no token', async () => {
    const page = await browser.newPage();
    // No token at all: the page says so instead of trying.
    await page.goto(`${stack.gatewayUrl}/?cluster=local&namespace=default&pod=shell-0`);
    await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-state') === 'error');
    expect(await statusText(page)).toContain('Not signed in');
    await page.close();
  });

  it('runs nginx-reload from the Reload button and shows each pod result', async () => {
    const page = await openPage('cluster=local&namespace=ingress-nginx&pod=ingress-nginx-controller-0', stack.token());
    await page.waitForFunction(() => !(document.querySelector('#reload') as HTMLButtonElement).disabled);
    await page.click('#reload');
    await page.locator('#reload-actions input[value=nginx-reload]').check();
    expect(await page.locator('#reload-confirm').innerText()).toContain('app.kubernetes.io/component=controller');
    await page.click('#reload-run');
    await page.waitForSelector('#reload-results table');
    const rows = await page.locator('#reload-results tbody tr').allInnerTexts();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/ingress-nginx-controller-0\s+controller\s+0/);
    expect(rows[1]).toMatch(/ingress-nginx-controller-1\s+controller\s+0/);
    expect(await page.locator('#reload-results .summary').innerText()).toContain('succeeded on all 2 pod');
    await saveScreenshot(page, 'reload.png');
    // Another action from the same dialog: its stdout shows per pod.
    await page.locator('#reload-actions input[value=hello]').check();
    await page.click('#reload-run');
    await page.waitForFunction(() => document.querySelector('#reload-results .summary')?.textContent?.startsWith('hello:'));
    expect(await page.locator('#reload-results tbody tr').allInnerTexts()).toEqual([
      expect.stringMatching(/^shell-0\s+shell\s+0\s+\d+ ms\s+hello from shell-0\s*$/),
    ]);
    await page.close();
  });

  it('lists only the actions the user may run', async () => {
    const page = await openPage(
      'cluster=local&namespace=ingress-nginx&pod=ingress-nginx-controller-0',
      stack.token({ groups: ['nginx-only'] }),
    );
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('Connected'));
    expect(await page.locator('#reload').isDisabled()).toBe(true);
    await page.close();
  });
});

describe('embedding', () => {
  it('works in an iframe of an allowed origin, with the token by postMessage', async () => {
    const page = await browser.newPage();
    const src = `${stack.gatewayUrl}/?embed=1&cluster=local&namespace=default&pod=shell-0&command=echo&command=embedded-ok`;
    await page.goto(`${portalOrigin}/?src=${encodeURIComponent(src)}&token=${encodeURIComponent(stack.token())}`);
    const frame = page.frameLocator('#t');
    await expect
      .poll(async () => await page.evaluate(() => (window as unknown as { events: Array<{ type: string }> }).events.map((e) => e.type)), {
        timeout: 10_000,
      })
      .toContain('exit');
    expect(await frame.locator('.toolbar').isVisible()).toBe(false);
    const events = await page.evaluate(() => (window as unknown as { events: Array<{ type: string; code?: number }> }).events);
    expect(events.map((e) => e.type)).toEqual(['ready', 'connected', 'exit']);
    expect(events.at(-1)).toEqual({ type: 'exit', code: 0 });
    const inner = page.frames().find((f) => f.url().startsWith(stack.gatewayUrl))!;
    expect(await inner.evaluate(() => (window as unknown as { __webterm: { bufferText(): string } }).__webterm.bufferText())).toContain(
      'embedded-ok',
    );
    await page.close();
  });

  it('takes a fresh token and focus from the portal, and ignores messages from any other frame', async () => {
    const page = await browser.newPage();
    // In every frame: the terminal's frame is the one that matters.
    await recordControlMessages(page);
    const src = `${stack.gatewayUrl}/?embed=1&cluster=local&namespace=default&pod=shell-0`;
    await page.goto(
      `${portalOrigin}/?src=${encodeURIComponent(src)}&token=${encodeURIComponent(stack.token())}&other=${encodeURIComponent(`${foreignOrigin}/blank`)}`,
    );
    const events = () => page.evaluate(() => (window as unknown as { events: Array<{ type: string }> }).events.map((e) => e.type));
    await expect.poll(events, { timeout: 10_000 }).toContain('connected');
    const terminal = page.frames().find((f) => f.url().startsWith(stack.gatewayUrl))!;
    const other = page.frames().find((f) => f.url().startsWith(foreignOrigin))!;
    const sent = () => sentControl(terminal);
    const focused = () => terminal.evaluate(() => document.hasFocus() && document.activeElement?.className === 'xterm-helper-textarea');
    // Another site's frame posts a token and a focus request: both ignored.
    await other.evaluate(() => {
      parent.frames[0]?.postMessage({ type: 'token', token: 'not-a-real-token' }, '*');
      parent.frames[0]?.postMessage({ type: 'focus' }, '*');
    });
    // The portal refreshes the token: the open session gets it as a control message.
    await page.evaluate(
      ([token, origin]) =>
        (document.getElementById('t') as HTMLIFrameElement).contentWindow!.postMessage({ type: 'token', token }, origin!),
      [stack.token(), stack.gatewayUrl],
    );
    await expect.poll(sent).toContain('token');
    expect((await sent()).filter((type) => type === 'token')).toHaveLength(1);
    expect(await focused()).toBe(false);
    await page.evaluate(
      (origin) => (document.getElementById('t') as HTMLIFrameElement).contentWindow!.postMessage({ type: 'focus' }, origin),
      stack.gatewayUrl,
    );
    await expect.poll(focused).toBe(true);
    await page.close();
  });

  it('is refused in an iframe of an origin not on the allow-list', async () => {
    const page = await browser.newPage();
    const src = `${stack.gatewayUrl}/?embed=1&cluster=local&namespace=default&pod=shell-0`;
    // Chromium reports the CSP frame-ancestors refusal on the console of the framing page.
    const refusal = page.waitForEvent('console', { predicate: (message) => /frame-ancestors/.test(message.text()), timeout: 10_000 });
    const response = page.waitForResponse((r) => r.url().startsWith(stack.gatewayUrl));
    await page.goto(`${foreignOrigin}/?src=${encodeURIComponent(src)}&token=${encodeURIComponent(stack.token())}`);
    expect((await response).headers()['content-security-policy']).toContain(`frame-ancestors 'self' ${portalOrigin}`);
    expect((await refusal).text()).toContain(stack.gatewayUrl);
    // The terminal never ran there: it never said it was ready.
    expect(await page.evaluate(() => (window as unknown as { events: unknown[] }).events)).toEqual([]);
    expect(page.frames().some((f) => f.url().startsWith(stack.gatewayUrl) && f.url().includes('embed=1'))).toBe(false);
    await page.close();
  });
});

describe('accessibility', () => {
  it('puts the terminal text in the DOM with ?a11y=1', async () => {
    const page = await openPage('cluster=local&namespace=default&pod=shell-0&command=echo&command=read-aloud&a11y=1', stack.token());
    await page.waitForFunction(() => document.querySelector('.xterm-accessibility-tree')?.textContent?.includes('read-aloud'), undefined, {
      timeout: 10_000,
    });
    expect(await bufferText(page)).toContain('read-aloud');
    await page.close();
  });
});
