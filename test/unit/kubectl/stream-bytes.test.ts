import { describe, expect, it } from 'vitest';
import { streamBytes } from '../../../server/kubectl/exec-proxy.js';

const STDIN = new Set([0]);
const OUTPUT = new Set([1, 2]);

describe('kubectl session byte counts', () => {
  it('counts the payload of binary frames on the given channels only', () => {
    expect(streamBytes(Buffer.from('\x01hello', 'latin1'), true, OUTPUT)).toBe(5);
    expect(streamBytes(Buffer.from('\x02oops', 'latin1'), true, OUTPUT)).toBe(4);
    expect(streamBytes(Buffer.from('\x00typed', 'latin1'), true, STDIN)).toBe(5);
    expect(streamBytes(Buffer.from('\x03{"status":"Success"}', 'latin1'), true, OUTPUT)).toBe(0);
    expect(streamBytes(Buffer.from('\x04{"Width":80,"Height":24}', 'latin1'), true, STDIN)).toBe(0);
    expect(streamBytes(Buffer.from([1]), true, OUTPUT)).toBe(0);
    expect(streamBytes(Buffer.alloc(0), true, OUTPUT)).toBe(0);
  });

  it('decodes the length of base64 frames, whose channel is an ASCII digit', () => {
    expect(streamBytes(Buffer.from(`1${Buffer.from('hello').toString('base64')}`), false, OUTPUT)).toBe(5);
    expect(streamBytes(Buffer.from(`0${Buffer.from('ab').toString('base64')}`), false, STDIN)).toBe(2);
    expect(streamBytes(Buffer.from(`3${Buffer.from('{}').toString('base64')}`), false, OUTPUT)).toBe(0);
    for (const text of ['', 'a', 'abc', 'abcd', 'x'.repeat(1000)]) {
      expect(streamBytes(Buffer.from(`1${Buffer.from(text).toString('base64')}`), false, OUTPUT), text).toBe(text.length);
    }
  });
});
