// Parameter covariance when the data cannot separate parameters: no standard error is invented for them (the plain
// inverse of a singular J^T J gave variances of noise, shown as intervals of zero width), they are named as a
// confounded group, and predictions keep their intervals.
import { describe, expect, it } from 'vitest';
import { compileParametric, createRng, fitParametric, invertMatrix, parameterCovariance, ParametricEvaluator, predictWithIntervals, symmetricEigen } from '../../../../src/sr/index.js';

/** J^T J of parameter-major columns. */
function gram(cols: number[][]): Float64Array {
  const F = cols.length;
  const A = new Float64Array(F * F);
  for (let a = 0; a < F; a++) for (let b = 0; b < F; b++) A[a * F + b] = cols[a].reduce((s, v, i) => s + v * cols[b][i], 0);
  return A;
}

describe('parameterCovariance', () => {
  const rng = createRng(3);
  const x = Array.from({ length: 30 }, () => 1 + 9 * rng.next());
  const z = Array.from({ length: 30 }, () => rng.next());

  it('is the plain inverse times s2 when J^T J has full rank, whatever the parameters\' scales', () => {
    const cols = [x, z.map((v) => v * 1e6), x.map(() => 1)];
    const A = gram(cols);
    const c = parameterCovariance(A, 3, 0.25)!;
    const inv = invertMatrix(A, 3)!;
    for (let k = 0; k < 9; k++) expect(c.covariance[k]).toBeCloseTo(inv[k] * 0.25, 12);
    expect(c.confounded).toEqual([]);
    c.standardErrors.forEach((se, k) => expect(se).toBeCloseTo(Math.sqrt(inv[k * 3 + k] * 0.25), 12));
  });

  it('names two parameters with the same column as confounded and gives neither a standard error', () => {
    // columns 0 and 2 are proportional (a factor and the log of a factor on the same term); column 1 is its own
    const cols = [x, z, x.map((v) => 3 * v)];
    const c = parameterCovariance(gram(cols), 3, 0.5)!;
    expect(c.confounded).toEqual([[0, 2]]);
    expect(c.standardErrors[0]).toBeNull();
    expect(c.standardErrors[2]).toBeNull();
    expect(c.standardErrors[1]).toBeGreaterThan(0);
    // the determined combination keeps its variance: g = (1, 0, 3) lies in the span of the data
    const g = [1, 0, 3];
    let v = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) v += g[a] * c.covariance[a * 3 + b] * g[b];
    const alone = parameterCovariance(gram([x.map((t) => 10 * t), z]), 2, 0.5)!; // the same fit written with one parameter for 10 x
    expect(Math.sqrt(v) / 10).toBeCloseTo(alone.standardErrors[0]!, 9);
  });
});

describe('fitParametric with confounded parameters', () => {
  it('fits a * exp(b) * x: the product is determined, a and b alone are not, the prediction interval is finite', () => {
    const rng = createRng(11);
    const n = 40;
    const X = Float64Array.from({ length: n }, () => 1 + 9 * rng.next());
    const y = X.map((v) => 2.5 * v * Math.exp(0.05 * rng.normal()));
    const model = compileParametric({ features: ['x'], parameters: [{ name: 'a', start: 1 }, { name: 'b', start: 0 }], expressions: { main: 'a * exp(b) * x' } });
    const fit = fitParametric(model, { main: { X, nRows: n, y } }, { seed: 1 });
    expect(fit.values[0] * Math.exp(fit.values[1])).toBeCloseTo(2.5, 1);
    expect(fit.confounded).toEqual([[0, 1]]);
    expect(fit.standardErrors).toEqual([null, null]);
    const ev = new ParametricEvaluator(model, { main: { X: Float64Array.from([5]), nRows: 1 } });
    const p = predictWithIntervals(ev, 'main', fit.values, { space: 'log', free: fit.free, covariance: fit.covariance, residualSd: fit.kinds[0].residualSd });
    ev.dispose();
    expect(p.low[0]).toBeLessThan(p.predictions[0]);
    expect(p.high[0]).toBeGreaterThan(p.predictions[0]);
    expect(p.high[0] / p.low[0]).toBeLessThan(1.5);
  });
});

describe('symmetricEigen', () => {
  it('gives A v = lambda v with orthonormal vectors on random symmetric matrices, singular ones included', () => {
    const rng = createRng(5);
    for (const n of [1, 2, 5, 14]) {
      const cols = Array.from({ length: n }, () => Array.from({ length: 20 }, () => rng.normal()));
      if (n > 2) cols[n - 1] = cols[0].map((v, i) => 2 * v - cols[1][i]); // rank n - 1
      const A = gram(cols);
      const eig = symmetricEigen(A, n);
      const scale = Math.max(...eig.map((e) => Math.abs(e.value)));
      for (const { value, vector } of eig) {
        for (let r = 0; r < n; r++) {
          const av = vector.reduce((s, v, c) => s + A[r * n + c] * v, 0);
          expect(Math.abs(av - value * vector[r])).toBeLessThan(1e-10 * scale);
        }
      }
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        const dot = eig[i].vector.reduce((s, v, k) => s + v * eig[j].vector[k], 0);
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 10);
      }
      if (n > 2) expect(Math.min(...eig.map((e) => Math.abs(e.value)))).toBeLessThan(1e-10 * scale);
    }
  });
});
