import { describe, expect, it } from 'vitest';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { evalTreeNaive } from '../../../../src/sr/eval/js-evaluators.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { namedConstant, toInfix, toLatex } from '../../../../src/sr/expression/print.js';
import { namedCandidates, recognizeConstants } from '../../../../src/sr/search/recognize.js';
import { polishTree, shortestConstants } from '../../../../src/sr/search/polish.js';
import { tidyTree } from '../../../../src/sr/search/simplify.js';
import { createRng } from '../../../../src/sr/util/rng.js';

function dataset(f: (a: number, b: number) => number, noise = 0) {
  const rng = createRng(3);
  const n = 200;
  const X = new Float64Array(2 * n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    X[r] = 1 + 4 * rng.next();
    X[n + r] = 1 + 4 * rng.next();
    y[r] = f(X[r], X[n + r]) * (1 + noise * rng.normal());
  }
  const ev = new ReferenceEvaluator();
  ev.setDataset({ X, y, nFeatures: 2, nRows: n });
  return { ev, y };
}

describe('tidyTree', () => {
  it('removes double negatives and unit factors without changing values', () => {
    expect(toInfix(tidyTree(parseExpression('x0 - (-2.5)')))).toBe('x0 + 2.5');
    expect(toInfix(tidyTree(parseExpression('x0 + (-2.5)')))).toBe('x0 - 2.5');
    expect(toInfix(tidyTree(parseExpression('x0 - -x1')))).toBe('x0 + x1');
    expect(toInfix(tidyTree(parseExpression('-2 + x0 * 1')))).toBe('x0 - 2');
    expect(toInfix(tidyTree(parseExpression('128 + -197.8 / x0 * x1')))).toBe('128 - 197.8 / x0 * x1');
    const t = parseExpression('x0 * x1 + 3');
    expect(tidyTree(t)).toBe(t);
  });
});

describe('named constants', () => {
  it('prints exact named values by name, and they parse back to the same double', () => {
    for (const [v, text] of [[4 * Math.PI, '4 * pi'], [Math.PI / 2, 'pi / 2'], [1 / 3, '1 / 3'], [Math.SQRT2, 'sqrt(2)'], [-Math.E, '-E'], [1 / Math.sqrt(2 * Math.PI), '1 / sqrt(2 * pi)']] as const) {
      expect(namedConstant(v)?.infix).toBe(text);
      const tree = parseExpression(toInfix({ kind: 'op', op: '/', children: [{ kind: 'feature', index: 0 }, { kind: 'const', value: v }] }));
      const ev = new ReferenceEvaluator();
      ev.setDataset({ X: Float64Array.from([1]), y: Float64Array.from([0]), nFeatures: 1, nRows: 1 });
      expect(ev.predict(compile(tree))[0]).toBe(1 / v);
    }
    expect(namedConstant(0.5)).toBeUndefined(); // short decimals print as decimals
    expect(namedConstant(12.566)).toBeUndefined();
    expect(toInfix(parseExpression('x0 / 12.566370614359172'))).toBe('x0 / (4 * pi)');
    expect(toLatex(parseExpression('x0 * 3.141592653589793'))).toBe('x_{0} \\cdot \\pi');
    expect(toInfix(parseExpression('x0 * 3.141592653589793'), undefined, { namedConstants: false })).toBe('x0 * 3.141592653589793');
  });

  it('lists nearby named values nearest first', () => {
    expect(namedCandidates(12.5664)[0]).toBe(4 * Math.PI);
    expect(namedCandidates(-0.33334)[0]).toBe(-1 / 3);
    expect(namedCandidates(0.3989)).toContain(1 / Math.sqrt(2 * Math.PI));
    expect(namedCandidates(1234.5)).toEqual([]);
  });

  it('offers only values the printer writes by name, or rationals short enough to print as decimals', () => {
    const rng = createRng(11);
    let seen = 0;
    for (let i = 0; i < 2000; i++) {
      const value = (rng.next() < 0.5 ? -1 : 1) * Math.exp(6 * rng.next() - 3);
      for (const v of namedCandidates(value, 0.01)) {
        seen++;
        expect(Math.abs(v - value)).toBeLessThanOrEqual(0.01 * Math.abs(value));
        expect(namedConstant(v) !== undefined || String(Math.abs(v)).length <= 6, String(v)).toBe(true);
        // the printed text reads back as the same double
        expect(evalTreeNaive(parseExpression(toInfix({ kind: 'const', value: v })), new Float64Array(0), 1, 0)).toBe(v);
      }
    }
    expect(seen).toBeGreaterThan(100);
    // every family: pi and 1 / pi multiples, pi squared, e, roots, sqrt(2 pi)
    for (const v of [3 * Math.PI / 4, 2 / (3 * Math.PI), Math.PI * Math.PI / 4, 1 / Math.E, 1 / Math.sqrt(7), Math.sqrt(2 * Math.PI)]) {
      expect(namedCandidates(v * (1 + 1e-5))[0]).toBe(v);
      expect(namedConstant(v)).toBeDefined();
    }
  });
});

describe('recognizeConstants', () => {
  it('names a fitted 4 pi and refits the others; keeps a constant the data pins elsewhere', () => {
    const { ev, y } = dataset((a, b) => a / (4 * Math.PI * b) + 0.731);
    const found = parseExpression('x0 / (12.56637 * x1) + 0.7312');
    const r = recognizeConstants(found, ev, { y }, { loss: 'mse', floor: 1e-28 });
    expect(toInfix(r.tree)).toMatch(/^x0 \/ \(4 \* pi \* x1\) \+ 0\.73/);
    expect(r.loss).toBeLessThan(1e-20);
    // 0.731 is not a named number: it stays what the fit makes it
    const { ev: ev2, y: y2 } = dataset((a) => 2.7 * a);
    const r2 = recognizeConstants(parseExpression('2.7 * x0'), ev2, { y: y2 }, { loss: 'mse', floor: 0 });
    expect(toInfix(r2.tree)).toBe('2.7 * x0');
  });
});

describe('polishTree', () => {
  it('shows constants at the digits the data supports and simplifies', () => {
    const { ev, y } = dataset((a, b) => 1.23 * a + b, 1e-3);
    const found = parseExpression('1.2301234567891 * x0 - (-1 * x1)');
    const ref = ev.losses([compile(found)], 'mse')[0];
    const short = shortestConstants(found, ev, { loss: 'mse', floor: 0, tolerance: 1e-3 }, ref);
    expect(toInfix(short)).toMatch(/^1\.23\d{0,3} \* x0/);
    const [best] = polishTree(found, ev, { y }, { loss: 'mse', floor: 0, tolerance: 1e-3 });
    expect(toInfix(best)).not.toMatch(/- \(-|\* 1\b/);
    expect(ev.losses([compile(best)], 'mse')[0]).toBeLessThanOrEqual(ref * (1 + 1e-3));
  });
});
