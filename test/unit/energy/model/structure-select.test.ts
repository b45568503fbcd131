// Choosing the structure by cross-validation on the training records: a candidate with a term the data need wins;
// on data the physics form describes, physics is kept; the budget stops scoring; the choice is reproducible.
import { describe, expect, it } from 'vitest';
import { configurationFeatures } from '../../../../src/energy/model/features.js';
import type { FitRecord } from '../../../../src/energy/model/fit.js';
import { fitEnergyModel } from '../../../../src/energy/model/fit.js';
import { predictEnergy } from '../../../../src/energy/model/predict.js';
import { featureMatrix } from '../../../../src/energy/model/structure-features.js';
import { PHYSICS_STRUCTURE } from '../../../../src/energy/model/structure-physics.js';
import { chooseStructure } from '../../../../src/energy/model/structure-select.js';
import { cvGroupsOf } from '../../../../src/energy/model/structure-cv-groups.js';
import { validateStructure } from '../../../../src/energy/model/structure-check.js';
import { compileStructure, type Structure } from '../../../../src/energy/model/structure.js';
import { simulate } from '../../../../src/energy/simulator/simulate.js';
import { createRng, ParametricEvaluator } from '../../../../src/sr/index.js';

const TRUTH = [1.8, 120, 1.3, 1.5, 0.8, 0.5, 40, 3, 0.2, 0.7, 2, 15];

/** Simulated configurations whose energy is physics(TRUTH) + perContextJ x context tokens, with 3 % noise. */
function records(perContextJ: number): FitRecord[] {
  const { records: recs } = simulate({ models: ['Llama-3.1-8B-Instruct', 'Llama-3.1-70B-Instruct'], hardware: ['H100', 'B200'], tp: [1, 2, 4, 8], pp: [1, 2], batch: [1, 8, 64], input: [256, 4096], output: [128, 1024], noise: 0, seed: 2 });
  const features = recs.map((r) => configurationFeatures(r));
  const model = compileStructure(PHYSICS_STRUCTURE);
  const ev = new ParametricEvaluator(model, { energy: { X: featureMatrix(features, 'energy', model.features), nRows: recs.length }, latency: { X: featureMatrix(features, 'latency', model.features), nRows: recs.length } });
  const energy = ev.predict(model.kinds[0], TRUTH);
  const tpot = ev.predict(model.kinds[1], TRUTH);
  ev.dispose();
  const rng = createRng(5);
  return recs.map((r, i) => ({
    ...r, prefill_energy_j: undefined,
    energy_j: (energy[i] + perContextJ * features[i].contextTokens) * r.output_tokens * Math.exp(0.03 * rng.normal()),
    tpot_s: tpot[i] * Math.exp(0.03 * rng.normal()),
  })).filter((_, i) => i % 2 === 0);
}

const withContext: Structure = validateStructure({
  ...structuredClone(PHYSICS_STRUCTURE), name: 'physics+context',
  description: 'physics plus an energy per output token that grows with the context attended over',
  expressions: { ...PHYSICS_STRUCTURE.expressions, energy: `${PHYSICS_STRUCTURE.expressions.energy} + c_ctx * context_tokens` },
  parameters: [
    ...structuredClone(PHYSICS_STRUCTURE.parameters).map((p) => (p.name === 'k_expert' ? { ...p, held: { value: p.start, reason: 'no mixture-of-experts model' } } : p)),
    { name: 'c_ctx', meaning: 'discovered term: energy per output token per context token', unit: 'J/token', start: 1e-4, lower: 0, upper: 1, phase: 'decode', origin: 'discovered' },
  ],
});

describe('chooseStructure', () => {
  it('picks a candidate whose term the data need, and the fit then uses it', () => {
    const train = records(4e-4);
    const choice = chooseStructure(train, [{ structure: PHYSICS_STRUCTURE, source: 'built-in' }, { structure: withContext, source: 'test' }], { folds: 5, seed: 1 });
    expect(choice.selection.chosen).toBe('physics+context');
    const [physics, context] = choice.selection.candidates;
    expect(context.cvRmsLog!).toBeLessThan(physics.cvRmsLog!);
    expect(choice.selection.reason).toMatch(/beats "physics"/);
    const model = fitEnergyModel(train, { structure: choice.structure, selection: choice.selection });
    expect(model.structure.name).toBe('physics+context');
    expect(model.parameters.find((p) => p.name === 'c_ctx')!.value).toBeCloseTo(4e-4, 4);
    expect(model.parameters.find((p) => p.name === 'c_ctx')!.origin).toBe('discovered');
    expect(predictEnergy(model, train.slice(0, 3)).every((p) => p.energyJ > 0 && p.tpotS! > 0)).toBe(true);
  });

  it('keeps physics when no candidate wins, and is reproducible', () => {
    const train = records(0);
    const candidates = [{ structure: PHYSICS_STRUCTURE, source: 'built-in' }, { structure: withContext, source: 'test' }];
    const a = chooseStructure(train, candidates, { folds: 5, seed: 3 });
    expect(a.selection.chosen).toBe('physics');
    expect(a.selection.reason).toMatch(/kept "physics"/);
    const b = chooseStructure(train, candidates, { folds: 5, seed: 3 });
    expect(b.selection).toEqual(a.selection);
  });

  it('stops scoring when the evaluation budget is spent, keeping the default', () => {
    const train = records(4e-4);
    const choice = chooseStructure(train, [{ structure: PHYSICS_STRUCTURE, source: 'built-in' }, { structure: withContext, source: 'test' }], { folds: 3, evals: 1 });
    expect(choice.selection.chosen).toBe('physics');
    expect(choice.selection.candidates[1].error).toMatch(/evaluation budget \(1\)/);
    expect(choice.selection.candidates[1].cvRmsLog).toBeNull();
  });

  it('with groups of a serving stack, keeps physics when a candidate wins K-fold but loses with a stack held out', () => {
    // stack A (nine records in ten) has the context term, stack B has none: K-fold mixes them, so the term wins;
    // fitted on A alone it overpredicts B
    const a = records(4e-4);
    const b = records(0);
    const train = a.map((r, i) => (i % 10 === 9 ? { ...b[i], framework: 'B' } : { ...r, framework: 'A' }));
    const candidates = [{ structure: PHYSICS_STRUCTURE, source: 'built-in' }, { structure: withContext, source: 'test' }];
    expect(chooseStructure(train, candidates, { folds: 5, seed: 1 }).selection.chosen).toBe('physics+context');
    const groups = cvGroupsOf(train)!;
    const choice = chooseStructure(train, candidates, { folds: 5, seed: 1, groups });
    expect(choice.selection.chosen).toBe('physics');
    expect(choice.selection.reason).toMatch(/loses with one framework held out at a time/);
    expect(choice.selection.groups).toEqual({ column: 'framework', names: ['A', 'B'] });
    const [physics, context] = choice.selection.candidates;
    expect(context.byGroup!.map((g) => g.group)).toEqual(['A', 'B']);
    expect(context.byGroup!.find((g) => g.group === 'B')!.mape!).toBeGreaterThan(physics.byGroup!.find((g) => g.group === 'B')!.mape!);
  });

  it('with groups that share the term, the candidate still wins', () => {
    const train = records(4e-4).map((r, i) => ({ ...r, framework: i % 3 === 0 ? 'B' : 'A' }));
    const choice = chooseStructure(train, [{ structure: PHYSICS_STRUCTURE, source: 'built-in' }, { structure: withContext, source: 'test' }], { folds: 5, seed: 1, groups: cvGroupsOf(train) });
    expect(choice.selection.chosen).toBe('physics+context');
    expect(choice.selection.reason).toMatch(/does not lose with one framework held out at a time/);
  });
});
