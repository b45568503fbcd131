import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { toInfix, toLatex } from '../../../../src/sr/expression/print.js';
import { randomTree } from '../../../../src/sr/expression/random.js';
import { OPERATORS } from '../../../../src/sr/expression/operators.js';
import { compile, decompile } from '../../../../src/sr/expression/compile.js';
import { constant, equals, feature, op } from '../../../../src/sr/expression/node.js';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import { createRng } from '../../../../src/sr/util/rng.js';

const ALL = OPERATORS.map((o) => o.name);
const codeOf = (fn: () => unknown): string | undefined => {
  try { fn(); } catch (err) { return (err as { code?: string }).code; }
  return undefined;
};

describe('infix printing and parsing', () => {
  it.each([
    ['x0 * exp(-1.5 / x1)'], ['2 - (3 - x0)'], ['x0 ^ x1 ^ 2'], ['-x0 ^ 2'], ['(-x0) ^ 2'], ['x0 * (-1.5)'],
    ['1 / (x0 * x1)'], ['max(x0, -x1) + cbrt(x0)'], ['x0 - (-1)'], ['1e-7 * x0 + 1.5e+300'], ['-(-x0)'],
    ['x0 / x1 / x0'], ['x0 / (x1 / x0)'], ['-x0 * x1'], ['(x0 + x1) * x0'], ['x0 ^ (-0.5)'], ['(x0 ^ x1) ^ x0'],
  ])('prints %s back unchanged', (text) => {
    expect(toInfix(parseExpression(text))).toBe(text);
  });

  it('reads the usual alternatives', () => {
    expect(toInfix(parseExpression('pow(x0, 2.5) + ln(x1)'))).toBe('x0 ^ 2.5 + log(x1)');
    expect(toInfix(parseExpression('x0**3'))).toBe('x0 ^ 3');
    expect(parseExpression('x0 ^ 2')).toEqual(op('square', feature(0)));
    expect(parseExpression('x0 ^ 2.5')).toEqual(op('^', feature(0), constant(2.5)));
    expect(parseExpression('-1.5')).toEqual(constant(-1.5));
    expect(parseExpression('2 * pi').kind).toBe('op');
  });

  it('uses feature names', () => {
    const names = ['batch', 'tp_degree'];
    const t = parseExpression('batch * exp(-0.5 / tp_degree)', names);
    expect(t).toEqual(op('*', feature(0), op('exp', op('/', constant(-0.5), feature(1)))));
    expect(toInfix(t, names)).toBe('batch * exp(-0.5 / tp_degree)');
    expect(toLatex(t, names)).toBe('\\mathrm{batch} \\cdot e^{\\frac{-0.5}{\\mathrm{tp\\_degree}}}');
    expect(codeOf(() => toInfix(t, ['batch', '2x']))).toBe('INVALID_OPTION');
    expect(codeOf(() => toInfix(t, ['exp', 'y']))).toBe('INVALID_OPTION');
  });

  it('reports parse errors with a code and the position', () => {
    expect(codeOf(() => parseExpression('x0 +'))).toBe('PARSE_ERROR');
    expect(() => parseExpression('x0 +')).toThrow(/position 4/);
    expect(codeOf(() => parseExpression('foo(x0)'))).toBe('UNKNOWN_OPERATOR');
    expect(codeOf(() => parseExpression('x0 $ 1'))).toBe('PARSE_ERROR');
    expect(codeOf(() => parseExpression('max(x0)'))).toBe('PARSE_ERROR');
    expect(codeOf(() => parseExpression('(x0'))).toBe('PARSE_ERROR');
    expect(() => parseExpression('y + 1', ['a', 'b'])).toThrow(/unknown name "y".*a, b/);
  });

  it('round-trips random trees: same text, bit-identical values', () => {
    const rows = 16;
    const X = new Float64Array(3 * rows);
    const r0 = createRng(5);
    for (let i = 0; i < X.length; i++) X[i] = (r0.next() - 0.3) * 4;
    const ev = new ReferenceEvaluator();
    ev.setDataset({ X, y: new Float64Array(rows).fill(1), nFeatures: 3, nRows: rows });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 30 }), (seed, size) => {
        const t = randomTree(createRng(seed), { size, nFeatures: 3, operators: ALL });
        const text = toInfix(t);
        const back = parseExpression(text);
        expect(toInfix(back)).toBe(text);
        const a = ev.predict(compile(t));
        const b = ev.predict(compile(back));
        for (let i = 0; i < rows; i++) expect(Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i]))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('compiles and decompiles to the same tree', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 40 }), (seed, size) => {
        const t = randomTree(createRng(seed), { size, nFeatures: 4, operators: ALL });
        expect(equals(decompile(compile(t)), t)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('prints LaTeX', () => {
    expect(toLatex(parseExpression('x0 * exp(-1.5 / x1)'))).toBe('x_{0} \\cdot e^{\\frac{-1.5}{x_{1}}}');
    expect(toLatex(parseExpression('sqrt(x0) + abs(x1 - 2)'))).toBe('\\sqrt{x_{0}} + \\left|x_{1} - 2\\right|');
    expect(toLatex(constant(1.5e-7))).toBe('1.5 \\cdot 10^{-7}');
  });
});
