import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { median, medianAbsoluteDeviation, quantileOfSorted, quickselect } from '../../../src/energy/stats.js';

const bySort = (xs: number[]): number => quantileOfSorted([...xs].sort((a, b) => a - b), 0.5);
const values = fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -3, max: 3 })), { minLength: 1, maxLength: 300 });

describe('median and quickselect', () => {
  it('agree with sorting, for odd and even counts and many ties, and leave the input alone', () => {
    fc.assert(fc.property(values, (xs) => {
      const copy = [...xs];
      expect(median(xs)).toBe(bySort(xs));
      expect(xs).toEqual(copy);
    }), { numRuns: 500, seed: 3 });
  });

  it('quickselect puts the k-th smallest at k with smaller values before it and larger after', () => {
    fc.assert(fc.property(values, fc.nat(), (xs, k0) => {
      const k = k0 % xs.length;
      const a = Float64Array.from(xs);
      const v = quickselect(a, k);
      expect(v).toBe([...xs].sort((p, q) => p - q)[k]);
      for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(v);
      for (let i = k + 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(v);
    }), { numRuns: 500, seed: 4 });
  });

  it('stays fast on sorted, reversed and constant inputs (the cases that defeat naive pivots)', () => {
    const n = 200_000;
    for (const xs of [Float64Array.from({ length: n }, (_, i) => i), Float64Array.from({ length: n }, (_, i) => n - i), new Float64Array(n).fill(7)]) {
      expect(median(xs)).toBe(bySort(Array.from(xs)));
    }
  });

  it('median absolute deviation: the median of distances to the median; NaN when empty or with a NaN', () => {
    expect(medianAbsoluteDeviation([1, 2, 3, 4, 100])).toBe(1);
    expect(medianAbsoluteDeviation([-1, 1])).toBe(1);
    expect(median([])).toBeNaN();
    expect(median([1, Number.NaN, 3])).toBeNaN();
    fc.assert(fc.property(values, (xs) => {
      const m = bySort(xs);
      expect(medianAbsoluteDeviation(xs)).toBe(bySort(xs.map((x) => Math.abs(x - m))));
    }), { numRuns: 200, seed: 5 });
  });
});
