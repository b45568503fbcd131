import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { exportExpression, toJavaScript, toSympy } from '../../../../src/sr/expression/export.js';
import { OPERATORS } from '../../../../src/sr/expression/operators.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { randomTree } from '../../../../src/sr/expression/random.js';
import { createRng } from '../../../../src/sr/util/rng.js';

const names = ['m', 'v', 'new'];
const point = [1.3, -0.7, 2.1];

function reference(tree: ReturnType<typeof parseExpression>, at = point): number {
  const ev = new ReferenceEvaluator();
  ev.setDataset({ X: Float64Array.from(at), y: Float64Array.from([0]), nFeatures: at.length, nRows: 1 });
  return ev.predict(compile(tree))[0];
}

describe('exportExpression', () => {
  it('writes SymPy text: ** for powers, real_root for cube roots, Abs/Min/Max', () => {
    expect(toSympy(parseExpression('0.5 * m * v ^ 2', names), names)).toBe('0.5 * m * v ** 2');
    expect(toSympy(parseExpression('cbrt(m - cbrt(v)) + abs(v) + max(m, v)', names), names)).toBe('real_root(m - real_root(v, 3), 3) + Abs(v) + Max(m, v)');
    expect(toSympy(parseExpression('m / 12.566370614359172', names), names)).toBe('m / (4 * pi)');
  });

  it('writes a JavaScript function that computes what the engine computes (to 1e-9: Math against the engine mathlib), on random trees of every operator', () => {
    const rng = createRng(5);
    for (let i = 0; i < 300; i++) {
      const tree = randomTree(rng, { size: 1 + rng.int(20), nFeatures: 3, operators: OPERATORS.map((o) => o.name) });
      const source = toJavaScript(tree, names);
      const f = new Function(`return (${source});`)() as (...a: number[]) => number;
      const got = f(...point);
      const want = reference(tree);
      if (Number.isNaN(want)) expect(got, source).toBeNaN();
      else expect(Math.abs(got - want), source).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
    }
    expect(toJavaScript(parseExpression('new * 2 - (-1)', names), names)).toBe('function model(m, v, new_) {\n  return (new_ * 2) - (-1);\n}');
  });

  it('writes JSON that names the features and holds the tree; rejects an unknown format', () => {
    const json = JSON.parse(exportExpression(parseExpression('m * v', names), 'json', names));
    expect(json).toMatchObject({ format: 'energylens-expression', version: 1, expression: 'm * v', featureNames: names, sympy: 'm * v' });
    expect(json.tree.kind).toBe('op');
    expect(exportExpression(parseExpression('m * v', names), 'latex', names)).toBe('m \\cdot v');
    expect(() => exportExpression(parseExpression('m', names), 'svg' as never, names)).toThrow(/sympy, latex, js, json/);
  });

  const hasSympy = spawnSync('python3', ['-c', 'import sympy'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasSympy)('SymPy reads the export without locals as the same value (cube roots of negatives included)', () => {
    const texts = ['cbrt(v) * m', 'exp(m) / (4 * pi) + sqrt(2) - E', 'abs(v) ^ 1.5 + max(m, v)'];
    const trees = texts.map((t) => parseExpression(t, ['m', 'v']));
    const script = 'import json,sys,sympy\nm,v=sympy.symbols("m v")\nprint(json.dumps([float(sympy.sympify(t).subs({m:1.3,v:-0.7})) for t in json.load(sys.stdin)]))';
    const run = spawnSync('python3', ['-c', script], { input: JSON.stringify(trees.map((t) => toSympy(t, ['m', 'v']))), encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const got = JSON.parse(run.stdout) as number[];
    trees.forEach((t, i) => expect(Math.abs(got[i] - reference(t, [1.3, -0.7]))).toBeLessThan(1e-9));
  });
});
