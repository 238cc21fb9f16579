import { describe, expect, it } from 'vitest';
import { alternate, median, percentile, spread } from '../../../bench/stats.js';

describe('bench statistics', () => {
  it('takes the middle value, or the mean of the two middle ones for an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([126.6, 153.1])).toBeCloseTo(139.85);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(spread([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5 });
  });

  it('reads percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
  });

  it('alternates the routes, starting with the other one each round', async () => {
    const order: string[] = [];
    const runs = await alternate(3, async (route) => {
      order.push(route);
      return order.length;
    });
    expect(order).toEqual(['direct', 'gateway', 'gateway', 'direct', 'direct', 'gateway']);
    expect(runs).toEqual({ direct: [1, 4, 5], gateway: [2, 3, 6] });
  });

  it('runs warm-up rounds first and keeps none of their results', async () => {
    let count = 0;
    const warmUps: boolean[] = [];
    const runs = await alternate(
      2,
      async (_route, warmUp) => {
        warmUps.push(warmUp);
        return ++count;
      },
      1,
    );
    expect(warmUps).toEqual([true, true, false, false, false, false]);
    expect(runs).toEqual({ direct: [4, 5], gateway: [3, 6] });
  });
});
