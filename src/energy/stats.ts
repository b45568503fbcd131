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

/**
 * Rearranges `a` so that `a[k]` is the k-th smallest value, everything before it is <= it and everything after
 * it >= it (Hoare's selection, median-of-three pivots); returns `a[k]`. Linear on average; after 4 log2(n)
 * rounds without enough progress it sorts what is left, so the worst case stays n log n.
 */
export function quickselect(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  let budget = 4 * Math.ceil(Math.log2(a.length + 1)) + 8;
  while (hi > lo) {
    if (budget-- <= 0) {
      a.subarray(lo, hi + 1).sort();
      return a[k];
    }
    const mid = (lo + hi) >>> 1;
    // median of three as the pivot (also sorts a[lo], a[mid], a[hi])
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) { swap(a, i, j); i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** The median of numbers in any order (the mean of the two middle ones for an even count); NaN when empty or when any is NaN. Linear on average; `xs` is not changed. */
export function median(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return Number.NaN;
  const a = Float64Array.from(xs);
  for (let i = 0; i < n; i++) if (Number.isNaN(a[i])) return Number.NaN;
  const upper = quickselect(a, n >> 1);
  if (n % 2 === 1) return upper;
  // the lower middle value is the largest of the part before the upper one
  let lower = a[0];
  for (let i = 1; i < n >> 1; i++) if (a[i] > lower) lower = a[i];
  return lower + (upper - lower) * 0.5; // the same arithmetic as quantileOfSorted, so results match to the bit
}

/** The median absolute deviation from the median (unscaled): one median, then one more; linear on average. */
export function medianAbsoluteDeviation(xs: ArrayLike<number>): number {
  const m = median(xs);
  const dev = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) dev[i] = Math.abs(xs[i] - m);
  return median(dev);
}
