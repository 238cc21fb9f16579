// The page's assets: precompressed copies for browsers that take them, kept
// for good by the browser (hashed names), and the page itself always fresh.
import { readFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, startStack, type Stack } from '../../helpers/stack.js';

let stack: Stack;
const webRoot = join(projectRoot, 'dist', 'web');
const manifest = JSON.parse(readFileSync(join(webRoot, '.vite', 'manifest.json'), 'utf8')) as Record<
  string,
  { file: string; css?: string[] }
>;
const script = manifest['index.html']!.file;
const styleSheet = manifest['index.html']!.css![0]!;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

function fetchRaw(path: string, acceptEncoding?: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(`${stack.gatewayUrl}${path}`, { headers: acceptEncoding === undefined ? {} : { 'Accept-Encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('the page assets', () => {
  const original = readFileSync(join(webRoot, script));

  it('serves brotli to a browser that takes it, gzip to one that takes only gzip, and the file as it is otherwise', async () => {
    const brotli = await fetchRaw(`/${script}`, 'gzip, deflate, br');
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(brotli.body).equals(original)).toBe(true);
    expect(brotli.body.length).toBeLessThan(original.length / 3);

    const gzip = await fetchRaw(`/${script}`, 'gzip');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(original)).toBe(true);

    const plain = await fetchRaw(`/${script}`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(original)).toBe(true);
    const refused = await fetchRaw(`/${script}`, 'br;q=0, gzip;q=0');
    expect(refused.headers['content-encoding']).toBeUndefined();

    for (const response of [brotli, gzip, plain]) {
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/javascript|^application\/javascript/);
      expect(response.headers.vary).toMatch(/Accept-Encoding/);
      expect(Number(response.headers['content-length'])).toBe(response.body.length);
    }
  });

  it('lets the browser keep hashed assets for good, and revalidate the page', async () => {
    const css = await fetchRaw(`/${styleSheet}`, 'br');
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.headers['content-security-policy']).toContain("default-src 'self'");
    const page = await fetchRaw('/', 'br');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).not.toMatch(/immutable|max-age=[1-9]/);
  });

  it('answers 404 for an asset that is not there, and serves nothing outside the page', async () => {
    for (const path of [
      '/assets/missing-0000.js',
      '/assets/..%2F..%2Fpackage.json',
      '/assets/%2E%2E%2F%2E%2E%2Fpackage.json',
      '/assets/..%2F..%2F..%2Fetc%2Fpasswd',
    ]) {
      const response = await fetchRaw(path, 'br');
      expect([403, 404], path).toContain(response.status);
      expect(response.headers['content-type'], path).toMatch(/^application\/json/);
      expect(response.body.toString(), path).not.toMatch(/webterm-gateway|root:/);
    }
  });
});
