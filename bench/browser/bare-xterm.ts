// The bare terminal the page is held to: the same xterm.js (version, options,
// renderer, size) in a tab of the same browser, fed the same bytes straight
// from memory with `write` and its callback, nothing else on the page.
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countCpuByRole, type CpuByRole } from '../process-cpu.js';
import type { QuietChromium } from './quiet-chromium.js';

const require = createRequire(import.meta.url);
/** Bytes written to xterm before waiting on a callback: enough that it never runs dry. */
const WINDOW_BYTES = 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

const html = (cols: number, rows: number, webgl: boolean) => `<!doctype html>
<link rel="stylesheet" href="/xterm.css"><script src="/xterm.js"></script><script src="/addon-webgl.js"></script>
<body style="margin:0"><div id="t"></div><script>
const terminal = new Terminal({ cols: ${cols}, rows: ${rows}, fontSize: 14, scrollback: 10000, allowProposedApi: true,
  fontFamily: 'ui-monospace, "Cascadia Mono", "DejaVu Sans Mono", Menlo, "Noto Color Emoji", monospace' });
terminal.open(document.getElementById('t'));
${webgl ? 'terminal.loadAddon(new WebglAddon.WebglAddon());' : ''}
let data;
window.load = async () => void (data = new Uint8Array(await (await fetch('/data')).arrayBuffer()));
window.flood = async () => {
  const started = performance.now();
  let offset = 0;
  let queued = 0;
  await new Promise((resolve) => {
    const pump = () => {
      while (offset < data.length && queued < ${WINDOW_BYTES}) {
        const chunk = data.subarray(offset, offset + ${CHUNK_BYTES});
        offset += chunk.length;
        queued += chunk.length;
        terminal.write(chunk, () => {
          queued -= chunk.length;
          if (offset >= data.length && queued === 0) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  return { ms: performance.now() - started, bytes: data.length };
};
</script>`;

const file = (module: string) => readFileSync(require.resolve(module));

/** Writes `data` into a bare xterm.js of `cols`×`rows` in a new tab of `browser`; resolves the time it took, the CPU spent and the tab's JS heap after. */
export async function floodBareXterm(
  browser: QuietChromium,
  data: Buffer,
  size: { cols: number; rows: number },
  webgl: boolean,
): Promise<{ seconds: number; bytes: number; heapBytes: number; cpuSeconds: CpuByRole | undefined }> {
  const files: Record<string, { body: Buffer | string; type: string }> = {
    '/': { body: html(size.cols, size.rows, webgl), type: 'text/html' },
    '/xterm.js': { body: file('@xterm/xterm/lib/xterm.js'), type: 'text/javascript' },
    '/xterm.css': { body: file('@xterm/xterm/css/xterm.css'), type: 'text/css' },
    '/addon-webgl.js': { body: file('@xterm/addon-webgl/lib/addon-webgl.js'), type: 'text/javascript' },
    '/data': { body: data, type: 'application/octet-stream' },
  };
  const server = createServer((request, response) => {
    const served = files[new URL(request.url ?? '/', 'http://bare').pathname];
    if (served === undefined) response.writeHead(404).end();
    else response.writeHead(200, { 'content-type': served.type }).end(served.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const tab = await browser.newTab();
  try {
    await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    type Bare = { load(): Promise<void>; flood(): Promise<{ ms: number; bytes: number }> };
    await tab.evaluate(() => (window as unknown as Bare).load());
    const stopCounting = countCpuByRole();
    const result = await tab.evaluate(() => (window as unknown as Bare).flood());
    const cpuSeconds = stopCounting();
    const heapBytes = await tab.jsHeapUsed();
    return { seconds: result.ms / 1000, bytes: result.bytes, heapBytes, cpuSeconds };
  } finally {
    await tab.close();
    server.close();
  }
}
