// The printed infix text reads in SymPy as the same expression (skipped when python3 with sympy is missing).
// SymPy's cbrt is the principal (complex) cube root; ours is the real one, so cbrt is passed as a local.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ReferenceEvaluator } from '../../src/sr/eval/reference.js';
import { compile } from '../../src/sr/expression/compile.js';
import { OPERATORS } from '../../src/sr/expression/operators.js';
import { toInfix } from '../../src/sr/expression/print.js';
import { randomTree } from '../../src/sr/expression/random.js';
import { createRng } from '../../src/sr/util/rng.js';

const hasSympy = spawnSync('python3', ['-c', 'import sympy'], { stdio: 'ignore' }).status === 0;

const SCRIPT = `
import json, sys, sympy
names = ['x0', 'x1', 'x2']
syms = sympy.symbols(names)
point = dict(zip(syms, json.loads(sys.argv[1])))
loc = {'cbrt': lambda a: sympy.real_root(a, 3)}
loc.update(dict(zip(names, syms)))
out = []
for text in json.load(sys.stdin):
    v = complex(sympy.sympify(text, locals=loc).evalf(40, subs=point))
    out.append([v.real, v.imag])
print(json.dumps(out))
`;

describe.skipIf(!hasSympy)('SymPy reads the printed infix text', () => {
  it('as the same expression on random trees of every operator', () => {
    const point = [1.3, 0.7, 2.1];
    const ev = new ReferenceEvaluator();
    ev.setDataset({ X: Float64Array.from(point), y: Float64Array.from([1]), nFeatures: 3, nRows: 1 });
    // a nearby point, to leave out ill-conditioned expressions (cos of 1e72 and the like)
    const near = new ReferenceEvaluator();
    near.setDataset({ X: Float64Array.from(point, (v) => v * (1 + 1e-12)), y: Float64Array.from([1]), nFeatures: 3, nRows: 1 });
    const rng = createRng(2);
    const texts: string[] = [];
    const values: number[] = [];
    while (texts.length < 120) {
      const tree = randomTree(rng, { size: 1 + rng.int(20), nFeatures: 3, operators: OPERATORS.map((o) => o.name) });
      const p = compile(tree);
      const v = ev.predict(p)[0];
      const w = near.predict(p)[0];
      if (!Number.isFinite(ev.losses([p], 'mse')[0]) || Math.abs(v) > 1e6 || Math.abs(v - w) > 1e-10 * Math.max(1, Math.abs(v))) continue;
      texts.push(toInfix(tree));
      values.push(v);
    }
    const run = spawnSync('python3', ['-c', SCRIPT, JSON.stringify(point)], { input: JSON.stringify(texts), encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const got = JSON.parse(run.stdout) as [number, number][];
    got.forEach(([re, im], i) => {
      expect(Math.abs(im), texts[i]).toBeLessThan(1e-12);
      expect(Math.abs(re - values[i]), `${texts[i]}: SymPy ${re}, reference ${values[i]}`).toBeLessThan(1e-8 * Math.max(1, Math.abs(values[i])));
    });
  });
});

