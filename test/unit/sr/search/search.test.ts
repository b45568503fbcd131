import { describe, expect, it } from 'vitest';
import { equationSearch, type SearchState } from '../../../../src/sr/search/search.js';
import { toInfix } from '../../../../src/sr/expression/print.js';
import { problem } from './problem-fixture.js';


const small = { populations: 3, populationSize: 32, generationsPerCycle: 10, maxTime: null, operators: ['+', '-', '*', '/', 'sin', 'exp'] };

describe('equationSearch', () => {
  it('recovers x^2 + x within a generation budget', async () => {
    const res = await equationSearch(problem((x) => x * x + x), { ...small, maxGenerations: 300, targetLoss: 1e-24, seed: 1 });
    expect(res.best).toBeDefined();
    expect(Math.min(...res.front.map((m) => m.loss))).toBeLessThan(1e-20);
    expect(res.front.every((m, i) => i === 0 || m.complexity > res.front[i - 1].complexity)).toBe(true);
    expect(res.front.every((m, i) => i === 0 || m.loss < res.front[i - 1].loss)).toBe(true);
  });

  it('is reproducible: same seed, same result; another seed, another search', async () => {
    const data = problem((x) => Math.sin(x) * x);
    const a = await equationSearch(data, { ...small, maxGenerations: 60, seed: 7 });
    const b = await equationSearch(data, { ...small, maxGenerations: 60, seed: 7 });
    const c = await equationSearch(data, { ...small, maxGenerations: 60, seed: 8 });
    expect(a.evaluations).toBe(b.evaluations);
    expect(a.front.map((m) => toInfix(m.tree))).toEqual(b.front.map((m) => toInfix(m.tree)));
    expect(c.front.map((m) => toInfix(m.tree))).not.toEqual(a.front.map((m) => toInfix(m.tree)));
  });

  it('resuming from a saved state continues exactly where an uninterrupted run goes', async () => {
    const data = problem((x) => Math.exp(x) - x);
    // (no stop at an exact fit: every run goes to its generation budget)
    const straight = await equationSearch(data, { ...small, maxGenerations: 60, stopOnExact: false, seed: 4 });
    let saved: SearchState | undefined;
    await equationSearch(data, { ...small, maxGenerations: 30, stopOnExact: false, seed: 4 }, { onCycle: (s) => { saved = s; } });
    const resumed = await equationSearch(data, { ...small, maxGenerations: 60, stopOnExact: false, seed: 4 }, { resume: saved });
    expect(resumed.generations).toBe(60);
    expect(resumed.evaluations).toBe(straight.evaluations);
    expect(resumed.front.map((m) => toInfix(m.tree))).toEqual(straight.front.map((m) => toInfix(m.tree)));
  });

  it('stops cleanly on abort and returns the best so far', async () => {
    const controller = new AbortController();
    let cycles = 0;
    const res = await equationSearch(problem((x) => x * x * x), { ...small, maxGenerations: 100000, stopOnExact: false, seed: 2 }, {
      signal: controller.signal,
      onProgress: () => { if (++cycles === 3) controller.abort(); },
    });
    expect(res.stoppedBy).toBe('aborted');
    expect(res.generations).toBe(30);
    expect(res.front.length).toBeGreaterThan(0);
  });

  it('stops on an evaluation budget', async () => {
    const res = await equationSearch(problem((x) => x), { ...small, maxEvaluations: 5000, stopOnExact: false, seed: 2 });
    expect(res.stoppedBy === 'evaluations' || res.stoppedBy === 'target').toBe(true);
    expect(res.evaluations).toBeGreaterThanOrEqual(5000);
  });

  it('with strictEvaluationBudget, shares the evaluation budget out to the islands, so a cycle does not overrun it', async () => {
    // a cycle of this search costs about 3 x 10 x 16 children plus constant fitting; the budget is a fraction of it
    const data = problem((x) => 2.5 * Math.sin(1.7 * x) + x);
    for (const extra of [{}, { offspringOptimizeProbability: 1, offspringOptimizeIterations: 5 }]) {
      const res = await equationSearch(data, { ...small, ...extra, maxEvaluations: 1500, strictEvaluationBudget: true, stopOnExact: false, seed: 2 });
      expect(res.stoppedBy).toBe('evaluations');
      expect(res.evaluations).toBeGreaterThanOrEqual(1500);
      // at most one generation per island past its share (16 children, each with a few fitting evaluations)
      expect(res.evaluations).toBeLessThan(1500 + 3 * 16 * 20);
    }
  });

  it('local search on offspring and dedupe give reproducible searches that still find the law', async () => {
    const data = problem((x) => 2.5 * x * x + 0.7 * x);
    for (const extra of [{ offspringOptimizeProbability: 0.5 }, { dedupe: true }]) {
      const a = await equationSearch(data, { ...small, ...extra, maxGenerations: 200, seed: 3 });
      const b = await equationSearch(data, { ...small, ...extra, maxGenerations: 200, seed: 3 });
      expect(a.evaluations).toBe(b.evaluations);
      expect(a.front.map((m) => toInfix(m.tree))).toEqual(b.front.map((m) => toInfix(m.tree)));
      expect(Math.min(...a.front.map((m) => m.loss))).toBeLessThan(1e-20);
    }
  });

  it('stops once a fit is exact (loss at float precision), unless told not to', async () => {
    const data = problem((x) => 3 * x * x);
    const early = await equationSearch(data, { ...small, maxGenerations: 400, seed: 2 });
    expect(early.stoppedBy).toBe('exact');
    expect(early.generations).toBeLessThan(400);
    expect(Math.min(...early.front.map((m) => m.loss))).toBeLessThan(1e-24);
    const full = await equationSearch(data, { ...small, maxGenerations: 60, stopOnExact: false, seed: 2 });
    expect(full.stoppedBy).toBe('generations');
  });

  it('rejects a resume state with another number of islands', async () => {
    const data = problem((x) => x);
    let saved: SearchState | undefined;
    await equationSearch(data, { ...small, maxGenerations: 10, seed: 1 }, { onCycle: (s) => { saved = s; } });
    await expect(equationSearch(data, { ...small, populations: 5, maxGenerations: 20, seed: 1 }, { resume: saved })).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID' });
  });
});
