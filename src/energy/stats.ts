/** Statistics shared by calibration, fitting, evaluation and profiling. */

/** The arithmetic mean; NaN when empty. */
export function mean(xs: readonly number[]): number {
  return xs.reduce((a, x) => a + x, 0) / xs.length;
}

/** The q-quantile (0..1) of numbers sorted ascending, interpolated linearly between ranks; NaN when empty. */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

/** The median of numbers in any order; NaN when empty. */
export function median(xs: readonly number[]): number {
  return quantileOfSorted([...xs].sort((a, b) => a - b), 0.5);
}
