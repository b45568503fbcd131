import { describe, expect, it } from 'vitest';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { caseEpsilons, lexicaseSelect, mseOfErrors, rowErrors } from '../../../../src/sr/search/lexicase.js';
import { resolveOptions } from '../../../../src/sr/search/options.js';
import { equationSearch } from '../../../../src/sr/search/search.js';
import { createRng } from '../../../../src/sr/util/rng.js';
import { problem } from './problem-fixture.js';


describe('epsilon-lexicase selection (options.lexicase)', () => {
  it('row errors and their mse; a prediction that is not finite makes every row Infinity', () => {
    const e = rowErrors(Float64Array.from([1, 2, 4]), Float64Array.from([1, 1, 1]));
    expect(Array.from(e)).toEqual([0, 1, 3]);
    expect(mseOfErrors(e)).toBeCloseTo(10 / 3, 14);
    expect(mseOfErrors(e, Float64Array.from([1, 0, 0]))).toBe(0);
    expect(Array.from(rowErrors(Float64Array.from([1, NaN]), Float64Array.from([1, 1])))).toEqual([Infinity, Infinity]);
  });

  it('epsilon is the median absolute deviation of each row', () => {
    const errors = [[1, 0], [2, 0], [4, 0], [Infinity, Infinity]].map((r) => Float64Array.from(r));
    expect(Array.from(caseEpsilons(errors, 2))).toEqual([1, 0]);
  });

  it('selects a specialist: the member best on some rows wins often though its mean error is the worst', () => {
    // member 0: good everywhere; member 1: exact on rows 0-1, bad on the others; member 2: mediocre everywhere
    const errors = [[0.5, 0.5, 0.5, 0.5], [0, 0, 3, 3], [1, 1, 1, 1]].map((r) => Float64Array.from(r));
    const eps = new Float64Array(4);
    const rng = createRng(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 2000; i++) counts[lexicaseSelect(errors, eps, rng)]++;
    expect(counts[2]).toBe(0); // dominated on every row
    expect(counts[1]).toBeGreaterThan(800); // first row drawn is 0 or 1 half of the time
    expect(counts[0]).toBeGreaterThan(800);
    // members that are not finite are never chosen while others are
    const withNaN = [Float64Array.from([Infinity, Infinity]), Float64Array.from([5, 5])];
    for (let i = 0; i < 50; i++) expect(lexicaseSelect(withNaN, new Float64Array(2), rng)).toBe(1);
  });

  it('a search with it is reproducible, valid, and as cheap per child (same evaluation count for the same generations)', async () => {
    const data = problem((x) => x * x * x + x * x + x);
    const base = { populations: 2, populationSize: 32, generationsPerCycle: 10, maxTime: null, maxGenerations: 40, stopOnExact: false, operators: ['+', '-', '*', '/'], constantProbability: 0, seed: 5 };
    const off = await equationSearch(data, base);
    const a = await equationSearch(data, { ...base, lexicase: 1 });
    const b = await equationSearch(data, { ...base, lexicase: 1 });
    expect(a.front.map((m) => m.loss)).toEqual(b.front.map((m) => m.loss));
    expect(a.front.map((m) => m.loss)).not.toEqual(off.front.map((m) => m.loss));
    // the initial population and migrants are predicted once more than they are scored
    expect(a.evaluations).toBeGreaterThanOrEqual(off.evaluations);
    expect(a.evaluations).toBeLessThan(off.evaluations * 1.3);
    // losses computed from the row errors are the kernel's
    const ev = new ReferenceEvaluator();
    ev.setDataset(data);
    for (const m of a.front) {
      expect(Number.isFinite(m.loss)).toBe(true);
      expect(m.loss).toBeCloseTo(ev.losses([compile(m.tree)], 'mse')[0], 12);
    }
  });

  it('validates its option', () => {
    expect(() => resolveOptions({ lexicase: -0.1 })).toThrow(/lexicase/);
  });
});
