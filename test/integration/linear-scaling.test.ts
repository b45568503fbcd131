// Linear scaling: the kernel's 'mse-scaled' (both WASM paths and the reference evaluator) against a direct least
// squares fit, and the search with options.linearScaling returning expressions that predict y.
import { describe, expect, it } from 'vitest';
import { createWasmEvaluator } from '../../src/sr/eval/wasm-kernel.js';
import { ReferenceEvaluator } from '../../src/sr/eval/reference.js';
import { compile } from '../../src/sr/expression/compile.js';
import { constant, feature, op } from '../../src/sr/expression/node.js';
import type { Dataset, Evaluator } from '../../src/sr/eval/types.js';
import { exactLossFloor } from '../../src/sr/regressor-data.js';
import { equationSearch } from '../../src/sr/search/search.js';
import { resolveOptions } from '../../src/sr/search/options.js';
import { scaledExpression } from '../../src/sr/search/scaling.js';
import { createRng } from '../../src/sr/util/rng.js';

function dataset(nRows: number, f: (x0: number, x1: number) => number, seed = 5, weighted = false): Dataset {
  const rng = createRng(seed);
  const X = new Float64Array(2 * nRows);
  const y = new Float64Array(nRows);
  for (let r = 0; r < nRows; r++) {
    X[r] = 1 + 2 * rng.next();
    X[nRows + r] = -1 + 3 * rng.next();
    y[r] = f(X[r], X[nRows + r]);
  }
  const weights = weighted ? Float64Array.from({ length: nRows }, () => 0.5 + rng.next()) : undefined;
  return { X, y, nFeatures: 2, nRows, ...(weights ? { weights } : {}) };
}

/** The mse of the best a * p + b, by solving the 2 x 2 normal equations directly. */
function directScaled(p: Float64Array, d: Dataset): number {
  let sw = 0, sp = 0, sy = 0, spp = 0, spy = 0;
  for (let r = 0; r < d.nRows; r++) {
    const w = d.weights ? d.weights[r] : 1;
    sw += w; sp += w * p[r]; sy += w * d.y[r]; spp += w * p[r] * p[r]; spy += w * p[r] * d.y[r];
  }
  const det = sw * spp - sp * sp;
  const a = Math.abs(det) > 1e-12 * sw * spp ? (sw * spy - sp * sy) / det : 0;
  const b = (sy - a * sp) / sw;
  let sse = 0;
  for (let r = 0; r < d.nRows; r++) sse += (d.weights ? d.weights[r] : 1) * (a * p[r] + b - d.y[r]) ** 2;
  return sse / sw;
}

const evaluators: [string, () => Evaluator][] = [
  ['wasm simd', () => createWasmEvaluator({ simd: true })],
  ['wasm scalar', () => createWasmEvaluator({ simd: false })],
  ['reference', () => new ReferenceEvaluator()],
];

describe.each(evaluators)('mse-scaled on %s', (_, make) => {
  it('equals the direct least-squares fit, with and without weights, over several blocks', () => {
    for (const weighted of [false, true]) {
      const d = dataset(1001, (a, b) => Math.sin(a) * b + 0.3 * a * a, 9, weighted);
      const ev = make();
      ev.setDataset(d);
      const trees = [op('*', feature(0), feature(1)), op('exp', feature(1)), op('/', constant(2), feature(0)), feature(1)];
      const losses = ev.losses(trees.map(compile), 'mse-scaled');
      trees.forEach((t, i) => {
        const want = directScaled(ev.predict(compile(t)), d);
        expect(losses[i], `${weighted} ${i}`).toBeGreaterThan(0);
        expect(Math.abs(losses[i] - want) / want, `${weighted} ${i}`).toBeLessThan(1e-9);
      });
      ev.dispose();
    }
  });

  it('scores an affine image of the target under the exact floor, even on a large offset', () => {
    const d = dataset(600, (a, b) => 1e6 + 2.5 * a * b);
    const ev = make();
    ev.setDataset(d);
    const [l] = ev.losses([compile(op('*', feature(0), feature(1)))], 'mse-scaled');
    expect(l).toBeLessThanOrEqual(exactLossFloor(d, 'mse'));
    // a constant predictor: the loss of the mean (the variance of y)
    const [c] = ev.losses([compile(constant(3))], 'mse-scaled');
    const mean = d.y.reduce((s, v) => s + v, 0) / d.nRows;
    const variance = d.y.reduce((s, v) => s + (v - mean) ** 2, 0) / d.nRows;
    expect(Math.abs(c - variance) / variance).toBeLessThan(1e-9);
    // a non-finite prediction still scores +Infinity
    expect(ev.losses([compile(op('log', op('-', feature(1), constant(5))))], 'mse-scaled')[0]).toBe(Infinity);
    ev.dispose();
  });
});

describe('linear scaling in the search', () => {
  it('scaledExpression drops the a or b the data do not need', () => {
    const ev = createWasmEvaluator();
    const d = dataset(300, (a, b) => a * b + 4);
    ev.setDataset(d);
    const s = scaledExpression(op('*', feature(0), feature(1)), ev, d, exactLossFloor(d, 'mse'));
    expect(s?.tree.kind === 'op' && s.tree.op).toBe('+');
    expect(s && s.loss).toBeLessThanOrEqual(exactLossFloor(d, 'mse'));
    ev.dispose();
  });

  it('options.linearScaling is on by default for mse only, needs loss mse when asked for, and is a boolean', () => {
    expect(resolveOptions({}).linearScaling).toBe(true);
    expect(resolveOptions({ loss: 'msle' }).linearScaling).toBe(false);
    expect(() => resolveOptions({ linearScaling: true, loss: 'mae' })).toThrow(/linearScaling needs options.loss "mse"/);
    expect(() => resolveOptions({ linearScaling: 'yes' as unknown as boolean })).toThrow(/linearScaling must be true or false/);
  });

  it('finds 7.3 * x0 * x1 - 2.1 with no constants in the trees, and returns an expression that predicts y', async () => {
    const d = dataset(200, (a, b) => 7.3 * a * b - 2.1);
    const res = await equationSearch(d, {
      linearScaling: true, constantProbability: 0, populations: 2, populationSize: 32, generationsPerCycle: 10,
      maxTime: null, maxGenerations: 200, seed: 3, operators: ['+', '-', '*', '/'],
    });
    expect(res.stoppedBy).toBe('exact');
    const best = res.front[res.front.length - 1];
    const ev = createWasmEvaluator();
    ev.setDataset(d);
    // the tree itself carries the scale and offset: its plain mse is at the floor
    expect(ev.losses([compile(best.tree)], 'mse')[0]).toBeLessThanOrEqual(exactLossFloor(d, 'mse'));
    ev.dispose();
  });
});
