import { describe, expect, it } from 'vitest';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { constant, feature, op } from '../../../../src/sr/expression/node.js';
import { toFeatureMajor } from '../../../../src/sr/eval/dataset.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try { fn(); } catch (err) { return (err as { code?: string }).code; }
  return undefined;
};

describe('ReferenceEvaluator', () => {
  const { X, nFeatures, nRows } = toFeatureMajor([[1, 2], [2, 3], [3, 5]]);
  const y = Float64Array.from([2, 4, 7]);

  it('computes the losses by hand', () => {
    const ev = new ReferenceEvaluator();
    ev.setDataset({ X, y, nFeatures, nRows });
    const p = compile(op('+', feature(0), constant(1))); // predictions 2, 3, 4: errors 0, -1, -3
    expect(ev.losses([p], 'mse')[0]).toBeCloseTo(10 / 3, 14);
    expect(ev.losses([p], 'mae')[0]).toBeCloseTo(4 / 3, 14);
    expect(ev.losses([p], 'mape')[0]).toBeCloseTo((1 / 4 + 3 / 7) / 3, 14);
    const l = (a: number, b: number): number => (Math.log(a) - Math.log(b)) ** 2;
    expect(ev.losses([p], 'msle')[0]).toBeCloseTo((l(3, 4) + l(4, 7)) / 3, 14);
    ev.setDataset({ X, y, nFeatures, nRows, weights: Float64Array.from([0, 1, 3]) });
    expect(ev.losses([p], 'mse')[0]).toBeCloseTo((1 + 27) / 4, 14);
  });

  it('scores +Infinity when any intermediate value is not finite, and predicts raw values', () => {
    const ev = new ReferenceEvaluator();
    ev.setDataset({ X, y, nFeatures, nRows });
    const p = compile(op('exp', op('/', constant(-1), op('-', feature(0), feature(0)))));
    expect(ev.losses([p], 'mse')[0]).toBe(Infinity);
    expect(Array.from(ev.predict(p))).toEqual([0, 0, 0]);
    expect(ev.losses([compile(op('log', op('neg', feature(0))))], 'mse')[0]).toBe(Infinity);
    expect(ev.losses([compile(op('*', constant(-2), feature(0)))], 'msle')[0]).toBe(Infinity);
  });

  it('gives Jacobians that match the derivative rules', () => {
    const ev = new ReferenceEvaluator();
    ev.setDataset({ X, y, nFeatures, nRows });
    // c0 * exp(c1 * x0): d/dc0 = exp(c1 x0), d/dc1 = c0 x0 exp(c1 x0)
    const p = compile(op('*', constant(2), op('exp', op('*', constant(0.5), feature(0)))));
    const { jac, predictions } = ev.jacobian(p);
    for (let r = 0; r < nRows; r++) {
      const x = X[r];
      expect(predictions[r]).toBeCloseTo(2 * Math.exp(0.5 * x), 13);
      expect(jac[r]).toBeCloseTo(Math.exp(0.5 * x), 13);
      expect(jac[nRows + r]).toBeCloseTo(2 * x * Math.exp(0.5 * x), 12);
    }
  });

  it('rejects bad input with typed errors', () => {
    const ev = new ReferenceEvaluator();
    expect(codeOf(() => ev.predict(compile(feature(0))))).toBe('INVALID_DATA');
    expect(codeOf(() => ev.setDataset({ X, y: Float64Array.from([1]), nFeatures, nRows }))).toBe('LENGTH_MISMATCH');
    expect(codeOf(() => ev.setDataset({ X: Float64Array.from([1, Infinity]), y: Float64Array.from([1, 2]), nFeatures: 1, nRows: 2 }))).toBe('NON_FINITE_DATA');
    expect(codeOf(() => ev.setDataset({ X, y, nFeatures, nRows, weights: Float64Array.from([1, -1, 1]) }))).toBe('INVALID_DATA');
    expect(codeOf(() => toFeatureMajor([[1, 2], [3]]))).toBe('LENGTH_MISMATCH');
    ev.setDataset({ X, y, nFeatures, nRows });
    expect(codeOf(() => ev.losses([compile(feature(2))], 'mse'))).toBe('INVALID_PROGRAM');
  });
});
