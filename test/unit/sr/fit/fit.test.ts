// The engine's parametric fitting on synthetic problems whose answers are known: ordinary least squares in closed
// form (values, standard errors, prediction intervals, cross-validated predictions), exact power laws in log
// space, parameters shared between row kinds, held parameters, bounds, and robust refits against outliers.
import { describe, expect, it } from 'vitest';
import {
  compileParametric, createRng, crossValidate, fitParametric, invertMatrix, ParametricEvaluator, predictWithIntervals, robustScale, medianOf, Z95,
  type KindRows,
} from '../../../../src/sr/index.js';

const codeOf = (f: () => unknown): string | undefined => { try { f(); } catch (e) { return (e as { code?: string }).code; } return undefined; };

/** n rows of two features, feature-major. */
function table(n: number, seed: number): { X: Float64Array; x: Float64Array; z: Float64Array } {
  const rng = createRng(seed);
  const x = Float64Array.from({ length: n }, () => 1 + 9 * rng.next());
  const z = Float64Array.from({ length: n }, () => 0.5 + 2 * rng.next());
  const X = new Float64Array(2 * n);
  X.set(x, 0);
  X.set(z, n);
  return { X, x, z };
}

/** Ordinary least squares y ~ a x + b z + c: coefficients, covariance s^2 (A'A)^-1, s^2. */
function ols(cols: Float64Array[], y: Float64Array): { beta: number[]; cov: Float64Array; s2: number } {
  const n = y.length;
  const p = cols.length;
  const A = new Float64Array(p * p);
  const b = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    for (let r = 0; r < n; r++) b[i] += cols[i][r] * y[r];
    for (let j = 0; j < p; j++) for (let r = 0; r < n; r++) A[i * p + j] += cols[i][r] * cols[j][r];
  }
  const inv = invertMatrix(A, p)!;
  const beta = Array.from({ length: p }, (_, i) => cols.reduce((_a, _c, j) => _a + inv[i * p + j] * b[j], 0));
  let sse = 0;
  for (let r = 0; r < n; r++) sse += (y[r] - cols.reduce((a, c, j) => a + beta[j] * c[r], 0)) ** 2;
  const s2 = sse / (n - p);
  return { beta, cov: inv.map((v) => v * s2), s2 };
}

const linearSpec = {
  features: ['x', 'z'],
  parameters: [{ name: 'a', start: 1 }, { name: 'b', start: 1 }, { name: 'c', start: 0 }],
  expressions: { main: 'a * x + b * z + c' },
};

describe('parametric expressions', () => {
  it('turn parameters into constants, shared between kinds, literals fixed', () => {
    const m = compileParametric({ features: ['x'], parameters: [{ name: 'a', start: 2 }, { name: 'b', start: 3 }], expressions: { one: 'a * x + a * 0.5', two: 'b * x' } });
    expect(Array.from(m.kinds[0].occurrences)).toEqual([0, 0, -1]);
    expect(m.kinds[0].uses).toEqual([true, false]);
    expect(Array.from(m.kinds[1].occurrences)).toEqual([1]);
    expect(m.free).toEqual([0, 1]);
  });

  it('refuse clashing names, bad bounds and unknown names', () => {
    expect(codeOf(() => compileParametric({ features: ['x'], parameters: [{ name: 'x', start: 1 }], expressions: { m: 'x' } }))).toBe('INVALID_OPTION');
    expect(codeOf(() => compileParametric({ features: ['x'], parameters: [{ name: 'a', start: 5, lower: 0, upper: 1 }], expressions: { m: 'a * x' } }))).toBe('INVALID_OPTION');
    expect(codeOf(() => compileParametric({ features: ['x'], parameters: [{ name: 'a', start: 1 }], expressions: { m: 'a * y' } }))).toBe('PARSE_ERROR');
  });
});

describe('fitParametric', () => {
  it('matches ordinary least squares: values, standard errors, prediction intervals (linear space)', () => {
    const n = 60;
    const { X, x, z } = table(n, 1);
    const rng = createRng(2);
    const y = Float64Array.from(x, (xi, r) => 2.5 * xi - 1.5 * z[r] + 4 + 0.3 * rng.normal());
    const fit = fitParametric(compileParametric(linearSpec), { main: { X, nRows: n, y } }, { space: 'linear', robustRounds: 0, restarts: 2 });
    const ref = ols([x, z, new Float64Array(n).fill(1)], y);
    for (let k = 0; k < 3; k++) {
      expect(fit.values[k]).toBeCloseTo(ref.beta[k], 8);
      expect(fit.standardErrors[k]).toBeCloseTo(Math.sqrt(ref.cov[k * 3 + k]), 8);
    }
    expect(fit.kinds[0].residualSd).toBeCloseTo(Math.sqrt(ref.s2), 8);
    // a new row: var = g' C g + s^2 with g = (x, z, 1)
    const ev = new ParametricEvaluator(compileParametric(linearSpec), { main: { X: Float64Array.from([3, 1]), nRows: 1 } });
    const p = predictWithIntervals(ev, 'main', fit.values, { space: 'linear', free: fit.free, covariance: fit.covariance, residualSd: Math.sqrt(ref.s2) });
    ev.dispose();
    const g = [3, 1, 1];
    const v = ref.s2 + g.reduce((a, gi, i) => a + gi * g.reduce((b, gj, j) => b + ref.cov[i * 3 + j] * gj, 0), 0);
    expect(p.predictions[0]).toBeCloseTo(ref.beta[0] * 3 + ref.beta[1] + ref.beta[2], 8);
    expect(p.high[0] - p.predictions[0]).toBeCloseTo(Z95 * Math.sqrt(v), 8);
    expect(p.predictions[0] - p.low[0]).toBeCloseTo(Z95 * Math.sqrt(v), 8);
  });

  it('weights rows as weighted least squares does', () => {
    const n = 40;
    const { X, x, z } = table(n, 3);
    const rng = createRng(4);
    const y = Float64Array.from(x, (xi, r) => 2 * xi + z[r] + 0.2 * rng.normal());
    const w = Float64Array.from({ length: n }, (_, r) => (r % 2 ? 4 : 1));
    const fit = fitParametric(compileParametric(linearSpec), { main: { X, nRows: n, y, weights: w } }, { space: 'linear', robustRounds: 0 });
    const sw = w.map(Math.sqrt);
    const ref = ols([x.map((v, r) => v * sw[r]), z.map((v, r) => v * sw[r]), sw.slice()], y.map((v, r) => v * sw[r]));
    for (let k = 0; k < 3; k++) {
      expect(fit.values[k]).toBeCloseTo(ref.beta[k], 8);
      expect(fit.standardErrors[k]).toBeCloseTo(Math.sqrt(ref.cov[k * 3 + k]), 8);
    }
  });

  it('recovers an exact power law in log space, with bounds and a held parameter', () => {
    const n = 30;
    const { X, x, z } = table(n, 5);
    const y = Float64Array.from(x, (xi, r) => 0.7 * xi ** 1.3 * z[r]);
    const spec = {
      features: ['x', 'z'],
      parameters: [{ name: 'k', start: 1, lower: 0, upper: 10 }, { name: 'q', start: 1, lower: 0, upper: 3 }, { name: 'h', start: 1, held: { value: 1, reason: 'known' } }],
      expressions: { main: 'k * x ^ q * z ^ h' },
    };
    const fit = fitParametric(compileParametric(spec), { main: { X, nRows: n, y } }, { seed: 1 });
    expect(fit.values[0]).toBeCloseTo(0.7, 8);
    expect(fit.values[1]).toBeCloseTo(1.3, 8);
    expect(fit.values[2]).toBe(1);
    expect(fit.free).toEqual([0, 1]);
    expect(fit.standardErrors[2]).toBeNull();
    // the upper bound binds when the truth lies past it
    const capped = fitParametric(compileParametric({ ...spec, parameters: [spec.parameters[0], { name: 'q', start: 1, lower: 0, upper: 1.1 }, spec.parameters[2]] }), { main: { X, nRows: n, y } });
    expect(capped.values[1]).toBeCloseTo(1.1, 12);
  });

  it('shares parameters between row kinds', () => {
    const n = 25;
    const { X, x, z } = table(n, 6);
    const model = compileParametric({ features: ['x', 'z'], parameters: [{ name: 'a', start: 1, lower: 0 }, { name: 'b', start: 1, lower: 0 }], expressions: { energy: 'a * x + b', latency: '0.001 * a * z' } });
    // b alone is not identified by the latency rows; a is identified by both
    const data = { energy: { X, nRows: n, y: x.map((v) => 3 * v + 2) }, latency: { X, nRows: n, y: z.map((v) => 0.003 * v) } };
    const fit = fitParametric(model, data);
    expect(fit.values[0]).toBeCloseTo(3, 8);
    expect(fit.values[1]).toBeCloseTo(2, 8);
    expect(fit.kinds.map((k) => k.kind)).toEqual(['energy', 'latency']);
    // without energy rows, b cannot move: held with holdUnidentified
    const only = fitParametric(model, { latency: data.latency }, { holdUnidentified: true });
    expect(only.unidentified).toEqual([1]);
    expect(only.free).toEqual([0]);
    expect(only.values[0]).toBeCloseTo(3, 8);
  });

  it('robust refits keep a few gross outliers from pulling the fit', () => {
    const n = 50;
    const { X, x } = table(n, 7);
    const rng = createRng(8);
    const y = Float64Array.from(x, (xi, r) => 2 * xi * Math.exp(0.02 * rng.normal()) * (r < 4 ? 3 : 1));
    const model = compileParametric({ features: ['x', 'z'], parameters: [{ name: 'a', start: 1, lower: 0 }], expressions: { m: 'a * x' } });
    const plain = fitParametric(model, { m: { X, nRows: n, y } }, { robustRounds: 0 });
    const robust = fitParametric(model, { m: { X, nRows: n, y } }, { robustRounds: 5 });
    expect(Math.abs(Math.log(plain.values[0] / 2))).toBeGreaterThan(0.05);
    expect(Math.abs(Math.log(robust.values[0] / 2))).toBeLessThan(0.01);
  });

  it('is reproducible with a seed and refuses bad options and bad targets', () => {
    const n = 20;
    const { X, x } = table(n, 9);
    const model = compileParametric({ features: ['x', 'z'], parameters: [{ name: 'a', start: 1 }, { name: 'b', start: 1 }], expressions: { m: 'a * exp(b * x / 10)' } });
    const data = { m: { X, nRows: n, y: x.map((v) => 2 * Math.exp(0.4 * v)) } };
    const one = fitParametric(model, data, { seed: 3 });
    const two = fitParametric(model, data, { seed: 3 });
    expect(Array.from(one.values)).toEqual(Array.from(two.values));
    expect(codeOf(() => fitParametric(model, data, { restarts: -1 }))).toBe('INVALID_OPTION');
    expect(codeOf(() => fitParametric(model, { m: { X, nRows: n, y: x.map(() => -1) } }))).toBe('INVALID_DATA');
    expect(codeOf(() => fitParametric(model, { other: { X, nRows: n, y: x } }))).toBe('INVALID_DATA');
  });
});

describe('robust scale', () => {
  it('is 1.4826 MAD and the median is the middle value', () => {
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 2, 3])).toBe(2.5);
    expect(robustScale([1, 2, 3, 4, 100])).toBeCloseTo(1.4826, 12);
  });
});

describe('crossValidate', () => {
  it('predicts each fold from a fit on the others (equal to least squares on the other folds)', () => {
    const n = 30;
    const { X, x, z } = table(n, 10);
    const rng = createRng(11);
    const y = Float64Array.from(x, (xi, r) => 1.5 * xi + 2 * z[r] + 1 + 0.5 * rng.normal());
    const model = compileParametric(linearSpec);
    const cv = crossValidate(model, { main: { X, nRows: n, y } }, { folds: 5, space: 'linear', robustRounds: 0, seed: 4 });
    expect(cv.folds).toBe(5);
    for (let f = 0; f < 5; f++) {
      const train = Array.from({ length: n }, (_, r) => r).filter((r) => cv.fold[r] !== f);
      const ref = ols([x, z, new Float64Array(n).fill(1)].map((c) => Float64Array.from(train, (r) => c[r])), Float64Array.from(train, (r) => y[r]));
      for (let r = 0; r < n; r++) if (cv.fold[r] === f) expect(cv.predictions[r]).toBeCloseTo(ref.beta[0] * x[r] + ref.beta[1] * z[r] + ref.beta[2], 6);
    }
    const rmse = Math.sqrt(cv.predictions.reduce((a, p, r) => a + (p - y[r]) ** 2, 0) / n);
    expect(cv.rmse).toBeCloseTo(rmse, 12);
    // same seed, same folds; a wrong structure scores worse
    expect(Array.from(crossValidate(model, { main: { X, nRows: n, y } }, { folds: 5, space: 'linear', seed: 4 }).fold)).toEqual(Array.from(cv.fold));
    const wrong = compileParametric({ ...linearSpec, expressions: { main: 'a * x + c + 0 * b * z' } });
    expect(crossValidate(wrong, { main: { X, nRows: n, y } }, { folds: 5, space: 'linear', seed: 4 }).rmse).toBeGreaterThan(cv.rmse);
  });

  it('keeps a group\'s rows of every kind in one fold', () => {
    const n = 20;
    const { X, x, z } = table(n, 12);
    const model = compileParametric({ features: ['x', 'z'], parameters: [{ name: 'a', start: 1, lower: 0 }, { name: 'b', start: 1, lower: 0 }], expressions: { energy: 'a * x + b', latency: '0.001 * a * z' } });
    const groups = Int32Array.from({ length: n }, (_, i) => i);
    const data: Record<string, KindRows> = { energy: { X, nRows: n, y: x.map((v) => 3 * v + 2), groups }, latency: { X, nRows: n, y: z.map((v) => 0.003 * v), groups } };
    const cv = crossValidate(model, data, { folds: 4 });
    expect(cv.rmse).toBeLessThan(1e-6);
    expect(codeOf(() => crossValidate(model, { energy: { ...data.energy, groups: undefined }, latency: data.latency }))).toBe('INVALID_DATA');
  });
});
