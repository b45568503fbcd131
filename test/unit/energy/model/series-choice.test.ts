// fit's series rule (series-choice.ts): K-fold CV on the training records, pooled against with series effects.
import { describe, expect, it } from 'vitest';
import {
  chooseSeriesEffects, DEFAULT_SERIES_EFFECTS_RULE, fitEnergyModel, PHYSICS_STRUCTURE, recordFolds, validateEnergyModel, withChosenSeriesEffects, type FitRecord,
} from '../../../../src/energy/model/index.js';
import { simulate } from '../../../../src/energy/simulator/index.js';

/** Each (model, hardware) series carries a level (a factor on energy) no feature describes. */
const LEVELS: Record<string, number> = {
  'meta-llama/Llama-3.1-8B-Instruct|H100': 1.4, 'meta-llama/Llama-3.1-8B-Instruct|B200': 0.75,
  'Qwen/Qwen3-30B-A3B-Instruct-2507|H100': 0.7, 'Qwen/Qwen3-30B-A3B-Instruct-2507|B200': 1.3,
};
const sim = simulate({
  models: ['meta-llama/Llama-3.1-8B-Instruct', 'Qwen/Qwen3-30B-A3B-Instruct-2507'], hardware: ['H100', 'B200'],
  tp: [1, 2, 4], pp: [1], batch: [4, 16, 64], input: [512], output: [256], noise: 0.02, seed: 1,
}).records as FitRecord[];
const levelled = sim.map((r) => ({ ...r, energy_j: r.energy_j * (LEVELS[`${r.model}|${r.hardware.slice(0, 4)}`] ?? 1) }));
const FIT = { structure: PHYSICS_STRUCTURE, restarts: 0, seed: 0 };

describe('chooseSeriesEffects', () => {
  it('keeps the effects where series differ by levels no feature describes, and says so with both CV scores', () => {
    const choice = chooseSeriesEffects(levelled, FIT, { rule: 'cv', restarts: 0 });
    expect(choice.rule).toBe('cv');
    expect(choice.series).toBe(4);
    expect(choice.used).toBe(true);
    expect(choice.cv!.seriesRmsLog).toBeLessThan(choice.cv!.pooledRmsLog);
    expect(choice.reason).toMatch(/5-fold cross-validation .* series effects predict held-out records better/);
  });

  it('decides by the held-out mean squared log error: with k = 0 standard errors, effects kept exactly when their RMS log error is lower', () => {
    const c = chooseSeriesEffects(sim, FIT, { rule: 'cv', standardErrors: 0, restarts: 0 });
    expect(c.used).toBe(c.cv!.seriesRmsLog < c.cv!.pooledRmsLog);
    // a stricter rule keeps them no more often (the same folds and fits: the same scores)
    const strict = chooseSeriesEffects(sim, FIT, { rule: 'cv', standardErrors: 1, restarts: 0 });
    expect(strict.cv).toEqual(c.cv);
    if (strict.used) expect(c.used).toBe(true);
  });

  it('never cross-validates for `never`, `always` or records of one series', () => {
    expect(chooseSeriesEffects(levelled, FIT, { rule: 'never' })).toMatchObject({ used: false, rule: 'never' });
    expect(chooseSeriesEffects(levelled, FIT, { rule: 'always' })).toMatchObject({ used: true, rule: 'always', series: 4 });
    const one = levelled.filter((r) => r.model === levelled[0].model && r.hardware === levelled[0].hardware);
    const c = chooseSeriesEffects(one, FIT, { rule: 'cv' });
    expect(c).toMatchObject({ used: false, series: 1 });
    expect(c.cv).toBeUndefined();
  });

  it('`replicated` keeps the effects exactly when records minus series reach the threshold, without cross-validating', () => {
    // one record from each of the four series, then more of them: 4 series, n - 4 records repeat one
    const bySeries = new Map<string, FitRecord[]>();
    for (const r of levelled) { const k = `${r.model}|${r.hardware}`; bySeries.set(k, [...(bySeries.get(k) ?? []), r]); }
    const first = [...bySeries.values()].map((xs) => xs[0]);
    const rest = [...bySeries.values()].flatMap((xs) => xs.slice(1));
    const few = [...first, ...rest.slice(0, 3)];
    const c3 = chooseSeriesEffects(few, FIT, { rule: 'replicated', minWithinDof: 4 });
    expect(c3).toMatchObject({ rule: 'replicated', used: false, series: 4 });
    expect(c3.cv).toBeUndefined();
    expect(c3.reason).toMatch(/only 3 repeat a series \(fewer than 4/);
    const c4 = chooseSeriesEffects([...first, ...rest.slice(0, 4)], FIT, { rule: 'replicated', minWithinDof: 4 });
    expect(c4).toMatchObject({ used: true, series: 4 });
    expect(c4.reason).toMatch(/4 repeat a series \(at least 4/);
    // the default threshold: 10
    expect(chooseSeriesEffects([...first, ...rest.slice(0, 9)], FIT, { rule: 'replicated' }).used).toBe(false);
    expect(chooseSeriesEffects([...first, ...rest.slice(0, 10)], FIT, { rule: 'replicated' }).used).toBe(true);
    // and it is the default rule: without a rule, the same decisions
    expect(DEFAULT_SERIES_EFFECTS_RULE).toBe('replicated');
    expect(chooseSeriesEffects([...first, ...rest.slice(0, 9)], FIT)).toMatchObject({ rule: 'replicated', used: false });
    expect(chooseSeriesEffects([...first, ...rest.slice(0, 10)], FIT)).toMatchObject({ rule: 'replicated', used: true });
  });

  it('deals the records into folds as the structure choice does: every fold used, sizes within one', () => {
    const f = recordFolds(23, 5, 7);
    const sizes = [0, 1, 2, 3, 4].map((k) => f.filter((x) => x === k).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(Array.from(recordFolds(23, 5, 7))).toEqual(Array.from(f));
    expect(Array.from(recordFolds(23, 5, 8))).not.toEqual(Array.from(f));
  });
});

describe('withChosenSeriesEffects', () => {
  it('adds the series section only when the rule keeps it, and stores the decision in the model file', () => {
    const pooled = fitEnergyModel(levelled, FIT);
    const kept = withChosenSeriesEffects(pooled, levelled, FIT, { rule: 'cv', restarts: 0 });
    // the default rule is `replicated`: these records repeat their 4 series often enough to keep the effects
    expect(withChosenSeriesEffects(pooled, levelled, FIT).seriesChoice).toMatchObject({ rule: 'replicated', used: true });
    expect(kept.series?.stats).toHaveLength(4);
    expect(validateEnergyModel(JSON.parse(JSON.stringify(kept))).seriesChoice?.used).toBe(true);
    const off = withChosenSeriesEffects(pooled, levelled, FIT, { rule: 'never' });
    expect(off.series).toBeUndefined();
    expect(off.seriesChoice?.used).toBe(false);
  });
});
