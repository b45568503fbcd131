import { describe, expect, it } from 'vitest';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { constantNodes, type Node } from '../../../../src/sr/expression/node.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { toInfix } from '../../../../src/sr/expression/print.js';
import { exactLossFloor } from '../../../../src/sr/regressor-data.js';
import { islandTermCrossover, resolveOptions } from '../../../../src/sr/search/options.js';
import { equationSearch } from '../../../../src/sr/search/search.js';
import { createIslandState, runIslandTask } from '../../../../src/sr/search/island.js';
import { deserializeMember, makeMember, serializeMember } from '../../../../src/sr/search/population.js';
import { additiveTerms, leastSquares, nearestRational, rebuildSum, reweightTerms, timesRational, unitFor } from '../../../../src/sr/search/term-weights.js';
import { satisfiesConstraints } from '../../../../src/sr/search/tree-ops.js';
import { twoFeatureData } from './problem-fixture.js';

const names = ['x', 'y'];
const koza = ['+', '-', '*', '/', 'sin', 'cos', 'exp', 'log'];
const parse = (t: string): Node => parseExpression(t, names);

/** 20 rows of x, y in (0, 1) (Nguyen-12's range) and the values of `truth` on them, held by a reference evaluator. */
const dataFor = (truth: string, seed = 1) => twoFeatureData(truth, 0.01, 0.98, seed);

const mseOf = (ev: ReferenceEvaluator, tree: Node): number => ev.losses([compile(tree)], 'mse')[0];

describe('term weights (options.termWeights)', () => {
  const o = resolveOptions({ operators: koza, constantProbability: 0, maxSize: 40, maxDepth: 12, termWeights: 1 });

  it('splits the root chain of + and - into signed terms', () => {
    const terms = additiveTerms(parse('x * x - (y - x) + sin(x)'));
    expect(terms.map((t) => `${t.sign}:${toInfix(t.term, names)}`)).toEqual(['1:x * x', '-1:y', '1:x', '1:sin(x)']);
    expect(additiveTerms(parse('x * y'))).toHaveLength(1);
  });

  it('solves least squares exactly, and refuses a repeated column', () => {
    const a = Float64Array.from([1, 2, 3, 4]);
    const b = Float64Array.from([1, -1, 2, 0.5]);
    const y = a.map((v, i) => 0.5 * v - 3 * b[i]);
    const w = leastSquares([a, b], y)!;
    expect(w[0]).toBeCloseTo(0.5, 12);
    expect(w[1]).toBeCloseTo(-3, 12);
    expect(leastSquares([a, a], y)).toBeNull();
  });

  it('snaps to the nearest p / q with |p|, q <= 4', () => {
    expect(nearestRational(0.5000001)).toMatchObject({ p: 1, q: 2 });
    expect(nearestRational(-1.3333333)).toMatchObject({ p: -4, q: 3 });
    expect(nearestRational(0.01)).toMatchObject({ p: 0 });
    expect(nearestRational(9)).toMatchObject({ p: 4, q: 1 });
  });

  it('writes (p / q) t without constants when the search has none: same values, valid trees', () => {
    const { ev, data } = dataFor('x');
    const unit = unitFor(o, data)!;
    expect(unit).toEqual({ kind: 'feature', index: 0 });
    const t = parse('y * y - x');
    const base = ev.predict(compile(t));
    for (const [p, q] of [[1, 2], [2, 1], [3, 4], [4, 3], [3, 1]]) {
      const tree = timesRational(t, p, q, unit);
      expect(constantNodes(tree)).toHaveLength(0);
      expect(satisfiesConstraints(tree, o)).toBe(true);
      const v = ev.predict(compile(tree));
      v.forEach((val, r) => expect(val).toBeCloseTo((p / q) * base[r], 12));
    }
    // a search with constants writes the constant itself
    expect(toInfix(timesRational(t, 1, 2, { kind: 'const' }), names)).toBe('0.5 * (y * y - x)');
    // every weight 0: nothing to rebuild
    expect(rebuildSum([t], [{ p: 0, q: 1 }], unit)).toBeNull();
  });

  it('gives Nguyen-12 exactly from a tree holding its terms with the wrong coefficients (no constants)', () => {
    const truth = 'x*x*x*x - x*x*x + y*y/(y+y)*y - y';
    const { ev, data } = dataFor(truth);
    const child = parse('x*x*x*x + x*x*x + y*y + y');
    const before = mseOf(ev, child);
    const floor = exactLossFloor(data, 'mse');
    let spent = 0;
    for (const mode of ['improve', 'exact'] as const) {
      spent = 0;
      const r = reweightTerms(child, before, ev, data, { ...o, termWeightsMode: mode }, 'mse', unitFor(o, data)!, floor, (n) => { spent += n; });
      expect(r).not.toBeNull();
      expect(r!.loss).toBeLessThanOrEqual(floor);
      expect(constantNodes(r!.tree)).toHaveLength(0);
      expect(satisfiesConstraints(r!.tree, o)).toBe(true);
      // the snapped form equals the weighted one, 1 x^4 - 1 x^3 + 1/2 y^2 - 1 y, on the rows
      const v = ev.predict(compile(r!.tree));
      v.forEach((val, i) => expect(val).toBeCloseTo(data.y[i], 12));
      expect(mseOf(ev, r!.tree)).toBe(r!.loss);
      expect(spent).toBe(5); // four terms predicted, the rebuilt tree scored
    }
  });

  it('exact mode keeps only exact fits; improve mode takes any lower loss', () => {
    const { ev, data } = dataFor('x*x*x*x - x*x*x + y*y/(y+y)*y - y');
    const child = parse('x*x*x*x + y*y + y'); // x^3 missing: no exact fit
    const before = mseOf(ev, child);
    const floor = exactLossFloor(data, 'mse');
    const unit = unitFor(o, data)!;
    expect(reweightTerms(child, before, ev, data, { ...o, termWeightsMode: 'exact' }, 'mse', unit, floor, () => {})).toBeNull();
    const r = reweightTerms(child, before, ev, data, { ...o, termWeightsMode: 'improve' }, 'mse', unit, floor, () => {});
    expect(r).not.toBeNull();
    expect(r!.loss).toBeLessThan(before);
    expect(r!.loss).toBeGreaterThan(floor);
  });

  it('leaves a tree alone when its weights are already right, or when it has a single term', () => {
    const { ev, data } = dataFor('x*x - y');
    const unit = unitFor(o, data)!;
    const floor = exactLossFloor(data, 'mse');
    expect(reweightTerms(parse('x*x - y'), 0, ev, data, o, 'mse', unit, floor, () => {})).toBeNull();
    expect(reweightTerms(parse('x*x'), 1, ev, data, o, 'mse', unit, floor, () => {})).toBeNull();
  });

  it('in seeded searches without constants, reaches x^2 / 2 - y where the search without it does not (same evaluations)', async () => {
    const { data } = dataFor('x*x/(x+x)*x - y', 3);
    const floor = exactLossFloor(data, 'mse');
    for (const seed of [1, 3]) {
      const base = { operators: koza, constantProbability: 0, maxSize: 40, populations: 2, populationSize: 32, maxTime: null, maxEvaluations: 60000, strictEvaluationBudget: true, seed };
      const off = await equationSearch(data, base);
      const on = await equationSearch(data, { ...base, termWeights: 1 });
      expect(on.stoppedBy).toBe('exact');
      expect(on.best!.loss).toBeLessThanOrEqual(floor);
      expect(constantNodes(on.best!.tree)).toHaveLength(0);
      expect(off.best!.loss).toBeGreaterThan(floor);
    }
  });

  it('termCrossover joins two parts of a law found apart, and the weights finish it (no constants)', () => {
    const { ev, data } = dataFor('x*x*x*x - x*x*x + y*y/(y+y)*y - y');
    const floor = exactLossFloor(data, 'mse');
    const oc = resolveOptions({ operators: koza, constantProbability: 0, maxSize: 40, maxDepth: 12, populationSize: 8, maxTime: null, maxGenerations: 3 });
    // the x part exactly, and twice the y part: neither fits alone
    const parts = ['x*x*x*(x - x/x)', 'y*(y - (x/x + x/x))'].map((t) => { const tree = parse(t); return serializeMember(makeMember(tree, compile(tree), mseOf(ev, tree), 0, oc)); });
    const migrants = [0, 1, 0, 1, 0, 1, 0].map((i) => parts[i]);
    const run = (termCrossover: number) => runIslandTask({ islandId: 0, state: createIslandState(0, 5), generations: 3, migrants, options: { ...oc, termCrossover } }, { evaluator: ev, data });
    const on = run(1);
    const exact = on.hallOfFame.filter((m) => m.loss <= floor).map(deserializeMember);
    expect(exact.length).toBeGreaterThan(0);
    for (const m of exact) {
      expect(constantNodes(m.tree)).toHaveLength(0);
      expect(satisfiesConstraints(m.tree, oc)).toBe(true);
      expect(mseOf(ev, m.tree)).toBeLessThanOrEqual(floor);
    }
    expect(run(0).hallOfFame.some((m) => m.loss <= floor)).toBe(false);
  });

  it('termCrossoverIslands: the rate on the asked share of the islands, spread over the ids; 0 elsewhere', () => {
    const rates = (partial: Parameters<typeof resolveOptions>[0]) => { const o = resolveOptions({ maxGenerations: 1, ...partial }); return [0, 1, 2, 3, 4, 5, 6, 7].map((i) => islandTermCrossover(o, i)); };
    expect(resolveOptions({ maxGenerations: 1 }).termCrossoverIslands).toBe(1);
    expect(rates({ termCrossover: 0.1 })).toEqual(Array(8).fill(0.1));
    expect(rates({ termCrossover: 0.1, termCrossoverIslands: 0.5 })).toEqual([0, 0.1, 0, 0.1, 0, 0.1, 0, 0.1]);
    expect(rates({ termCrossover: 0.1, termCrossoverIslands: 0.25 })).toEqual([0, 0, 0, 0.1, 0, 0, 0, 0.1]);
    expect(rates({ termCrossover: 0.1, termCrossoverIslands: 0 })).toEqual(Array(8).fill(0));
    expect(rates({ termCrossoverIslands: 0.5 })).toEqual(Array(8).fill(0));
    // a task from a head that predates the option (no termCrossoverIslands): every island
    const { termCrossoverIslands: _, ...old } = resolveOptions({ maxGenerations: 1, termCrossover: 0.2 });
    expect(islandTermCrossover(old as never, 0)).toBe(0.2);
    expect(() => resolveOptions({ termCrossoverIslands: 1.5 })).toThrow(/termCrossoverIslands/);
  });

  it('termCrossoverIslands: an island outside the share runs draw for draw as termCrossover 0, one inside as share 1', () => {
    const { ev, data } = dataFor('x*x*x*x - x*x*x + y*y/(y+y)*y - y');
    const oc = resolveOptions({ operators: koza, constantProbability: 0, maxSize: 40, maxDepth: 12, populationSize: 16, maxTime: null, maxGenerations: 4 });
    const run = (islandId: number, partial: object) => runIslandTask({ islandId, state: createIslandState(islandId, 5), generations: 4, migrants: [], options: { ...oc, ...partial } }, { evaluator: ev, data });
    const off0 = run(0, { termCrossover: 0 });
    const on0 = run(0, { termCrossover: 0.5 });
    // the option does something on this island: the stream and the result move when it is on
    expect(on0).not.toEqual(off0);
    expect(run(0, { termCrossover: 0.5, termCrossoverIslands: 0.5 })).toEqual(off0);
    expect(run(1, { termCrossover: 0.5, termCrossoverIslands: 0.5 })).toEqual(run(1, { termCrossover: 0.5 }));
    // with termCrossover 0 (the default) any share changes nothing
    expect(run(1, { termCrossoverIslands: 0.5 })).toEqual(run(1, {}));
  });

  it('termCrossoverIslands leaves default searches draw for draw unchanged', async () => {
    const { data } = dataFor('x*x - y', 2);
    const base = { operators: koza, constantProbability: 0, maxSize: 30, populations: 4, populationSize: 24, maxTime: null, maxEvaluations: 20000, strictEvaluationBudget: true, seed: 7 };
    const summary = (r: Awaited<ReturnType<typeof equationSearch>>) => ({ evaluations: r.evaluations, front: r.front.map((m) => [toInfix(m.tree, names), m.loss]) });
    const plain = summary(await equationSearch(data, base));
    expect(summary(await equationSearch(data, { ...base, termCrossoverIslands: 0.25 }))).toEqual(plain);
    expect(summary(await equationSearch(data, { ...base, termCrossoverIslands: 1 }))).toEqual(plain);
    const tc = summary(await equationSearch(data, { ...base, termCrossover: 0.3 }));
    expect(summary(await equationSearch(data, { ...base, termCrossover: 0.3, termCrossoverIslands: 1 }))).toEqual(tc);
  });

  it('validates its options', () => {
    expect(() => resolveOptions({ termWeights: 2 })).toThrow(/termWeights/);
    expect(() => resolveOptions({ termWeightsMaxTerms: 1 })).toThrow(/termWeightsMaxTerms/);
    expect(() => resolveOptions({ termWeightsMode: 'x' as never })).toThrow(/termWeightsMode/);
    expect(() => resolveOptions({ termCrossover: 1.5 })).toThrow(/termCrossover/);
  });
});
