import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse as mathjsParse, type MathNode } from 'mathjs';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { toInfix, toLatex } from '../../../../src/sr/expression/print.js';
import { randomTree } from '../../../../src/sr/expression/random.js';
import { OPERATORS } from '../../../../src/sr/expression/operators.js';
import { compile, decompile } from '../../../../src/sr/expression/compile.js';
import { constant, equals, feature, op, size, type Node } from '../../../../src/sr/expression/node.js';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import { createRng } from '../../../../src/sr/util/rng.js';

const ALL = OPERATORS.map((o) => o.name);
const sameBits = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** A mathjs parse tree as one of ours (pow stays pow, 1 / a stays a division, -2 stays neg(2)). */
function fromMathjs(n: MathNode): Node {
  const m = n as MathNode & { fn?: string | { name: string }; args?: MathNode[]; content?: MathNode; value?: number; name?: string };
  switch (n.type) {
    case 'ParenthesisNode': return fromMathjs(m.content as MathNode);
    case 'ConstantNode': return constant(m.value as number);
    case 'SymbolNode': return feature(Number(/^x(\d+)$/.exec(m.name as string)![1]));
    case 'OperatorNode': {
      const names: Record<string, string> = { add: '+', subtract: '-', multiply: '*', divide: '/', pow: '^', unaryMinus: 'neg' };
      return { kind: 'op', op: names[m.fn as string], children: (m.args as MathNode[]).map(fromMathjs) } as Node;
    }
    case 'FunctionNode': return { kind: 'op', op: (m.fn as { name: string }).name, children: (m.args as MathNode[]).map(fromMathjs) } as Node;
    default: throw new Error(`unexpected mathjs node ${n.type}`);
  }
}

function referenceOn(rows: number, nFeatures: number, seed: number): ReferenceEvaluator {
  const X = new Float64Array(nFeatures * rows);
  const rng = createRng(seed);
  for (let i = 0; i < X.length; i++) X[i] = (rng.next() - 0.3) * 4;
  const ev = new ReferenceEvaluator();
  ev.setDataset({ X, y: new Float64Array(rows).fill(1), nFeatures, nRows: rows });
  return ev;
}
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

  it.each([
    ['-(x0 * x1)'], ['-(x0 + x1)'], ['-exp(x0)'], ['x0 - -x1', 'x0 - (-x1)'], ['(x0 ^ 2) ^ 3', '(x0 ^ 2) ^ 3'],
    ['x0 ^ 2 ^ 3', 'x0 ^ 2 ^ 3'], ['x0 * (x1 * x2)'], ['x0 + (x1 + x2)'], ['(x0 + x1) + x2', 'x0 + x1 + x2'],
    ['1 / x0 * x1'], ['x1 / (1 / x0)'], ['-(1 / x0)'], ['(-2) ^ x0'], ['-2 ^ x0'], ['x0 ^ -x1', 'x0 ^ (-x1)'],
    ['1.5e+300 * x0'], ['5e-324 + x0'], ['0.1 + 0.2'], ['(-0) * x0', '-0 * x0'], ['x0 ^ (x1 - 1)'], ['exp(x0) ^ 2'],
    ['min(x0, max(x1, -3))'], ['x0 - x1 - x2'], ['x0 - (x1 + x2)'], ['abs(-x0) / (-x1)'],
  ])('normalises %s', (text, printed = text) => {
    expect(toInfix(parseExpression(text))).toBe(printed);
    expect(toInfix(parseExpression(printed))).toBe(printed);
  });

  it('prints the tree structure with minimal parentheses', () => {
    expect(toInfix(op('-', constant(2), op('-', constant(3), feature(0))))).toBe('2 - (3 - x0)');
    expect(toInfix(op('-', op('-', constant(2), constant(3)), feature(0)))).toBe('2 - 3 - x0');
    expect(toInfix(op('^', feature(0), op('^', feature(1), constant(2))))).toBe('x0 ^ x1 ^ 2');
    expect(toInfix(op('^', op('^', feature(0), feature(1)), constant(2)))).toBe('(x0 ^ x1) ^ 2');
    expect(toInfix(op('square', op('neg', feature(0))))).toBe('(-x0) ^ 2');
    expect(toInfix(op('neg', op('square', feature(0))))).toBe('-x0 ^ 2');
    expect(toInfix(op('cube', constant(-1.5)))).toBe('(-1.5) ^ 3');
    expect(toInfix(op('inv', op('+', feature(0), constant(1))))).toBe('1 / (x0 + 1)');
    expect(toInfix(op('*', feature(0), op('inv', feature(1))))).toBe('x0 * (1 / x1)');
    expect(toInfix(op('neg', constant(-2)))).toBe('-(-2)');
    expect(toInfix(op('*', constant(1e-7), feature(0)))).toBe('1e-7 * x0');
    expect(toInfix(op('+', feature(0), constant(-1e21)))).toBe('x0 + (-1e+21)');
  });

  it('reads a minus before a number as a negative constant, elsewhere as neg', () => {
    expect(parseExpression('-1.5 * x0')).toEqual(op('*', constant(-1.5), feature(0)));
    expect(parseExpression('-x0')).toEqual(op('neg', feature(0)));
    expect(parseExpression('-2 ^ x0')).toEqual(op('neg', op('^', constant(2), feature(0))));
    expect(parseExpression('x0 ^ -2')).toEqual(op('^', feature(0), constant(-2)));
    expect(parseExpression('x0 ^ 2 ^ 3')).toEqual(op('^', feature(0), op('cube', constant(2))));
    expect(parseExpression('x0 ^ 2.0')).toEqual(op('^', feature(0), constant(2)));
    expect(Object.is((parseExpression('-0') as { value: number }).value, -0)).toBe(true);
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
    for (const reserved of ['lambda', 'pi', 'E', 'S', 'in', 'to', 'oo', 'ln']) {
      expect(codeOf(() => toInfix(t, [reserved, 'y'])), reserved).toBe('INVALID_OPTION');
    }
    expect(codeOf(() => toInfix(t, ['a', 'a']))).toBe('INVALID_OPTION');
    expect(codeOf(() => toInfix(t, ['a']))).toBe('INVALID_PROGRAM');
    expect(codeOf(() => parseExpression('a + b', ['a', 'a']))).toBe('INVALID_OPTION');
    expect(() => toInfix(t, ['batch size', 'y'])).toThrow(/"batch size" is not an identifier/);
    // with names, x0 is not a feature
    expect(codeOf(() => parseExpression('x0', names))).toBe('PARSE_ERROR');
  });

  it('reports parse errors with a code and the position', () => {
    expect(codeOf(() => parseExpression('x0 +'))).toBe('PARSE_ERROR');
    expect(() => parseExpression('x0 +')).toThrow(/position 4/);
    expect(codeOf(() => parseExpression('foo(x0)'))).toBe('UNKNOWN_OPERATOR');
    expect(codeOf(() => parseExpression('x0 $ 1'))).toBe('PARSE_ERROR');
    expect(codeOf(() => parseExpression('max(x0)'))).toBe('PARSE_ERROR');
    expect(codeOf(() => parseExpression('(x0'))).toBe('PARSE_ERROR');
    expect(() => parseExpression('y + 1', ['a', 'b'])).toThrow(/unknown name "y".*a, b/);
    expect(() => parseExpression('x0 * * x1')).toThrow(/expected a number, a name or "\(" at position 5/);
    expect(() => parseExpression('x0 x1')).toThrow(/expected an operator or the end at position 3/);
    expect(() => parseExpression('exp(x0, x1)')).toThrow(/exp takes 1 argument/);
    expect(codeOf(() => parseExpression(''))).toBe('PARSE_ERROR');
    expect(codeOf(() => parseExpression('max(x0,)'))).toBe('PARSE_ERROR');
    expect(codeOf(() => parseExpression('2x0'))).toBe('PARSE_ERROR');
    expect(codeOf(() => parseExpression('x0 + x1)'))).toBe('PARSE_ERROR');
    expect(() => parseExpression('erf(x0)')).toThrow(/unknown function "erf" at position 0/);
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

  it('prints text that mathjs reads as the same expression (bit-identical values)', () => {
    const ev = referenceOn(16, 3, 6);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 30 }), (seed, n) => {
        const t = randomTree(createRng(seed), { size: n, nFeatures: 3, operators: ALL, constRange: 1e3 });
        const text = toInfix(t);
        const viaMathjs = fromMathjs(mathjsParse(text));
        const a = ev.predict(compile(t));
        const b = ev.predict(compile(viaMathjs));
        for (let i = 0; i < a.length; i++) expect(sameBits(a[i], b[i]), `${text} row ${i}: ${a[i]} vs ${b[i]}`).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('grows random trees of the asked size', () => {
    const rng = createRng(3);
    for (let n = 1; n <= 40; n++) {
      expect(size(randomTree(rng, { size: n, nFeatures: 2, operators: ALL }))).toBe(n);
      expect(size(randomTree(rng, { size: n, nFeatures: 2, operators: ['exp'] }))).toBe(n);
      expect(size(randomTree(rng, { size: n, nFeatures: 2, operators: ['+', '*'] }))).toBe(n % 2 === 1 ? n : n - 1);
    }
    expect(codeOf(() => randomTree(rng, { size: 3, nFeatures: 1, operators: ['erf'] }))).toBe('UNKNOWN_OPERATOR');
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
    expect(toLatex(op('-', feature(0), constant(-1)))).toBe('x_{0} - \\left(-1\\right)');
    expect(toLatex(op('*', op('+', feature(0), feature(1)), feature(2)))).toBe('\\left(x_{0} + x_{1}\\right) \\cdot x_{2}');
    expect(toLatex(op('square', op('+', feature(0), constant(1))))).toBe('{\\left(x_{0} + 1\\right)}^{2}');
    expect(toLatex(op('neg', op('*', feature(0), feature(1))))).toBe('-\\left(x_{0} \\cdot x_{1}\\right)');
    expect(toLatex(feature(0), ['batch_size'])).toBe('\\mathrm{batch\\_size}');
  });
});
