import { describe, expect, it } from 'vitest';
import { payloadBytes } from '../../../server/exec/channels.js';

const STDIN = new Set([0]);
const OUTPUT = new Set([1, 2]);

describe('channel payload byte counts', () => {
  it('counts the payload of binary frames on the given channels only', () => {
    expect(payloadBytes(Buffer.from('\x01hello', 'latin1'), true, OUTPUT)).toBe(5);
    expect(payloadBytes(Buffer.from('\x02oops', 'latin1'), true, OUTPUT)).toBe(4);
    expect(payloadBytes(Buffer.from('\x00typed', 'latin1'), true, STDIN)).toBe(5);
    expect(payloadBytes(Buffer.from('\x03{"status":"Success"}', 'latin1'), true, OUTPUT)).toBe(0);
    expect(payloadBytes(Buffer.from('\x04{"Width":80,"Height":24}', 'latin1'), true, STDIN)).toBe(0);
    expect(payloadBytes(Buffer.from([1]), true, OUTPUT)).toBe(0);
    expect(payloadBytes(Buffer.alloc(0), true, OUTPUT)).toBe(0);
  });

  it('decodes the length of base64 frames, whose channel is an ASCII digit', () => {
    expect(payloadBytes(Buffer.from(`1${Buffer.from('hello').toString('base64')}`), false, OUTPUT)).toBe(5);
    expect(payloadBytes(Buffer.from(`0${Buffer.from('ab').toString('base64')}`), false, STDIN)).toBe(2);
    expect(payloadBytes(Buffer.from(`3${Buffer.from('{}').toString('base64')}`), false, OUTPUT)).toBe(0);
    for (const text of ['', 'a', 'abc', 'abcd', 'x'.repeat(1000)]) {
      expect(payloadBytes(Buffer.from(`1${Buffer.from(text).toString('base64')}`), false, OUTPUT), text).toBe(text.length);
    }
  });
});
