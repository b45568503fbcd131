// Fits on many rows (fitParametric above options.sampleRows): seeded samples of distinct rows, sampled kinds in
// proportion, and the sampled fit (starts and robust rounds on a sample, one Huber-weighted run on every row)
// against the fit on every row, on a noisy power law with outliers and two kinds sharing parameters.
import { describe, expect, it } from 'vitest';
import { compileParametric, createRng, fitParametric, pickRows, sampleIndexes, sampleRows, type KindRows } from '../../../../src/sr/index.js';

/** y = a x^b z (log-normal noise sd 0.05) with 2 % of rows 3x too high; `scale` multiplies the second kind. */
function rows(n: number, seed: number, scale = 1): KindRows {
  const rng = createRng(seed);
  const X = new Float64Array(2 * n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const x = 1 + 9 * rng.next();
    const z = 0.5 + 2 * rng.next();
    X[r] = x;
    X[n + r] = z;
    y[r] = scale * 2.5 * x ** 0.7 * z * Math.exp(0.05 * rng.normal()) * (rng.next() < 0.02 ? 3 : 1);
  }
  return { X, nRows: n, y };
}

const model = compileParametric({
  features: ['x', 'z'],
  parameters: [{ name: 'a', start: 1, lower: 0 }, { name: 'b', start: 1 }, { name: 's', start: 1, lower: 0 }],
  expressions: { main: 'a * x ^ b * z', other: 's * a * x ^ b * z' },
});

describe('sampleIndexes and sampleRows', () => {
  it('draws distinct ascending indexes, the same for the same seed, all of them when k >= n', () => {
    const a = sampleIndexes(1000, 100, 7);
    expect(a.length).toBe(100);
    expect(new Set(a).size).toBe(100);
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThan(a[i - 1]);
    expect(Array.from(sampleIndexes(1000, 100, 7))).toEqual(Array.from(a));
    expect(Array.from(sampleIndexes(1000, 100, 8))).not.toEqual(Array.from(a));
    expect(Array.from(sampleIndexes(5, 9, 1))).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps X feature-major and the targets of the rows picked; each kind in proportion', () => {
    const main = rows(400, 1);
    const picked = pickRows({ ...main, weights: new Float64Array(400).fill(2), groups: Int32Array.from({ length: 400 }, (_, i) => i) }, Int32Array.from([3, 10, 399]));
    expect(picked.nRows).toBe(3);
    expect(Array.from(picked.X)).toEqual([main.X[3], main.X[10], main.X[399], main.X[403], main.X[410], main.X[799]]);
    expect(Array.from(picked.y!)).toEqual([main.y![3], main.y![10], main.y![399]]);
    expect(Array.from(picked.groups!)).toEqual([3, 10, 399]);
    const s = sampleRows({ main, other: rows(100, 2) }, 50, 3);
    expect(s.main.nRows).toBe(40);
    expect(s.other.nRows).toBe(10);
  });
});

describe('fitParametric on many rows', () => {
  const data = { main: rows(30_000, 11), other: rows(10_000, 12, 1.8) };

  it('matches the fit on every row within 1 % of each parameter and of the loss', () => {
    const full = fitParametric(model, data, { sampleRows: 0, seed: 1 });
    const sampled = fitParametric(model, data, { sampleRows: 2_000, seed: 1 });
    for (let k = 0; k < 3; k++) expect(Math.abs(sampled.values[k] / full.values[k] - 1)).toBeLessThan(0.01);
    expect(Math.abs(sampled.loss / full.loss - 1)).toBeLessThan(0.01);
    // and both find the truth despite the outliers
    expect(sampled.values[0]).toBeCloseTo(2.5, 1);
    expect(sampled.values[1]).toBeCloseTo(0.7, 2);
    expect(sampled.values[2]).toBeCloseTo(1.8, 1);
    expect(sampled.standardErrors[1]).toBeGreaterThan(0);
    expect(sampled.kinds.map((k) => k.nRows)).toEqual([30_000, 10_000]);
  });

  it('leaves a fit on no more rows than sampleRows unchanged', () => {
    const small = { main: rows(600, 21), other: rows(200, 22, 1.8) };
    const a = fitParametric(model, small, { seed: 2 });
    const b = fitParametric(model, small, { seed: 2, sampleRows: 0 });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(a.iterations).toBe(b.iterations);
  });

  it('refuses a sampleRows that is not a non-negative integer', () => {
    expect(() => fitParametric(model, data, { sampleRows: -1 })).toThrow(/sampleRows/);
  });
});
