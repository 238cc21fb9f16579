import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AsciicastWriter, MAX_PENDING_BYTES } from '../../../server/recording/asciicast.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function writer(): Promise<{ writer: AsciicastWriter; path: string; file: FileHandle }> {
  const dir = mkdtempSync(join(tmpdir(), 'webterm-cast-'));
  dirs.push(dir);
  const path = join(dir, 'x.cast');
  const file = await open(path, 'wx', 0o600);
  return { writer: new AsciicastWriter(path, file, { width: 80, height: 24, timestamp: 1700000000, title: 't' }), path, file };
}

function lines(path: string): unknown[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

describe('AsciicastWriter', () => {
  it('writes the header, output and resize events, in order, with rising times', async () => {
    const { writer: w, path } = await writer();
    w.output(Buffer.from('hello '));
    w.resize(100, 30);
    await new Promise((resolve) => setTimeout(resolve, 20));
    w.output(Buffer.from('world\r\n'));
    await w.close();
    const [header, ...events] = lines(path) as [Record<string, unknown>, ...Array<[number, string, string]>];
    expect(header).toEqual({ version: 2, width: 80, height: 24, timestamp: 1700000000, title: 't' });
    expect(events.map(([, code, data]) => [code, data])).toEqual([
      ['o', 'hello '],
      ['r', '100x30'],
      ['o', 'world\r\n'],
    ]);
    expect(events[2]![0]).toBeGreaterThan(events[0]![0]);
    expect(events[2]![0] - events[0]![0]).toBeGreaterThanOrEqual(0.015);
  });

  it('keeps a multi-byte character cut between frames whole, at every cut', async () => {
    const text = '中文 ✓ 🚀 naïve';
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const { writer: w, path } = await writer();
      w.output(bytes.subarray(0, cut));
      await new Promise((resolve) => setImmediate(resolve));
      w.output(bytes.subarray(cut));
      await w.close();
      const events = lines(path).slice(1) as Array<[number, string, string]>;
      expect(events.map((e) => e[2]).join('')).toBe(text);
      expect(events.every((e) => !e[2].includes('\uFFFD'))).toBe(true);
    }
  });

  it('batches: many frames in one tick become one write', async () => {
    const { writer: w, path, file } = await writer();
    let writes = 0;
    const write = file.write.bind(file);
    (file as unknown as { write: typeof write }).write = ((...args: Parameters<typeof write>) => {
      writes += 1;
      return write(...args);
    }) as typeof write;
    for (let i = 0; i < 1000; i += 1) w.output(Buffer.from(`${i}\n`));
    await w.close();
    expect(writes).toBeLessThanOrEqual(3);
    expect((lines(path).slice(1) as Array<[number, string, string]>).map((e) => e[2]).join('')).toBe(
      Array.from({ length: 1000 }, (_, i) => `${i}\n`).join(''),
    );
  });

  it('reports a write failure once, and takes no more events after it', async () => {
    const w = new AsciicastWriter('/dev/full', await open('/dev/full', 'w'), { width: 80, height: 24, timestamp: 0 });
    const errors: Error[] = [];
    w.onError((error) => errors.push(error));
    w.output(Buffer.from('x'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    w.output(Buffer.from('y'));
    await w.close();
    expect(errors).toHaveLength(1);
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('ENOSPC');
    const late: Error[] = [];
    w.onError((error) => late.push(error));
    expect(late).toEqual(errors);
  });

  it('fails rather than buffer without bound when the disk does not keep up', async () => {
    // A disk that never finishes a write.
    const stuck = { write: () => new Promise(() => undefined), close: async () => undefined } as unknown as FileHandle;
    const w = new AsciicastWriter('stuck', stuck, { width: 80, height: 24, timestamp: 0 });
    const errors: Error[] = [];
    w.onError((error) => errors.push(error));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let sent = 0; sent <= MAX_PENDING_BYTES + chunk.length; sent += chunk.length) {
      w.output(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('slower than the session');
  });
});
