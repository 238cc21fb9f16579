// Medians, percentiles and the A/B alternation every figure uses.

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Runs `measure` for A and B alternately, `rounds` times each, starting with a different one each round. */
export async function alternate<T>(rounds: number, measure: (route: 'direct' | 'gateway') => Promise<T>): Promise<{ direct: T[]; gateway: T[] }> {
  const direct: T[] = [];
  const gateway: T[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const order: Array<'direct' | 'gateway'> = round % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct'];
    for (const route of order) (route === 'direct' ? direct : gateway).push(await measure(route));
  }
  return { direct, gateway };
}
