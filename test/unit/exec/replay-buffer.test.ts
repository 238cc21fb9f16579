import { describe, expect, it } from 'vitest';
import { ReplayBuffer } from '../../../server/exec/replay-buffer.js';

const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString();

describe('ReplayBuffer', () => {
  it('gives the output from any kept offset on, cutting inside a chunk', () => {
    const buffer = new ReplayBuffer(100);
    for (const part of ['hello ', 'wide ', 'world']) buffer.append(Buffer.from(part));
    expect(buffer.endOffset).toBe(16);
    expect(text(buffer.since(0)!.chunks)).toBe('hello wide world');
    expect(text(buffer.since(8)!.chunks)).toBe('de world');
    expect(buffer.since(16)).toEqual({ chunks: [], lostBytes: 0 });
  });

  it('trims the oldest bytes beyond its limit, and says how many a late offset lost', () => {
    const buffer = new ReplayBuffer(8);
    buffer.append(Buffer.from('0123456789'));
    buffer.append(Buffer.from('abcdef'));
    buffer.trim();
    expect(buffer.size).toBe(8);
    expect(buffer.endOffset).toBe(16);
    expect(buffer.since(2)).toEqual({ chunks: [Buffer.from('89'), Buffer.from('abcdef')], lostBytes: 6 });
    expect(text(buffer.since(12)!.chunks)).toBe('cdef');
  });

  it('keeps everything until trimmed (a browser that is away has not seen it)', () => {
    const buffer = new ReplayBuffer(4);
    buffer.append(Buffer.from('abcdef'));
    expect(text(buffer.since(0)!.chunks)).toBe('abcdef');
  });

  it('refuses offsets beyond the output or not a count of bytes', () => {
    const buffer = new ReplayBuffer(10);
    buffer.append(Buffer.from('abc'));
    for (const offset of [4, -1, 1.5, Number.NaN, 2 ** 60]) expect(buffer.since(offset)).toBeUndefined();
  });

  it('counts output without keeping it when resume is off', () => {
    const buffer = new ReplayBuffer(0);
    buffer.append(Buffer.from('abc'));
    expect(buffer.size).toBe(0);
    expect(buffer.endOffset).toBe(3);
    expect(buffer.since(3)).toEqual({ chunks: [], lostBytes: 0 });
    expect(buffer.since(0)).toEqual({ chunks: [], lostBytes: 3 });
  });

  it('copies small chunks, so a view into a large read is not pinned', () => {
    const read = Buffer.alloc(64 * 1024, 0x61);
    const buffer = new ReplayBuffer(1024);
    buffer.append(read.subarray(0, 10));
    expect(buffer.since(0)!.chunks[0]!.buffer).not.toBe(read.buffer);
  });
});
