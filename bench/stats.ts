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
 * Unmeasured rounds each route runs first in the streaming and keystroke
 * figures: a Node relay that has moved little is still compiling its path
 * (and compiling it again as new sessions bring new shapes), which a relay in
 * service has long done.
 */
export const WARM_UP_ROUNDS = 1;

/**
 * Runs `measure` for every route in turn, `rounds` times each, each round
 * starting one route further on (so every route runs in every position).
 * `warmUpRounds` run first and are not kept: a process that has moved little
 * data is still compiling its code and growing its heap, which a
 * long-running gateway or API server has long done.
 */
export async function alternateRoutes<R extends string, T>(
  routes: readonly R[],
  rounds: number,
  measure: (route: R, warmUp: boolean) => Promise<T>,
  warmUpRounds = 0,
): Promise<Record<R, T[]>> {
  const results = Object.fromEntries(routes.map((route) => [route, [] as T[]])) as Record<R, T[]>;
  for (let round = 0; round < warmUpRounds + rounds; round += 1) {
    for (let i = 0; i < routes.length; i += 1) {
      const route = routes[(round + i) % routes.length]!;
      const result = await measure(route, round < warmUpRounds);
      if (round >= warmUpRounds) results[route].push(result);
    }
  }
  return results;
}

/** `alternateRoutes` for A/B: direct and the gateway, starting with the other one each round. */
export function alternate<T>(
  rounds: number,
  measure: (route: 'direct' | 'gateway', warmUp: boolean) => Promise<T>,
  warmUpRounds = 0,
): Promise<{ direct: T[]; gateway: T[] }> {
  return alternateRoutes(['direct', 'gateway'] as const, rounds, measure, warmUpRounds);
}
