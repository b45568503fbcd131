// asin and acos outside the kernel: the operator table and its aliases, printing and parsing, the exports (SymPy
// text checked by python3's sympy when it is there), mathjs simplification, units and the operator option.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { exportExpression, toJavaScript, toSympy } from '../../../../src/sr/expression/export.js';
import { constant, feature, op, type Node } from '../../../../src/sr/expression/node.js';
import { operatorByName } from '../../../../src/sr/expression/operators.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { toInfix, toLatex } from '../../../../src/sr/expression/print.js';
import { randomTree } from '../../../../src/sr/expression/random.js';
import { resolveOptions } from '../../../../src/sr/search/options.js';
import { evaluateAt, simplifyTree } from '../../../../src/sr/search/simplify.js';
import { dimensionTable, dimensionViolations } from '../../../../src/sr/search/units.js';
import { createRng } from '../../../../src/sr/util/rng.js';

const names = ['n', 'theta', 'd'];
const point = [1.5, 0.4, -0.3];

function reference(tree: Node, at = point): number {
  const ev = new ReferenceEvaluator();
  ev.setDataset({ X: Float64Array.from(at), y: Float64Array.from([0]), nFeatures: at.length, nRows: 1 });
  return ev.predict(compile(tree))[0];
}

describe('asin and acos: table, printing, parsing', () => {
  it('are unary operators 21 and 22, read as asin/acos or arcsin/arccos', () => {
    expect(operatorByName('asin')).toMatchObject({ arity: 1, opcode: 21 });
    expect(operatorByName('acos')).toMatchObject({ arity: 1, opcode: 22 });
    expect(operatorByName('arcsin')?.name).toBe('asin');
    expect(operatorByName('arccos')?.name).toBe('acos');
    expect(parseExpression('arcsin(n * d) + arccos(theta)', names)).toEqual(op('+', op('asin', op('*', feature(0), feature(2))), op('acos', feature(1))));
  });

  it('print and parse back to the same tree, with bit-identical values', () => {
    const rng = createRng(31);
    for (let i = 0; i < 300; i++) {
      const tree = randomTree(rng, { size: 2 + rng.int(14), nFeatures: 3, operators: ['+', '-', '*', '/', 'asin', 'acos', 'sqrt'], constRange: 1 });
      const text = toInfix(tree, names);
      const back = parseExpression(text, names);
      expect(toInfix(back, names), text).toBe(text);
      expect(Object.is(reference(back), reference(tree)) || (Number.isNaN(reference(back)) && Number.isNaN(reference(tree))), text).toBe(true);
    }
    expect(toInfix(parseExpression('asin(n / 2) * acos(-theta)', names), names)).toBe('asin(n / 2) * acos(-theta)');
  });

  it('print LaTeX as \\arcsin and \\arccos', () => {
    expect(toLatex(parseExpression('asin(x0) + acos(x1 / 2)'))).toBe('\\arcsin\\left(x_{0}\\right) + \\arccos\\left(\\frac{x_{1}}{2}\\right)');
  });

  it('export to JavaScript (Math.asin, Math.acos) computing what the engine computes, NaN outside [-1, 1] included', () => {
    const tree = parseExpression('asin(n * d) - 2 * acos(theta)', names);
    const source = toJavaScript(tree, names);
    expect(source).toBe('function model(n, theta, d) {\n  return Math.asin((n * d)) - (2 * Math.acos(theta));\n}');
    const f = new Function(`return (${source});`)() as (...a: number[]) => number;
    expect(f(...point)).toBe(reference(tree));
    expect(f(1.5, 1.2, -0.3)).toBeNaN();
    expect(reference(tree, [1.5, 1.2, -0.3])).toBeNaN();
  });

  it('export to SymPy text and JSON', () => {
    const tree = parseExpression('asin(n * d) + acos(theta) ^ 2', names);
    expect(toSympy(tree, names)).toBe('asin(n * d) + acos(theta) ** 2');
    const json = JSON.parse(exportExpression(tree, 'json', names)) as { expression: string; latex: string; tree: Node };
    expect(json.expression).toBe('asin(n * d) + acos(theta) ^ 2');
    expect(json.latex).toContain('\\arcsin');
    expect(parseExpression(json.expression, names)).toEqual(json.tree);
  });

  const hasSympy = spawnSync('python3', ['-c', 'import sympy'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasSympy)('export SymPy text that sympify reads as the same function (skipped when python3 has no sympy)', () => {
    const rng = createRng(32);
    const texts: string[] = [];
    const values: number[] = [];
    while (texts.length < 60) {
      const tree = randomTree(rng, { size: 2 + rng.int(12), nFeatures: 3, operators: ['+', '-', '*', '/', 'asin', 'acos', 'square'], constRange: 1 });
      const v = reference(tree);
      if (!Number.isFinite(v) || !toInfix(tree).match(/asin|acos/)) continue;
      texts.push(toSympy(tree, names));
      values.push(v);
    }
    const script = `
import json, sys, sympy
syms = sympy.symbols(${JSON.stringify(names.join(' '))})
at = dict(zip(syms, ${JSON.stringify(point)}))
print(json.dumps([[complex(sympy.sympify(t).evalf(30, subs=at)).real, complex(sympy.sympify(t).evalf(30, subs=at)).imag] for t in json.load(sys.stdin)]))
`;
    const run = spawnSync('python3', ['-c', script], { input: JSON.stringify(texts), encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const got = JSON.parse(run.stdout) as [number, number][];
    got.forEach(([re, im], i) => {
      expect(Math.abs(im), texts[i]).toBeLessThan(1e-12);
      expect(Math.abs(re - values[i]), `${texts[i]}: SymPy ${re}, engine ${values[i]}`).toBeLessThan(1e-10 * Math.max(1, Math.abs(values[i])));
    });
  });
});

describe('asin and acos in the search', () => {
  it('simplify through mathjs without changing values (and never to a complex constant)', () => {
    const t1 = simplifyTree(parseExpression('asin(x0) + asin(x0) + 0 * x1'));
    expect(toInfix(t1)).toBe('2 * asin(x0)');
    // asin(2) is complex in mathjs: the tree stays as it is (NaN, like the engine)
    const t2 = simplifyTree(parseExpression('asin(2) + x0'));
    expect(Number.isNaN(evaluateAt(t2, [0.3]))).toBe(true);
    const t3 = simplifyTree(parseExpression('acos(0.5) * x0 + acos(0.5) * x0'));
    expect(evaluateAt(t3, [0.7])).toBeCloseTo(2 * Math.acos(0.5) * 0.7, 12);
  });

  it('need a dimensionless argument and are dimensionless', () => {
    const table = dimensionTable({ features: ['m', 'm', null], target: 'rad' }, 3);
    const x = feature(0), y = feature(1), n = feature(2);
    expect(dimensionViolations(op('asin', op('/', x, y)), table, true)).toBe(0);
    expect(dimensionViolations(op('acos', n), table, true)).toBe(0);
    expect(dimensionViolations(op('asin', x), table, true)).toBe(1);
    expect(dimensionViolations(op('acos', op('*', constant(2), x)), table, true)).toBe(0); // the constant carries 1/m
    expect(dimensionViolations(op('+', op('asin', n), x), table, false)).toBe(1);
  });

  it('are opt-in: not in the default operators, accepted (and aliased) in options.operators', () => {
    expect(resolveOptions({}).operators).not.toContain('asin');
    expect(resolveOptions({}).operators).not.toContain('acos');
    expect(resolveOptions({ operators: ['+', 'arcsin', 'acos'] }).operators).toEqual(['+', 'asin', 'acos']);
  });
});
