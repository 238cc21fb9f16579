import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionLimits } from '../../../server/exec/session-limits.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function watch(settings: { idleTimeoutMs: number; warningMs: number; maxDurationMs: number }) {
  const events: string[] = [];
  const limits = new SessionLimits(settings, {
    warn: (what, secondsLeft) => events.push(`warn ${what} ${secondsLeft}`),
    expire: (what) => events.push(`expire ${what}`),
  });
  return { limits, events };
}

describe('SessionLimits', () => {
  it('warns before the idle timeout, then expires', () => {
    const { events } = watch({ idleTimeoutMs: 10_000, warningMs: 3_000, maxDurationMs: 0 });
    vi.advanceTimersByTime(6_999);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(events).toEqual(['warn idle 3']);
    vi.advanceTimersByTime(3_000);
    expect(events).toEqual(['warn idle 3', 'expire idle']);
  });

  it('starts the idle clock again on activity, and warns again after new idleness', () => {
    const { limits, events } = watch({ idleTimeoutMs: 10_000, warningMs: 3_000, maxDurationMs: 0 });
    vi.advanceTimersByTime(8_000);
    limits.activity();
    vi.advanceTimersByTime(9_000);
    expect(events).toEqual(['warn idle 3', 'warn idle 3']);
    limits.activity();
    vi.advanceTimersByTime(9_999);
    expect(events.filter((e) => e.startsWith('expire'))).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(events.at(-1)).toBe('expire idle');
  });

  it('ends at the maximum duration whatever the activity, after one warning', () => {
    const { limits, events } = watch({ idleTimeoutMs: 0, warningMs: 1_000, maxDurationMs: 5_000 });
    for (let t = 0; t < 5_000; t += 500) {
      limits.activity();
      vi.advanceTimersByTime(500);
    }
    expect(events).toEqual(['warn duration 1', 'expire duration']);
  });

  it('does nothing when both limits are off, and nothing after stop', () => {
    const off = watch({ idleTimeoutMs: 0, warningMs: 1_000, maxDurationMs: 0 });
    vi.advanceTimersByTime(10 ** 9);
    expect(off.events).toEqual([]);
    const stopped = watch({ idleTimeoutMs: 1_000, warningMs: 0, maxDurationMs: 0 });
    stopped.limits.stop();
    vi.advanceTimersByTime(5_000);
    expect(stopped.events).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
