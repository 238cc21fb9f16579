// Each kind of user's first hour, as they take it: the demo started as the
// README says (`npm start`, no configuration), then the page, kubectl or a
// portal, step by step, reading the screen. Each ends with the screenshot
// its doc shows.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import jwt from 'jsonwebtoken';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  recordControlMessages,
  socketsOpened,
  saveScreenshot,
  sentControl,
  settledSize,
  statusText,
  terminalSize,
  waitForBuffer,
  waitForPrompt,
  waitForState,
} from '../helpers/browser.js';
import { useDemoAndBrowser, type DemoProcess } from '../helpers/demo-process.js';
import { kubectlBinaries } from '../helpers/kubectl.js';

let demo: DemoProcess;
let browser: Browser;
useDemoAndBrowser((started, launched) => {
  demo = started;
  browser = launched;
});

async function open(url: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(url);
  return page;
}

/** The page's own target link for the demo's bash pod. */
const shellTarget = 'cluster=local&namespace=default&pod=shell-0&container=shell';

describe('developer', () => {
  it('opens the printed link and gets bash in shell-0, with a prompt that names the pod', async () => {
    const page = await open(demo.link);
    await waitForState(page, 'connected');
    expect(await statusText(page)).toBe('Connected: local / default / shell-0 / shell');
    // bash expands \w; sh gets a prompt of its own syntax (no literal \w anywhere).
    const prompt = await waitForPrompt(page);
    expect(prompt).toMatch(/shell-0:\S+[$#] $/);
    expect(prompt).not.toContain('\\w');
    await page.locator('.xterm').click();
    await page.keyboard.type('echo "$0 says $((6*7))"\n');
    await waitForBuffer(page, /bash says 42/);
    await saveScreenshot(page, 'journey-developer.png');
    await page.close();
  });

  it('is told once, in the cluster’s words, that a typo’d command does not exist: no reconnect', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await recordControlMessages(page);
    await page.goto(`${demo.base}/?${shellTarget}&command=doesnotexist#token=${demo.devToken}`);
    await waitForState(page, 'error');
    expect(await statusText(page)).toMatch(/^The command could not start: .*executable file not found in \$PATH/);
    expect(await page.locator('#restart').innerText()).toBe('New session');
    // A final failure: no second attempt follows, however long one waits (here, past the first backoff step of ~1 s).
    await page.waitForTimeout(2500);
    expect(await socketsOpened(page)).toHaveLength(1);
    expect(await page.evaluate(() => (window as unknown as { __webterm: { state: string } }).__webterm.state)).toBe('error');
    await saveScreenshot(page, 'journey-typo.png');
    await page.close();
  });

  it('loses the connection, watches the countdown, reconnects now, and has the same shell', async () => {
    // A TCP relay in front of the demo: cutting it is a lost connection, not an exit;
    // while it refuses, each retry fails and the wait before the next one grows.
    const sockets = new Set<Socket>();
    let refusing = false;
    const relay: TcpServer = createTcpServer((client) => {
      client.on('error', () => undefined);
      if (refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(demo.port, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      const page = await open(`http://127.0.0.1:${(relay.address() as AddressInfo).port}/?${shellTarget}#token=${demo.devToken}`);
      await waitForState(page, 'connected');
      await waitForPrompt(page);
      await page.locator('.xterm').click();
      await page.keyboard.type('echo before-$$-pid\n');
      const pid = /before-(\d+)-pid/.exec(await waitForBuffer(page, /before-\d+-pid/))?.[1];
      refusing = true;
      for (const socket of sockets) socket.destroy();
      // Attempts 1 and 2 fail (about 1 s, then 2 s); the third waits about 4 s, long enough to watch.
      await page.waitForFunction(
        () => {
          const details = (window as unknown as { __webterm: { details(): { kind: string; attempt?: number } } }).__webterm.details();
          return details.kind === 'reconnecting' && (details.attempt ?? 0) >= 3;
        },
        undefined,
        { timeout: 15_000, polling: 50 },
      );
      const first = await statusText(page);
      expect(first).toMatch(/^Connection lost \(the connection was lost\); reconnecting in \d+ s \(attempt 4\)/);
      // The countdown counts: the text changes while the state stays the same.
      await page.waitForFunction((shown) => document.querySelector('#status')?.textContent !== shown, first, {
        timeout: 5000,
        polling: 50,
      });
      expect(await statusText(page)).toMatch(/reconnecting in \d+ s \(attempt 4\)/);
      expect(await page.locator('#restart').innerText()).toBe('Reconnect now');
      await saveScreenshot(page, 'journey-dropped.png');
      refusing = false;
      await page.locator('#restart').click();
      await waitForState(page, 'connected');
      await page.keyboard.type('echo back-$$-pid\n');
      await waitForBuffer(page, `back-${pid}-pid`);
      await page.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      relay.close();
    }
  });
});

describe('operator', () => {
  it('with only nginx-reload in ingress-nginx (docs/reload.md), lands there with Reload ready and reloads every controller', async () => {
    const token = demo.token('olga', ['ops']);
    const page = await open(`${demo.base}/#token=${token}`);
    await page.waitForFunction(() => !(document.querySelector('#reload') as HTMLButtonElement).disabled, undefined, { timeout: 10_000 });
    expect(await page.locator('#namespace').inputValue()).toBe('ingress-nginx');
    expect(await statusText(page)).toBe('You may not open a shell in local / ingress-nginx. Reload… runs nginx-reload here.');
    await page.locator('#reload').click();
    await expect.poll(() => page.locator('#reload-confirm').innerText()).toContain('nginx-reload');
    await page.locator('#reload-run').click();
    await page.locator('#reload-results .summary').waitFor({ timeout: 20_000 });
    expect(await page.locator('#reload-results .summary').innerText()).toBe('nginx-reload: succeeded on all 2 pod(s).');
    expect(await page.locator('#reload-results tbody tr.ok').count()).toBe(2);
    await saveScreenshot(page, 'journey-operator.png');
    await page.close();
  });

  it('is told, with no rule at all, that they have no access', async () => {
    const page = await open(`${demo.base}/#token=${demo.token('nobody', [])}`);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('No access'), undefined, {
      timeout: 10_000,
    });
    expect(await statusText(page)).toBe(
      'No access: the gateway\'s policy grants user "nobody" nothing on any cluster. Ask the gateway\'s administrator for a rule.',
    );
    await page.close();
  });
});

describe('portal team', () => {
  let portal: Server;
  let portalOrigin: string;

  beforeAll(async () => {
    // The portal of docs/embedding.md: it frames the terminal and answers every error with status 401 with a fresh token.
    portal = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><html><body style="margin:0;font:14px sans-serif">
<h3 style="margin:8px">Portal: ingress controllers</h3>
<iframe id="term" style="width:100%;height:420px;border:0" src="${demo.base}/?embed=1&${shellTarget}"></iframe>
<script>
  const gateway = ${JSON.stringify(demo.base)};
  const term = document.getElementById('term');
  const tokens = [${JSON.stringify(url.searchParams.get('first'))}, ${JSON.stringify(url.searchParams.get('fresh'))}];
  window.events = [];
  // The first token, then a fresh one each time it is asked for (a real portal signs a new one).
  const sendToken = () => term.contentWindow.postMessage({ type: 'token', token: tokens.length > 1 ? tokens.shift() : tokens[0] }, gateway);
  window.addEventListener('message', (event) => {
    if (event.origin !== gateway || event.source !== term.contentWindow) return;
    window.events.push(event.data);
    if (event.data.type === 'ready' || (event.data.type === 'error' && event.data.status === 401)) sendToken();
    if (event.data.type === 'connected') term.contentWindow.postMessage({ type: 'focus' }, gateway);
  });
</script></body></html>`);
    });
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
    // localhost, any port: the demo allows it to embed the page.
    portalOrigin = `http://localhost:${(portal.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => portal.close(resolve));
  });

  it('hears of an expired token with its status and code, sends a fresh one, and the terminal connects', async () => {
    const expired = jwt.sign({ sub: 'dev', groups: ['dev'], exp: Math.floor(Date.now() / 1000) - 60 }, demo.secret(), {
      algorithm: 'HS256',
    });
    const page = await open(`${portalOrigin}/?first=${expired}&fresh=${demo.devToken}`, { width: 1000, height: 520 });
    const events = () => page.evaluate(() => (window as unknown as { events: Array<Record<string, unknown>> }).events);
    await expect.poll(async () => (await events()).map((e) => e.type), { timeout: 15_000, interval: 100 }).toContain('connected');
    const seen = await events();
    expect(seen[0]).toEqual({ type: 'ready' });
    expect(seen).toContainEqual(
      expect.objectContaining({ type: 'error', status: 401, code: 'token_expired', message: expect.any(String) }),
    );
    const frame = page.frames().find((f) => f.url().includes('embed=1'))!;
    await page.frameLocator('#term').locator('.xterm').click();
    await page.keyboard.type('echo "from the portal $((6*7))"\n');
    await waitForBuffer(frame, 'from the portal 42');
    await saveScreenshot(page, 'journey-portal.png');
    await page.close();
  });

  it('hears of a forbidden namespace as an error with status 403', async () => {
    const page = await browser.newPage();
    await page.setContent('<p>portal</p>');
    const url = `${portalOrigin}/?first=${demo.token('olga', ['ops'])}&fresh=`;
    await page.goto(url);
    const events = () => page.evaluate(() => (window as unknown as { events: Array<Record<string, unknown>> }).events);
    await expect
      .poll(async () => (await events()).filter((e) => e.type === 'error'), { timeout: 15_000, interval: 100 })
      .toContainEqual(expect.objectContaining({ status: 403 }));
    await page.close();
  });

  it('says, outside a frame, that ?embed=1 needs a token instead of waiting', async () => {
    const page = await open(`${demo.base}/?embed=1`);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('Not signed in'), undefined, {
      timeout: 10_000,
    });
    await page.close();
  });
});

describe('kubectl user', () => {
  const kubectl = kubectlBinaries()[0] ?? 'kubectl';
  const run = (args: string[]) => spawnSync(kubectl, ['--kubeconfig', demo.kubeconfigFile, ...args], { encoding: 'utf8', timeout: 30_000 });

  it('uses the kubeconfig the demo printed: https on the same port, READY and STATUS columns, exec, clear refusals', async () => {
    const pods = run(['get', 'pods']);
    expect(pods.stderr).toBe('');
    expect(pods.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    expect(pods.stdout).toMatch(/^shell-0\s+1\/1\s+Running\s+0\s+/m);
    const exec = run(['exec', 'shell-0', '--', 'sh', '-c', 'echo "hello from $HOSTNAME"']);
    expect(exec.stdout).toBe('hello from shell-0\n');
    const forward = run(['port-forward', 'shell-0', '0:80']);
    expect(forward.status).not.toBe(0);
    expect(forward.stderr).toMatch(/port-forward is not supported by this gateway/);
    // The same steps, as the user's terminal shows them, for docs/kubectl.md.
    const transcript = [
      `$ kubectl --kubeconfig ${demo.kubeconfigFile} get pods`,
      pods.stdout.trimEnd(),
      '$ kubectl exec shell-0 -- sh -c \'echo "hello from $HOSTNAME"\'',
      exec.stdout.trimEnd(),
      '$ kubectl port-forward shell-0 0:80',
      forward.stderr.trimEnd(),
    ].join('\n');
    const page = await browser.newPage({ viewport: { width: 1000, height: 360 } });
    await page.setContent(
      `<pre style="margin:0;padding:12px;min-height:100vh;background:#0f1115;color:#e6e6e6;font:14px/1.4 'DejaVu Sans Mono',monospace"></pre>`,
    );
    await page.locator('pre').evaluate((pre, text) => (pre.textContent = text), transcript);
    await saveScreenshot(page, 'journey-kubectl.png');
    await page.close();
  });

  it('gets a kubeconfig from /api/kubeconfig that works as handed out', async () => {
    const response = await fetch(`${demo.base}/api/kubeconfig?cluster=local`, { headers: { Authorization: `Bearer ${demo.devToken}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain(`server: https://127.0.0.1:${demo.port}/k8s/clusters/local`);
    const file = `${demo.kubeconfigFile}.from-api`;
    const { writeFileSync, rmSync } = await import('node:fs');
    writeFileSync(file, text, { mode: 0o600 });
    try {
      const pods = spawnSync(kubectl, ['--kubeconfig', file, 'get', 'pod', 'shell-0', '-o', 'name'], { encoding: 'utf8', timeout: 30_000 });
      expect(pods.stdout).toBe('pod/shell-0\n');
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe('layout', () => {
  it.each([
    [1280, 800],
    [900, 700],
    [420, 800],
  ])('at %i×%i the page is never wider than the window, and New session stays on screen', async (width, height) => {
    const page = await open(`${demo.base}/?${shellTarget}&command=sh&command=-c&command=exit%203#token=${demo.devToken}`, {
      width,
      height,
    });
    await waitForState(page, 'exited');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    const button = await page.locator('#restart').boundingBox();
    expect(button).not.toBeNull();
    expect(button!.x + button!.width).toBeLessThanOrEqual(width);
    await page.close();
  });

  it('after the window shrinks, stty size equals the terminal’s size, with at most 3 resizes sent', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await recordControlMessages(page);
    await page.goto(`${demo.base}/?${shellTarget}#token=${demo.devToken}`);
    await waitForState(page, 'connected');
    await waitForPrompt(page);
    const before = await terminalSize(page);
    const resizesBefore = (await sentControl(page)).filter((t) => t === 'resize').length;
    await page.setViewportSize({ width: 900, height: 700 });
    const after = await settledSize(page, before);
    const resizes = (await sentControl(page)).filter((t) => t === 'resize').length - resizesBefore;
    expect(resizes).toBeGreaterThanOrEqual(1);
    expect(resizes).toBeLessThanOrEqual(3);
    await page.locator('.xterm').click();
    await page.keyboard.type('stty size\n');
    await waitForBuffer(page, `\n${after.rows} ${after.cols}\n`);
    await page.close();
  });
});
