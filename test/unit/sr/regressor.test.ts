// SymbolicRegressor with the plain-TypeScript evaluator (no build needed): islands in this thread.
import { describe, expect, it } from 'vitest';
import { SymbolicRegressor, datasetFromRows, exactLossFloor, presentFront, r2Score, shortDecimal, type RegressorOptions } from '../../../src/sr/regressor.js';
import { parseExpression } from '../../../src/sr/expression/parse.js';
import { resolveOptions } from '../../../src/sr/search/options.js';
import { ReferenceEvaluator } from '../../../src/sr/eval/reference.js';
import { InProcessRunner } from '../../../src/sr/search/in-process-runner.js';
import { compile } from '../../../src/sr/expression/compile.js';
import type { IslandRunner } from '../../../src/sr/search/runner.js';
import type { SearchProgress } from '../../../src/sr/search/search.js';

const reference = () => new ReferenceEvaluator();
const small = (extra: RegressorOptions = {}): RegressorOptions => ({
  populations: 2, populationSize: 16, generationsPerCycle: 5, maxGenerations: 15, maxTime: null, seed: 4,
  operators: ['+', '-', '*', '/'], runner: new InProcessRunner(reference), evaluator: reference, ...extra,
});

// y = 2.5 a^2 + b on a small grid
const rows: number[][] = [];
const y: number[] = [];
for (let i = 0; i < 24; i++) {
  const a = 0.5 + (i % 6) * 0.3;
  const b = -1 + (i % 4) * 0.7;
  rows.push([a, b]);
  y.push(2.5 * a * a + b);
}
const featureNames = ['batch', 'tp'];

let fitted: SymbolicRegressor | undefined;
const model = async () => (fitted ??= await new SymbolicRegressor(small()).fit(rows, y, { featureNames }));

describe('SymbolicRegressor', () => {
  it('reports the front: simplest first, loss falling, named features, LaTeX, R2', async () => {
    const eqs = (await model()).equations();
    expect(eqs.length).toBeGreaterThan(1);
    for (let i = 1; i < eqs.length; i++) {
      expect(eqs[i].complexity).toBeGreaterThan(eqs[i - 1].complexity);
      expect(eqs[i].loss).toBeLessThan(eqs[i - 1].loss);
    }
    const last = eqs[eqs.length - 1];
    expect(last.expression).toMatch(/batch/);
    expect(last.expression).not.toMatch(/x0|x1/);
    expect(last.latex.length).toBeGreaterThan(0);
    expect(last.r2).toBeGreaterThan(eqs[0].r2);
    expect(eqs).toContain((await model()).best());
  });

  it('predicts with the best equation or a chosen complexity', async () => {
    const m = await model();
    const best = m.best()!;
    const ev = new ReferenceEvaluator();
    ev.setDataset({ ...datasetFromRows(rows, y, { featureNames }) });
    expect(Array.from(m.predict(rows))).toEqual(Array.from(ev.predict(compile(best.tree))));
    const simplest = m.equations()[0];
    expect(m.predict(rows, { complexity: simplest.complexity })).toHaveLength(rows.length);
    expect(() => m.predict(rows, { complexity: 999 })).toThrow(/no equation of complexity 999/);
    expect(() => m.predict([[1, 2, 3]])).toThrow(/X row 0 has 3 values; expected 2 \(one per feature name: batch, tp\)/);
  });

  it('takes typed-array rows and gives the same search as plain arrays', async () => {
    const typed = rows.map((r) => Float64Array.from(r));
    const m = await new SymbolicRegressor(small()).fit(typed, Float64Array.from(y), { featureNames });
    expect(m.equations().map((e) => e.expression)).toEqual((await model()).equations().map((e) => e.expression));
  });

  it('round-trips through JSON exactly', async () => {
    const m = await model();
    const json = JSON.parse(JSON.stringify(m.toJSON()));
    expect(json.run).toMatchObject({ seed: 4, stoppedBy: 'generations', generations: 15 });
    const back = SymbolicRegressor.fromJSON(json, { evaluator: reference });
    expect(back.equations().map(({ tree, ...e }) => e)).toEqual(m.equations().map(({ tree, ...e }) => e));
    expect(back.best()?.expression).toBe(m.best()?.expression);
    expect(Array.from(back.predict(rows))).toEqual(Array.from(m.predict(rows)));
    expect(() => SymbolicRegressor.fromJSON({ ...json, format: 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_MODEL_FILE' }));
    expect(() => SymbolicRegressor.fromJSON({ ...json, best: 99 })).toThrow(/best \(99\) is not an index/);
    const broken = { ...json, front: [{ ...json.front[0], expression: 'batch +' }] , best: 0 };
    expect(() => SymbolicRegressor.fromJSON(broken)).toThrow(/front\[0\]\.expression "batch \+" does not parse/);
  });

  it('reports progress, uses the given runner without closing it, and stops on its signal', async () => {
    const progress: SearchProgress[] = [];
    let closed = false;
    const inner = new InProcessRunner(reference);
    const runner: IslandRunner = { name: 'spy', setDataset: (d, l) => inner.setDataset(d, l), run: (t) => inner.run(t), close: async () => { closed = true; } };
    await new SymbolicRegressor(small({ runner, onProgress: (p) => progress.push(p) })).fit(rows, y);
    expect(progress.map((p) => p.generations)).toEqual([5, 10, 15]);
    expect(closed).toBe(false);
    const controller = new AbortController();
    const m = new SymbolicRegressor(small({ maxGenerations: 1000, signal: controller.signal, onProgress: () => controller.abort() }));
    await m.fit(rows, y);
    expect(m.result).toMatchObject({ stoppedBy: 'aborted', generations: 5 });
    expect(m.best()).toBeDefined();
  });

  it('stops the front at the first exact equation: beating it by rounding noise is not better', async () => {
    const m = await model();
    const data = datasetFromRows(rows, y, { featureNames });
    const floor = exactLossFloor(data, 'mse');
    expect(floor).toBeCloseTo(1e-26 * (y.reduce((a, v) => a + v * v, 0) / y.length), 40);
    const eqs = m.equations();
    expect(eqs.slice(0, -1).every((e) => e.loss > floor)).toBe(true);
    expect(exactLossFloor(data, 'mape')).toBe(1e-13);
  });

  it('a target so large its squares overflow has no exact floor to stop at: the search runs its budget', async () => {
    const huge = y.map((v, i) => (i === 3 ? 1e300 : v));
    const data = datasetFromRows(rows, huge, { featureNames });
    expect(Number.isFinite(exactLossFloor(data, 'mse'))).toBe(true);
    expect(Number.isFinite(exactLossFloor(datasetFromRows(rows, y.map(() => 1.5e308), { featureNames }), 'mae'))).toBe(true);
    const m = await new SymbolicRegressor(small({ linearScaling: false })).fit(rows, huge, { featureNames });
    expect(m.result?.stoppedBy).toBe('generations');
  });

  it('snaps constants to short decimals only where the data cannot tell', () => {
    expect(shortDecimal(0.9999999999999155)).toBe(1);
    expect(shortDecimal(2.4999999999)).toBe(2.5);
    expect(shortDecimal(0.1 + 0.2)).toBe(0.3);
    expect(shortDecimal(Math.PI)).toBe(3.141592654); // kept only if the loss cannot tell (see presentFront)
    expect(shortDecimal(Math.PI, 1e-16)).toBe(Math.PI);
    expect(shortDecimal(2.4999)).toBe(2.4999);
    expect(shortDecimal(-1e-300)).toBe(-1e-300);
  });

  it('presents the front: snapped constants, simplified, ending at the first exact equation', () => {
    const data = datasetFromRows(rows, y, { featureNames });
    const trees = [
      'batch', // complexity 1
      '2.4999999999999996 * (batch * batch) + 1.0000000000000002 * tp', // exact, snaps to 2.5 and 1
      '2.5 * (batch * batch) + tp + 1e-17 * batch', // more complex, "better" by rounding noise only
      '3.1 * batch * batch + 0.3 * tp - 0.2', // not exact: its constants stay
    ].map((t) => parseExpression(t, featureNames));
    const o = resolveOptions({ operators: ['+', '-', '*', '/'] });
    const front = presentFront(trees, data, o, featureNames, new ReferenceEvaluator());
    const exprs = front.map((e) => e.expression);
    expect(exprs[0]).toBe('batch');
    expect(exprs.at(-1)).toMatch(/^2\.5 \* batch/);
    expect(exprs.at(-1)).toMatch(/\+ tp$/);
    expect(exprs.join(' | ')).not.toMatch(/1e-17|2\.4999|1\.0000/);
    expect(front.at(-1)!.loss).toBeLessThanOrEqual(exactLossFloor(data, 'mse'));
    expect(front.every((e, i) => i === 0 || e.complexity > front[i - 1].complexity)).toBe(true);
  });

  it('weights the loss and the R2', () => {
    expect(r2Score([1, 2, 3], [1, 2, 3])).toBe(1);
    expect(r2Score([0, 0, 3], [1, 2, 3], [0, 0, 1])).toBe(1); // only the last row counts (constant: sse 0)
    expect(r2Score([2, 2], [1, 3])).toBe(0);
  });
});

describe('SymbolicRegressor: bad input', () => {
  const fit = (X: unknown, yy: unknown, input: object = {}, extra: RegressorOptions = {}) =>
    new SymbolicRegressor(small(extra)).fit(X as number[][], yy as number[], input);

  it.each([
    ['no rows', [], [], {}, 'EMPTY_DATA', /X has no rows/],
    ['no columns', [[], []], [1, 2], {}, 'EMPTY_DATA', /no columns/],
    ['y of another length', [[1], [2], [3]], [1, 2], {}, 'LENGTH_MISMATCH', /X has 3 rows but y has 2 values/],
    ['ragged rows', [[1, 2], [3], [4, 5]], [1, 2, 3], {}, 'LENGTH_MISMATCH', /X row 1 has 1 values; expected 2 like row 0/],
    ['NaN in X', [[1, 2], [3, NaN], [4, 5]], [1, 2, 3], { featureNames: ['a', 'b'] }, 'NON_FINITE_DATA', /X row 1, column b: NaN is not a finite number/],
    ['a string in X', [[1], ['2'], [4]], [1, 2, 3], {}, 'NON_FINITE_DATA', /X row 1, column x0: string "2" is not a finite number/],
    ['Infinity in y', [[1], [2], [3]], [1, Infinity, 3], {}, 'NON_FINITE_DATA', /y row 1: Infinity is not a finite number/],
    ['a constant target', [[1], [2], [3]], [5, 5, 5], {}, 'INVALID_DATA', /target is constant \(every row is 5\)/],
    ['two rows', [[1], [2]], [1, 2], {}, 'INVALID_DATA', /at least 3 rows/],
    ['a negative weight', [[1], [2], [3]], [1, 2, 3], { weights: [1, -1, 1] }, 'INVALID_DATA', /weights row 1: -1 is negative/],
    ['weights of another length', [[1], [2], [3]], [1, 2, 3], { weights: [1, 1] }, 'LENGTH_MISMATCH', /weights has 2 values for 3 rows/],
    ['too few feature names', [[1, 2], [2, 3], [3, 4]], [1, 2, 3], { featureNames: ['a'] }, 'LENGTH_MISMATCH', /X row 0 has 2 values; expected 1/],
    ['a reserved feature name', [[1], [2], [3]], [1, 2, 3], { featureNames: ['exp'] }, 'INVALID_OPTION', /feature name "exp" is reserved/],
  ])('refuses %s', async (_what, X, yy, input, code, message) => {
    await expect(fit(X, yy, input)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it('refuses targets the loss cannot score', async () => {
    await expect(fit([[1], [2], [3]], [1, 0, 3], {}, { loss: 'mape' })).rejects.toMatchObject({ code: 'INVALID_DATA', message: expect.stringMatching(/y row 1 is 0; loss "mape"/) });
    await expect(fit([[1], [2], [3]], [1, -2, 3], {}, { loss: 'msle' })).rejects.toMatchObject({ code: 'INVALID_DATA', message: expect.stringMatching(/y row 1 is -2; loss "msle"/) });
  });

  it('refuses bad options when constructed', () => {
    expect(() => new SymbolicRegressor({ workers: -1 })).toThrow(/workers must be a non-negative integer/);
    expect(() => new SymbolicRegressor({ resume: true })).toThrow(/resume needs a checkpoint file/);
    expect(() => new SymbolicRegressor({ populations: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/options\.populations/) }));
    expect(() => new SymbolicRegressor({ operators: ['+', 'frob'] })).toThrow(expect.objectContaining({ code: 'UNKNOWN_OPERATOR' }));
    expect(() => new SymbolicRegressor({ checkpoint: 'x', checkpointEvery: -2 })).toThrow(/checkpointEvery/);
    expect(() => new SymbolicRegressor().predict([[1]])).toThrow(/call fit\(\) first/);
  });
});
