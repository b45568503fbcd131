import { describe, expect, it } from 'vitest';
import { fitConstants } from '../../../../src/sr/search/constants.js';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import { createWasmEvaluator } from '../../../../src/sr/eval/wasm-kernel.js';
import type { Dataset, Evaluator } from '../../../../src/sr/eval/types.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { createRng } from '../../../../src/sr/util/rng.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try { fn(); } catch (err) { return (err as { code?: string }).code; }
  return undefined;
};

function dataset(n: number, f: (x0: number, x1: number) => number, weights?: (r: number) => number): Dataset {
  const rng = createRng(21);
  const X = new Float64Array(2 * n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    X[r] = -3 + 6 * rng.next();
    X[n + r] = 0.3 + 2 * rng.next();
    y[r] = f(X[r], X[n + r]);
  }
  return { X, y, nFeatures: 2, nRows: n, weights: weights ? Float64Array.from({ length: n }, (_, r) => weights(r)) : undefined };
}

const evaluators: [string, () => Evaluator][] = [
  ['reference', () => new ReferenceEvaluator()],
  ['wasm', () => createWasmEvaluator()],
];

describe.each(evaluators)('fitConstants with the %s evaluator', (_name, make) => {
  it('fits 2.5 * x0^2 to 2.5 within 1e-8 relative, from a tree', () => {
    const data = dataset(50, (x0) => 2.5 * x0 * x0);
    const ev = make();
    ev.setDataset(data);
    const fit = fitConstants(parseExpression('0.1 * x0 ^ 2'), ev, data);
    expect(Math.abs(fit.constants[0] - 2.5) / 2.5).toBeLessThan(1e-8);
    expect(fit.loss).toBeLessThan(1e-20);
    expect(fit.evaluations).toBeGreaterThan(0);
  });

  it('fits exp(-1.5 / x1) * x0 to -1.5 (mse, noiseless)', () => {
    const data = dataset(60, (x0, x1) => Math.exp(-1.5 / x1) * x0);
    const ev = make();
    ev.setDataset(data);
    const fit = fitConstants(parseExpression('exp(-0.3 / x1) * x0'), ev, data, { restarts: 2 });
    expect(Math.abs(fit.constants[0] + 1.5) / 1.5).toBeLessThan(1e-8);
  });

  it('fits a scale and a rate together and reports standard errors', () => {
    const data = dataset(80, (x0, x1) => 3 * Math.exp(-1.5 / x1) * (1 + 0.01 * Math.sin(17 * x0)));
    const ev = make();
    ev.setDataset(data);
    const fit = fitConstants(parseExpression('1 * exp(-0.2 / x1)'), ev, data, { restarts: 3, rng: createRng(5) });
    expect(fit.constants[0]).toBeCloseTo(3, 1);
    expect(fit.constants[1]).toBeCloseTo(-1.5, 1);
    expect(fit.standardErrors).not.toBeNull();
    for (const se of fit.standardErrors!) {
      expect(se).toBeGreaterThan(0);
      expect(se).toBeLessThan(0.1);
    }
  });
});

describe('fitConstants options', () => {
  const data = dataset(40, (x0) => 2.5 * x0 * x0 + 0.5);
  const ev = new ReferenceEvaluator();
  ev.setDataset(data);

  it('starts from `initial` and leaves the tree alone', () => {
    const tree = parseExpression('1 * x0 ^ 2 + 1');
    const fit = fitConstants(tree, ev, data, { initial: [2, 0] });
    expect(fit.constants[0]).toBeCloseTo(2.5, 10);
    expect(fit.constants[1]).toBeCloseTo(0.5, 10);
    expect(compile(tree).consts[0]).toBe(1);
  });

  it('projects onto bounds', () => {
    const fit = fitConstants(parseExpression('1 * x0 ^ 2 + 1'), ev, data, { lower: [0, 1], upper: [2, 3] });
    expect(fit.constants[0]).toBeLessThanOrEqual(2);
    expect(fit.constants[1]).toBeGreaterThanOrEqual(1);
    expect(fit.constants[0]).toBeGreaterThan(1.5);
  });

  it('fits relative errors (mape) and log errors (msle) in their own space, with weights', () => {
    const pos = dataset(40, (x0) => 2.5 * x0 * x0 + 0.5, (r) => 1 + (r % 3));
    const ew = new ReferenceEvaluator();
    ew.setDataset(pos);
    for (const loss of ['mape', 'msle'] as const) {
      const fit = fitConstants(parseExpression('1 * x0 ^ 2 + 1'), ew, pos, { loss });
      expect(fit.constants[0]).toBeCloseTo(2.5, 8);
      expect(fit.loss).toBeLessThan(1e-12);
    }
  });

  it('is reproducible with restarts and no rng given', () => {
    const a = fitConstants(parseExpression('1 * x0 ^ 2 + 1'), ev, data, { restarts: 3, maxIterations: 2 });
    const b = fitConstants(parseExpression('1 * x0 ^ 2 + 1'), ev, data, { restarts: 3, maxIterations: 2 });
    expect(Array.from(a.constants)).toEqual(Array.from(b.constants));
  });

  it('returns the start unchanged when the expression cannot be evaluated', () => {
    const fit = fitConstants(parseExpression('log(-1 - x0 ^ 2) * 2'), ev, data);
    expect(fit.loss).toBe(Infinity);
    expect(Array.from(fit.constants)).toEqual([-1, 2]);
  });

  it('rejects bad arguments with codes', () => {
    expect(codeOf(() => fitConstants(parseExpression('1 * x0'), ev, data, { lower: [0, 0] }))).toBe('INVALID_OPTION');
    expect(codeOf(() => fitConstants(parseExpression('1 * x0'), ev, data, { initial: [1, 2] }))).toBe('INVALID_OPTION');
    expect(codeOf(() => fitConstants(parseExpression('1 * x0'), ev, data, { restarts: -1 }))).toBe('INVALID_OPTION');
    expect(codeOf(() => fitConstants(parseExpression('1 * x0'), ev, { y: new Float64Array(3) }))).toBe('LENGTH_MISMATCH');
  });
});
