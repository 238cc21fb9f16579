// File transfers (verb `files`): downloads and uploads through exec, as a
// client sees them: statuses, bodies, headers, the container's files after,
// and the audit lines.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../helpers/stack.js';

const MAX_BYTES = 2 * 1024 * 1024;
let stack: Stack;
let cluster: LocalCluster;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'webterm-files-'));
  // A container whose PATH holds sh and nothing else, and one without even sh.
  const onlySh = join(dir, '.only-sh');
  mkdirSync(onlySh);
  symlinkSync('/bin/sh', join(onlySh, 'sh'));
  // No nginx pods: these tests need shells only.
  cluster = await startLocalCluster({
    spec: {
      namespaces: {
        default: {
          pods: [
            { name: 'shell-0', containers: [{ name: 'shell' }] },
            { name: 'bare-0', containers: [{ name: 'main', env: { PATH: onlySh } }] },
            { name: 'noshell-0', containers: [{ name: 'main', env: { PATH: join(dir, '.empty') } }] },
          ],
        },
      },
    },
  });
  stack = await startStack({
    config: {
      files: { maxBytes: MAX_BYTES },
      policy: [
        { groups: ['dev'], clusters: ['*'], namespaces: ['*'], allow: ['files'] },
        { groups: ['shell-only'], clusters: ['*'], namespaces: ['*'], allow: ['exec'] },
      ],
    },
    cluster,
  });
});

afterAll(async () => {
  await stack?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const filesUrl = (path: string, cluster = 'local', pod = 'shell-0') =>
  `${stack.gatewayUrl}/api/clusters/${cluster}/namespaces/default/pods/${pod}/files?path=${encodeURIComponent(path)}`;

async function download(path: string, options: { token?: string; cluster?: string; pod?: string } = {}) {
  const response = await fetch(filesUrl(path, options.cluster, options.pod), {
    headers: { Authorization: `Bearer ${options.token ?? stack.token()}` },
  });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

async function upload(
  path: string,
  body: Buffer | ReadableStream<Uint8Array>,
  options: { token?: string; pod?: string; cluster?: string } = {},
) {
  const response = await fetch(filesUrl(path, options.cluster, options.pod), {
    method: 'PUT',
    headers: { Authorization: `Bearer ${options.token ?? stack.token()}`, 'Content-Type': 'application/json' },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const leftovers = (directory: string) => readdirSync(directory).filter((name) => name.includes('.webterm-'));
const auditLines = (event: string) =>
  stack.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === event);

/** Resolves once `check` holds, looking again on each audit line (no fixed sleep). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!check()) throw new Error(`never: ${what}`);
}

describe('PUT …/files', () => {
  it('writes the exact bytes and answers 201 with the count and sha256', async () => {
    const data = randomBytes(MAX_BYTES - 1);
    const path = join(dir, 'upload.bin');
    const { status, body } = await upload(path, data);
    expect(status).toBe(201);
    expect(body).toEqual({ path, bytes: data.length, sha256: sha256(data) });
    expect(sha256(readFileSync(path))).toBe(sha256(data));
    expect(leftovers(dir)).toEqual([]);
  });

  it('replaces an existing file, keeping its mode', async () => {
    const path = join(dir, 'script.sh');
    writeFileSync(path, 'old');
    chmodSync(path, 0o751);
    expect((await upload(path, Buffer.from('#!/bin/sh\necho new\n'))).status).toBe(201);
    expect(readFileSync(path, 'utf8')).toBe('#!/bin/sh\necho new\n');
    expect(statSync(path).mode & 0o777).toBe(0o751);
  });

  it('takes a chunked body (no Content-Length) and an empty one', async () => {
    const path = join(dir, 'chunked.txt');
    const chunks = [Buffer.from('one '), Buffer.from('two')];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(next);
      },
    });
    expect((await upload(path, stream)).body).toMatchObject({ bytes: 7 });
    expect(readFileSync(path, 'utf8')).toBe('one two');
    expect((await upload(path, Buffer.alloc(0))).body).toMatchObject({ bytes: 0, sha256: sha256(Buffer.alloc(0)) });
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('refuses a Content-Length over files.maxBytes with 413 and writes nothing', async () => {
    const path = join(dir, 'big.bin');
    writeFileSync(path, 'old');
    const { status, body } = await upload(path, randomBytes(MAX_BYTES + 1));
    expect(status).toBe(413);
    expect(body).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(leftovers(dir)).toEqual([]);
  });

  it('refuses a chunked body once it passes the limit with 413 and writes nothing', async () => {
    const path = join(dir, 'big-chunked.bin');
    writeFileSync(path, 'old');
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 4 * MAX_BYTES) return controller.close();
        sent += 256 * 1024;
        controller.enqueue(randomBytes(256 * 1024));
      },
    });
    const { status, body } = await upload(path, stream).catch(() => ({ status: 0, body: {} }));
    expect(status).toBe(413);
    expect(body).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(leftovers(dir)).toEqual([]);
  });

  it('leaves the old file and no temporary file when the upload is cut', async () => {
    const path = join(dir, 'cut.bin');
    writeFileSync(path, 'old');
    const before = auditLines('files.upload').length;
    const url = new URL(filesUrl(path));
    const req = request(url, { method: 'PUT', headers: { Authorization: `Bearer ${stack.token()}`, 'Content-Length': String(MAX_BYTES) } });
    req.on('error', () => undefined);
    req.write(randomBytes(MAX_BYTES / 2));
    // Cut once the container has its temporary file.
    await until(() => leftovers(dir).length > 0, 'the upload started');
    req.destroy();
    await until(() => auditLines('files.upload').length > before, 'the cut upload was audited');
    expect(auditLines('files.upload').at(-1)).toMatchObject({ path, code: expect.any(String) });
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(leftovers(dir)).toEqual([]);
  });

  it('answers 409 for a directory, 404 for a missing parent, 403 with the container’s words', async () => {
    expect(await upload(dir, Buffer.from('x'))).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
    expect(await upload(join(dir, 'nope', 'x'), Buffer.from('x'))).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const denied = await upload('/sys/webterm-test', Buffer.from('x'));
    expect(denied).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden', message: expect.stringMatching(/Permission denied/) } },
    });
  });
});

describe('GET …/files', () => {
  it('streams a file’s exact bytes as an attachment', async () => {
    const data = randomBytes(300_000);
    const path = join(dir, 'down load.bin');
    writeFileSync(path, data);
    const { status, headers, body } = await download(path);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/octet-stream');
    expect(headers.get('content-disposition')).toMatch(/^attachment; filename="down load.bin"/);
    expect(headers.get('content-length')).toBe(String(data.length));
    expect(sha256(body)).toBe(sha256(data));
    expect(auditLines('files.download').at(-1)).toMatchObject({
      user: 'alice',
      pod: 'shell-0',
      path,
      bytes: data.length,
      sha256: sha256(data),
    });
    expect(JSON.stringify(auditLines('files.download'))).not.toContain(data.subarray(0, 16).toString('base64'));
  });

  it('streams a directory as a tar whose entries start with its base name', async () => {
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'sub', 'a.txt'), 'a');
    const { status, headers, body } = await download(tree);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/x-tar');
    expect(headers.get('content-disposition')).toMatch(/^attachment; filename="tree.tar"/);
    const entries = execFileSync('tar', ['-tf', '-'], { input: body }).toString().trim().split('\n').sort();
    expect(entries).toEqual(['tree/', 'tree/sub/', 'tree/sub/a.txt']);
    expect(auditLines('files.download').at(-1)).toMatchObject({ path: tree, directory: true, bytes: body.length, sha256: sha256(body) });
  });

  it('answers 404 for a missing path and 403 with the container’s words', async () => {
    const missing = await download(join(dir, 'missing'));
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString())).toMatchObject({ error: { code: 'not_found' } });
    const denied = await download('/proc/1/mem');
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body.toString())).toMatchObject({
      error: { code: 'forbidden', message: expect.stringMatching(/Permission denied/) },
    });
  });
});

describe('refusals common to both', () => {
  it('answers 400 for a relative path or one with NUL, before dialling', async () => {
    for (const path of ['etc/passwd', '/tmp/a\0b', '']) {
      const { status, body } = await download(path);
      expect(status).toBe(400);
      expect(JSON.parse(body.toString())).toMatchObject({ error: { code: 'bad_request' } });
    }
    expect((await upload('relative', Buffer.from('x'))).status).toBe(400);
  });

  it('answers 403 to a user without the files verb', async () => {
    const token = stack.token({ sub: 'sam', groups: ['shell-only'] });
    expect((await download('/etc/hostname', { token })).status).toBe(403);
    expect((await upload(join(dir, 'x'), Buffer.from('x'), { token })).status).toBe(403);
  });

  it('answers 501 naming the tool a container lacks', async () => {
    const tree = await download(dir, { pod: 'bare-0' });
    expect(tree.status).toBe(501);
    expect(JSON.parse(tree.body.toString())).toEqual({ error: { code: 'not_implemented', message: 'the container has no tar' } });
    const file = await download('/etc/hostname', { pod: 'bare-0' });
    expect(JSON.parse(file.body.toString())).toEqual({ error: { code: 'not_implemented', message: 'the container has no cat' } });
    const put = await upload(join(dir, 'x'), Buffer.from('x'), { pod: 'bare-0' });
    expect(put).toEqual({ status: 501, body: { error: { code: 'not_implemented', message: 'the container has no cat' } } });
    const noShell = await download('/etc/hostname', { pod: 'noshell-0' });
    expect(noShell.status).toBe(501);
    expect(JSON.parse(noShell.body.toString())).toMatchObject({ error: { message: 'the container has no sh, which file transfers need' } });
  });
});
