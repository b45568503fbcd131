import { describe, expect, it } from 'vitest';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { constant, feature, op, type Node } from '../../../../src/sr/expression/node.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { validateDataset } from '../../../../src/sr/eval/dataset.js';
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

  it('weights every loss and ignores rows of weight zero', () => {
    const ev = new ReferenceEvaluator();
    const p = compile(op('+', feature(0), constant(1))); // predictions 2, 3, 4 against 2, 4, 7
    ev.setDataset({ X, y, nFeatures, nRows, weights: Float64Array.from([5, 0, 1]) });
    expect(ev.losses([p], 'mae')[0]).toBeCloseTo(3 / 6, 15);
    expect(ev.losses([p], 'mape')[0]).toBeCloseTo((3 / 7) / 6, 15);
    expect(ev.losses([p], 'msle')[0]).toBeCloseTo((Math.log(4) - Math.log(7)) ** 2 / 6, 14);
    // a weight of zero does not excuse a non-finite value on that row
    ev.setDataset({ X, y, nFeatures, nRows, weights: Float64Array.from([0, 1, 1]) });
    expect(ev.losses([compile(op('log', op('-', feature(0), constant(1))))], 'mse')[0]).toBe(Infinity);
  });

  it('scores +Infinity when an intermediate value is not finite even if the result is', () => {
    const ev = new ReferenceEvaluator();
    ev.setDataset({ X, y, nFeatures, nRows });
    // exp(1000) overflows, 1 / Infinity = 0: the prediction is finite, the loss is not
    const p = compile(parseExpression('1 / exp(x0 * 1000)'));
    expect(Array.from(ev.predict(p))).toEqual([0, 0, 0]);
    expect(ev.losses([p], 'mse')[0]).toBe(Infinity);
    // predictions keep NaN and Infinity
    const q = compile(parseExpression('log(x0 - 2)'));
    const pred = ev.predict(q);
    expect(pred[0]).toBeNaN();
    expect(pred[1]).toBe(-Infinity);
    expect(pred[2]).toBe(0);
    // msle of a prediction <= 0
    expect(ev.losses([compile(op('-', feature(0), feature(0)))], 'msle')[0]).toBe(Infinity);
    // a finite sum that overflows
    expect(ev.losses([compile(constant(1e300))], 'mse')[0]).toBe(Infinity);
  });

  it('gives Jacobians of every operator that match central finite differences', () => {
    const ev = new ReferenceEvaluator();
    const data = toFeatureMajor([[0.7, 1.3], [1.1, 0.4], [1.9, 2.2], [2.6, 0.9]]);
    ev.setDataset({ ...data, y: new Float64Array(data.nRows).fill(1) });
    const cases = [
      '1.3 * x0 + 0.4', '(x0 - 0.3) / (0.5 + x1)', 'x0 ^ 1.7', '1.4 ^ x0', 'x0 ^ x1 * 0.9', '(x0 * 0.8) ^ 2.5',
      'min(x0 * 1.2, x1 + 0.1)', 'max(x0 * 1.2, x1 + 0.1)', '-(x0 * 0.6)', '(x0 * 0.6) ^ 2', '(x0 - 0.4) ^ 3',
      'sqrt(x0 * 0.6)', 'cbrt(x0 - 1.5)', 'exp(0.7 * x1)', 'log(x0 * 1.5)', 'abs(x0 - 1.5)', '1 / (x0 + 0.2)',
      'sin(1.1 * x0)', 'cos(1.1 * x0)', 'tanh(0.8 * x0 - 1)',
    ];
    for (const text of cases) {
      const tree: Node = parseExpression(text);
      const p = compile(tree);
      expect(p.consts.length, text).toBeGreaterThan(0);
      const { jac, predictions, finite } = ev.jacobian(p);
      expect(finite, text).toBe(true);
      expect(Array.from(predictions), text).toEqual(Array.from(ev.predict(p)));
      for (let c = 0; c < p.consts.length; c++) {
        const h = 1e-6 * Math.max(1, Math.abs(p.consts[c]));
        const plus = p.consts.slice(); plus[c] += h;
        const minus = p.consts.slice(); minus[c] -= h;
        const fp = ev.predict({ ...p, consts: plus });
        const fm = ev.predict({ ...p, consts: minus });
        for (let r = 0; r < data.nRows; r++) {
          const fd = (fp[r] - fm[r]) / (2 * h);
          expect(Math.abs(jac[c * data.nRows + r] - fd), `${text}: constant ${c}, row ${r}`).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
        }
      }
    }
  });

  it('follows the documented derivative conventions at kinks and ties', () => {
    const ev = new ReferenceEvaluator();
    ev.setDataset({ X: Float64Array.from([0, 1]), y: Float64Array.from([1, 1]), nFeatures: 1, nRows: 2 });
    // abs'(0) = 0
    expect(Array.from(ev.jacobian(compile(parseExpression('abs(x0 * 2)'))).jac)).toEqual([0, 1]);
    // ties of min and max take the first operand: min(2, 2 * x0 + 1) at x0 = 0.5 would tie; here min(c0, c1) with c0 = c1
    const tie = ev.jacobian(compile(parseExpression('min(1.5, 1.5) + max(2.5, 2.5)')));
    expect(Array.from(tie.jac)).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
    // a zero tangent stays zero through an infinite factor (sqrt at 0): d/dc sqrt(c x) is 0 at x = 0
    const atZero = ev.jacobian(compile(parseExpression('sqrt(x0 * 2)')));
    expect(atZero.finite).toBe(true);
    expect(atZero.jac[0]).toBe(0);
    expect(atZero.jac[1]).toBeCloseTo(1 / (2 * Math.SQRT2), 15);
    // d/dc x^c is 0 where x^c is 0
    expect(ev.jacobian(compile(parseExpression('x0 ^ 2.5'))).jac[0]).toBe(0);
    // a derivative that really is infinite still makes the result not finite: d/dc sqrt(x + c) at x + c = 0
    expect(ev.jacobian(compile(parseExpression('sqrt(x0 + 0)'))).finite).toBe(false);
  });

  it('checks the target values each loss needs', () => {
    const ev = new ReferenceEvaluator();
    const p = compile(feature(0));
    ev.setDataset({ X, y: Float64Array.from([1, 0, 2]), nFeatures, nRows });
    expect(codeOf(() => ev.losses([p], 'mape'))).toBe('INVALID_DATA');
    expect(codeOf(() => ev.losses([p], 'msle'))).toBe('INVALID_DATA');
    expect(ev.losses([p], 'mse')[0]).toBeCloseTo(5 / 3, 15);
    ev.setDataset({ X, y: Float64Array.from([1, -1, 2]), nFeatures, nRows });
    expect(codeOf(() => ev.losses([p], 'msle'))).toBe('INVALID_DATA');
    expect(ev.losses([p], 'mape')[0]).toBeCloseTo((0 + 3 + 0.5) / 3, 15);
    expect(codeOf(() => ev.losses([p], 'rmse' as never))).toBe('INVALID_OPTION');
  });

  it('validates datasets with stable codes and messages naming the row and column', () => {
    const y3 = Float64Array.from([1, 2, 3]);
    const check = (data: Parameters<typeof validateDataset>[0]): string | undefined => codeOf(() => validateDataset(data));
    expect(check({ X: new Float64Array(0), y: new Float64Array(0), nFeatures: 2, nRows: 0 })).toBe('EMPTY_DATA');
    expect(check({ X: new Float64Array(0), y: y3, nFeatures: -1, nRows: 3 })).toBe('EMPTY_DATA');
    expect(check({ X: new Float64Array(5), y: y3, nFeatures: 2, nRows: 3 })).toBe('LENGTH_MISMATCH');
    expect(check({ X: new Float64Array(6), y: y3, nFeatures: 2, nRows: 3, weights: new Float64Array(2) })).toBe('LENGTH_MISMATCH');
    expect(check({ X: new Float64Array(6), y: y3, nFeatures: 2, nRows: 3, weights: new Float64Array(3) })).toBe('INVALID_DATA');
    const withNaN = new Float64Array(6); withNaN[4] = NaN; // feature 1, row 1
    expect(() => validateDataset({ X: withNaN, y: y3, nFeatures: 2, nRows: 3 })).toThrow(/row 1, feature 1/);
    expect(() => validateDataset({ X: new Float64Array(6), y: Float64Array.from([1, Infinity, 3]), nFeatures: 2, nRows: 3 })).toThrow(/y has Infinity at row 1/);
    expect(check({ X: new Float64Array(6), y: y3, nFeatures: 2, nRows: 3, weights: Float64Array.from([1, NaN, 1]) })).toBe('NON_FINITE_DATA');
    // no features at all is allowed (constant models)
    expect(check({ X: new Float64Array(0), y: y3, nFeatures: 0, nRows: 3 })).toBeUndefined();
  });

  it('rejects malformed programs with typed errors', () => {
    const ev = new ReferenceEvaluator();
    ev.setDataset({ X, y, nFeatures, nRows });
    const p = compile(op('+', feature(0), feature(1)));
    expect(codeOf(() => ev.predict({ ...p, code: Int32Array.from([1, 0, 99, 0]), length: 2 }))).toBe('UNKNOWN_OPERATOR');
    expect(codeOf(() => ev.jacobian({ ...p, code: Int32Array.from([1, 0, 2, 0]), length: 2 }))).toBe('INVALID_PROGRAM');
    expect(codeOf(() => ev.losses([p, { ...p, code: Int32Array.from([0, 3]), length: 1 }], 'mse'))).toBe('INVALID_PROGRAM');
  });
});
