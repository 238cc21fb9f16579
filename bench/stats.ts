// Medians, percentiles and the A/B alternation every figure uses.

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** The middle value; for an even count, the mean of the two middle ones (nearest rank would take the lower). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * Runs `measure` for A and B alternately, `rounds` times each, starting with a
 * different one each round. `warmUpRounds` run first and are not kept: a
 * process that has moved little data is still compiling its code and growing
 * its heap, which a long-running gateway or API server has long done.
 */
export async function alternate<T>(
  rounds: number,
  measure: (route: 'direct' | 'gateway', warmUp: boolean) => Promise<T>,
  warmUpRounds = 0,
): Promise<{ direct: T[]; gateway: T[] }> {
  const direct: T[] = [];
  const gateway: T[] = [];
  for (let round = 0; round < warmUpRounds + rounds; round += 1) {
    const order: Array<'direct' | 'gateway'> = round % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct'];
    for (const route of order) {
      const result = await measure(route, round < warmUpRounds);
      if (round >= warmUpRounds) (route === 'direct' ? direct : gateway).push(result);
    }
  }
  return { direct, gateway };
}
