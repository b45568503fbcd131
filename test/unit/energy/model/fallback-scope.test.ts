// The fallback's scopes beyond the serving stack: a structure with a discovered correction applies to the GPUs (and,
// when asked, the models) its training records hold; a row of another gets the physics fit stored beside it, and a
// calibration on such rows calibrates that physics fit. Files written before the scopes load and predict as before.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../../../src/energy/simulator/index.js';
import {
  calibrationBase, fallbackModel, fallbackScopes, fitEnergyModel, outsideScope, PHYSICS_STRUCTURE, predictEnergy, scopesOf, validateEnergyModel, withStackFallback,
} from '../../../../src/energy/model/index.js';
import { CALIBRATION_PARAMETERS, fittedModel, structureMethod } from '../../../../src/energy/baselines/closed-form.js';
import { calibrateBetterOnK } from '../../../../src/energy/baselines/discovered.js';
import { CORRECTED } from './corrected-structure.js';
import { stacksHtml } from '../../../../src/energy/report/html.js';

const sim = simulate({
  models: ['Llama-3.1-8B-Instruct'], hardware: ['H100', 'A100'], tp: [1, 2], pp: [1],
  batch: [1, 8, 64], input: [512], output: [128, 1024], noise: 0.02, seed: 5,
}).records.map((r) => ({ ...r, energy_j: r.energy_j * r.batch ** 0.2 }));
// trained on H100 and one stack; A100 records are a GPU the training records do not show
const records = sim.filter((r) => r.hardware.startsWith('H100')).map((r) => ({ ...r, framework: 'vLLM' }));
const a100 = sim.filter((r) => r.hardware.startsWith('A100')).map((r) => ({ ...r, framework: 'vLLM' }));
const options = { seed: 1, structure: CORRECTED, restarts: 2 };
const fitted = fitEnergyModel(records, options);
const model = withStackFallback(fitted, records, options);

describe('the hardware scope of the fallback', () => {
  it('stores the GPUs of the training records beside the stack, by the catalog\'s names', () => {
    const fb = model.stackFallback!;
    expect(fb.column).toBe('framework');
    expect(fb.scopes).toEqual([{ column: 'hardware', seen: ['H100-SXM5-80GB'] }]);
    expect(fallbackScopes(fb).map((s) => s.column)).toEqual(['framework', 'hardware']);
    expect(scopesOf([{ hardware: 'H100' }, { hardware: 'H100-SXM5-80GB' }, { hardware: 'A100' }])).toEqual([{ column: 'hardware', seen: ['A100-SXM4-80GB', 'H100-SXM5-80GB'] }]);
    expect(() => scopesOf(records, ['gpu'])).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/--fallback-columns: unknown column "gpu"/) }));
  });

  it('predicts a row of an unseen GPU by the physics fit and says why; an alias of a seen GPU by the chosen structure', () => {
    const rows = [records[0], { ...records[0], hardware: 'H100' }, a100[0], { ...a100[0], framework: 'SGLang' }];
    const p = predictEnergy(model, rows);
    const chosen = predictEnergy(fitted, rows);
    const physics = predictEnergy(fallbackModel(model), rows);
    expect(p.map((x) => x.stack?.applied)).toEqual(['chosen', 'chosen', 'physics', 'physics']);
    expect(p[0].energyPerTokenJ).toBe(chosen[0].energyPerTokenJ);
    expect(p[1].energyPerTokenJ).toBe(chosen[1].energyPerTokenJ);
    expect(p[2].energyPerTokenJ).toBe(physics[2].energyPerTokenJ);
    expect(p[2].energyPerTokenJ).not.toBe(chosen[2].energyPerTokenJ);
    expect(p[2].stack).toMatchObject({ column: 'hardware', value: 'A100-SXM4-80GB' });
    expect(p[2].stack!.reason).toMatch(/hardware A100-SXM4-80GB is not among the training records' \(H100-SXM5-80GB\)/);
    // the stack is checked first
    expect(p[3].stack).toMatchObject({ column: 'framework', value: 'SGLang', applied: 'physics' });
    expect(p[0].stack).toMatchObject({ column: 'framework', value: 'vLLM', applied: 'chosen' });
    expect(p[0].stack!.reason).toMatch(/framework and hardware among the training records'/);
  });

  it('limits the correction to the training records\' models when asked', () => {
    const m = withStackFallback(fitted, records, { ...options, fallbackColumns: ['hardware', 'model'] });
    expect(m.stackFallback!.scopes!.map((s) => s.column)).toEqual(['hardware', 'model']);
    const p = predictEnergy(m, [records[0], { ...records[0], model: 'Llama-3.1-70B-Instruct', tp: 4 }]);
    expect(p.map((x) => x.stack?.applied)).toEqual(['chosen', 'physics']);
    expect(p[1].stack).toMatchObject({ column: 'model', value: 'meta-llama/Llama-3.1-70B-Instruct' });
  });

  it('round-trips through the model file; a file from before the scopes loads and predicts as before; bad scopes are refused', () => {
    const text = JSON.parse(JSON.stringify(model));
    const back = validateEnergyModel(text, 'm.json');
    expect(back.stackFallback!.scopes).toEqual(model.stackFallback!.scopes);
    expect(predictEnergy(back, [a100[0]])[0].energyPerTokenJ).toBe(predictEnergy(model, [a100[0]])[0].energyPerTokenJ);
    // an older file: the stack alone; its rows of any GPU get the chosen structure, as they did
    const { scopes, ...older } = text.stackFallback;
    void scopes;
    const old = validateEnergyModel({ ...text, stackFallback: older }, 'old.json');
    const p = predictEnergy(old, [a100[0], { ...a100[0], framework: 'TensorRT-LLM' }]);
    expect(p.map((x) => x.stack?.applied)).toEqual(['chosen', 'physics']);
    expect(p[0].energyPerTokenJ).toBe(predictEnergy(fitted, [a100[0]])[0].energyPerTokenJ);
    // a file with the hardware scope alone (records without a stack column)
    const { column, seen, ...scopeOnly } = text.stackFallback;
    void column; void seen;
    expect(predictEnergy(validateEnergyModel({ ...text, stackFallback: scopeOnly }, 'm.json'), [a100[0]])[0].stack).toMatchObject({ column: 'hardware', applied: 'physics' });
    const bad = (fb: unknown, re: RegExp): void => {
      expect(() => validateEnergyModel({ ...text, stackFallback: fb }, 'm.json')).toThrow(expect.objectContaining({ code: 'INVALID_MODEL_FILE', message: expect.stringMatching(re) }));
    };
    bad({ ...text.stackFallback, scopes: [] }, /m\.json: stackFallback\.scopes, when present, must list at least one scope/);
    bad({ ...text.stackFallback, scopes: [{ column: 'gpu', seen: ['H100'] }] }, /m\.json: stackFallback\.scopes\[0\]\.column must be one of hardware, model/);
    bad({ ...text.stackFallback, scopes: [{ column: 'hardware', seen: [] }] }, /stackFallback\.scopes\[0\]\.seen must list the hardware values/);
    bad({ ...text.stackFallback, scopes: [{ column: 'hardware', seen: ['H100'] }, { column: 'hardware', seen: ['A100'] }] }, /stackFallback\.scopes\[1\]\.column "hardware" is already a scope/);
    bad({ ...scopeOnly, seen: ['vLLM'] }, /stackFallback\.column must name the stack column/);
    bad({ model: text.stackFallback.model }, /stackFallback\.column must name the stack column/);
  });

  it('a calibration on rows of an unseen GPU calibrates the physics fit; on seen rows, the model', () => {
    expect(calibrationBase(model, a100.slice(0, 5))).toEqual(fallbackModel(model));
    expect(calibrationBase(model, records.slice(0, 5))).toBe(model);
    expect(calibrationBase(fitted, a100.slice(0, 5))).toBe(fitted);
    expect(outsideScope({ hardware: 'A100', framework: 'vLLM' }, { column: 'framework', seen: ['vLLM'] }, model.stackFallback!.scopes!)).toEqual({ column: 'hardware', value: 'A100-SXM4-80GB' });
    // evaluate's calibration (the methods' calibrate): the physics fit's hardware parameters refitted on the k rows
    const method = structureMethod(CORRECTED).fit(records, { seed: 1 });
    const k = a100.slice(0, 5);
    const calibrated = method.calibrate!(k, { seed: 1 });
    const physics = fitEnergyModel(records, { seed: 1, structure: PHYSICS_STRUCTURE });
    const expected = fitEnergyModel(k, { seed: 1, base: physics, refit: [...CALIBRATION_PARAMETERS] });
    expect(expected.structure.name).toBe('physics');
    expect(calibrated.predict(a100.slice(5))[0]).toBeCloseTo(predictEnergy(expected, a100.slice(5))[0].energyPerTokenJ, 10);
  });

  it('better-on-k (opt-in) keeps the calibrated correction where the k records follow it, else the calibrated physics fit', () => {
    const k = a100.slice(0, 6);
    const corrected = fittedModel(fitted, { seed: 1 }).calibrate!(k, { seed: 1 });
    const physics = fittedModel(model, { seed: 1 }).calibrate!(k, { seed: 1 });
    const rest = a100.slice(6);
    // the A100 records carry the batch^0.2 the correction follows: the corrected calibration is closer on k
    expect(calibrateBetterOnK(model, { seed: 1 }, 'discovered')(k, { seed: 1 }).predict(rest)).toEqual(corrected.predict(rest));
    // records that go the other way (batch^-0.2): the physics calibration is closer on k
    const flat = k.map((r) => ({ ...r, energy_j: r.energy_j / r.batch ** 0.4 }));
    const physicsFlat = fittedModel(model, { seed: 1 }).calibrate!(flat, { seed: 1 });
    expect(calibrateBetterOnK(model, { seed: 1 }, 'discovered')(flat, { seed: 1 }).predict(rest)).toEqual(physicsFlat.predict(rest));
    expect(physics.predict(rest)).not.toEqual(corrected.predict(rest));
  });

  it('the report counts the rows of an unseen GPU', () => {
    const html = stacksHtml(model, [records[0], a100[0], a100[1]]);
    expect(html).toContain('was fitted on framework vLLM and hardware H100-SXM5-80GB');
    expect(html).toContain('2 of the 3 records (hardware A100-SXM4-80GB) are predicted by the physics fit');
  });
});
