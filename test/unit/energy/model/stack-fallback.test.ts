// The stack rule: a structure with a discovered correction applies to the serving stacks its training records hold;
// rows of any other stack (or without the column) get the plain physics structure fitted on the same records and
// stored beside it in the model file (an optional section, so the file stays version 3).
import { describe, expect, it } from 'vitest';
import { simulate } from '../../../../src/energy/simulator/index.js';
import {
  fallbackModel, fitEnergyModel, PHYSICS_STRUCTURE, predictEnergy, selectConfigurations, stacksOf, validateEnergyModel, withStackFallback,
} from '../../../../src/energy/model/index.js';
import { structureMethod } from '../../../../src/energy/baselines/closed-form.js';
import { CORRECTED } from './corrected-structure.js';
import { stacksHtml } from '../../../../src/energy/report/html.js';

const sim = simulate({
  models: ['Llama-3.1-8B-Instruct'], hardware: ['H100'], tp: [1, 2], pp: [1],
  batch: [1, 8, 64], input: [512], output: [128, 1024], noise: 0.02, seed: 3,
}).records;
// two stacks; energy per token grows as batch^0.2, which only the correction follows
const records = sim.map((r, i) => ({ ...r, framework: i % 2 === 0 ? 'vLLM' : 'SGLang', energy_j: r.energy_j * r.batch ** 0.2 }));
const options = { seed: 1, structure: CORRECTED, restarts: 2 };

describe('withStackFallback', () => {
  const model = withStackFallback(fitEnergyModel(records, options), records, options);

  it('stores the physics fit of the same records beside a corrected structure, with the stacks seen', () => {
    const fb = model.stackFallback!;
    expect(fb.column).toBe('framework');
    expect(fb.seen).toEqual(['SGLang', 'vLLM']);
    expect(fb.model.structure.name).toBe('physics');
    const physics = fitEnergyModel(records, { ...options, structure: PHYSICS_STRUCTURE });
    expect(fb.model.parameters.map((p) => p.value)).toEqual(physics.parameters.map((p) => p.value));
  });

  it('predicts a seen stack by the chosen structure and any other by the physics fit, and says which', () => {
    const rows = [{ ...records[0], framework: 'vLLM' }, { ...records[0], framework: 'TensorRT-LLM' }, { ...records[0], framework: undefined }, { ...records[1], framework: 'SGLang' }];
    const p = predictEnergy(model, rows);
    const chosen = predictEnergy({ ...model, stackFallback: undefined }, rows);
    const physics = predictEnergy(fallbackModel(model), rows);
    expect(p.map((x) => x.stack?.applied)).toEqual(['chosen', 'physics', 'physics', 'chosen']);
    expect(p.map((x) => x.stack?.value)).toEqual(['vLLM', 'TensorRT-LLM', '', 'SGLang']);
    expect(p[0].energyPerTokenJ).toBe(chosen[0].energyPerTokenJ);
    expect(p[3].energyPerTokenJ).toBe(chosen[3].energyPerTokenJ);
    expect(p[1].energyPerTokenJ).toBe(physics[1].energyPerTokenJ);
    expect(p[2].energyPerTokenJ).toBe(physics[2].energyPerTokenJ);
    expect(p[1].energyPerTokenJ).not.toBe(chosen[1].energyPerTokenJ);
    expect(predictEnergy(fitEnergyModel(records, options), rows)[0].stack).toBeNull();
  });

  it('adds nothing to physics, to records without stacks, or with --stack-column none; refuses an unfilled named column', () => {
    const physics = fitEnergyModel(records, { ...options, structure: PHYSICS_STRUCTURE });
    expect(withStackFallback(physics, records, options)).toBe(physics);
    const bare = records.map(({ framework, ...r }) => { void framework; return r; });
    const m = fitEnergyModel(bare, options);
    // the hardware scope alone stays (fallback-scope.test.ts); without it, nothing
    expect(withStackFallback(m, bare, options).stackFallback).toMatchObject({ scopes: [{ column: 'hardware' }] });
    expect(withStackFallback(m, bare, options).stackFallback!.column).toBeUndefined();
    expect(withStackFallback(m, bare, { ...options, fallbackColumns: [] }).stackFallback).toBeUndefined();
    expect(withStackFallback(fitEnergyModel(records, options), records, { ...options, stackColumn: 'none', fallbackColumns: [] }).stackFallback).toBeUndefined();
    expect(stacksOf(records, 'none')).toBeNull();
    expect(stacksOf(records, 'model')).toEqual({ column: 'model', seen: [records[0].model] });
    expect(() => stacksOf(records, 'runtime')).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/--stack-column runtime: no record has a "runtime" value/) }));
  });

  it('round-trips through the model file; a malformed section is refused; without it the file loads as before', () => {
    const back = validateEnergyModel(JSON.parse(JSON.stringify(model)), 'm.json');
    expect(back.stackFallback!.seen).toEqual(['SGLang', 'vLLM']);
    const { stackFallback, ...older } = JSON.parse(JSON.stringify(model));
    void stackFallback;
    expect(validateEnergyModel(older, 'm.json').stackFallback).toBeUndefined();
    const bad = (fb: unknown, re: RegExp): void => {
      expect(() => validateEnergyModel({ ...JSON.parse(JSON.stringify(model)), stackFallback: fb }, 'm.json')).toThrow(expect.objectContaining({ code: 'INVALID_MODEL_FILE', message: expect.stringMatching(re) }));
    };
    bad({ ...model.stackFallback, seen: [] }, /m\.json: stackFallback\.seen must list/);
    bad({ ...model.stackFallback, column: 3 }, /stackFallback\.column/);
    bad({ ...model.stackFallback, model: { ...model.stackFallback!.model, parameters: model.stackFallback!.model.parameters.slice(1) } }, /m\.json: stackFallback\.model: expected 12 parameters/);
  });

  it('evaluate\'s structure method follows the rule', () => {
    const fitted = structureMethod(CORRECTED).fit(records, { seed: 1 });
    const rows = [{ ...records[2], framework: 'TensorRT-LLM' }];
    const physics = fitEnergyModel(records, { seed: 1, structure: PHYSICS_STRUCTURE });
    expect(fitted.predict(rows)[0]).toBeCloseTo(predictEnergy(physics, rows)[0].energyPerTokenJ, 12);
  });

  it('select uses the stack given, else the only stack the model was fitted on, else the physics fit', () => {
    const o = { llm: 'Llama-3.1-8B-Instruct', hardware: 'H100', inputTokens: 512, outputTokens: 128, maxGpus: 2, batch: [8] };
    expect(selectConfigurations(model, o).stack).toMatchObject({ applied: 'physics', value: '' });
    expect(selectConfigurations(model, { ...o, stack: 'SGLang' }).stack).toMatchObject({ applied: 'chosen', value: 'SGLang' });
    const vllm = records.filter((r) => r.framework === 'vLLM');
    const one = withStackFallback(fitEnergyModel(vllm, options), vllm, options);
    expect(one.stackFallback!.seen).toEqual(['vLLM']);
    expect(selectConfigurations(one, o).stack).toMatchObject({ applied: 'chosen', value: 'vLLM' });
    expect(selectConfigurations(one, { ...o, stack: 'TensorRT-LLM' }).stack).toMatchObject({ applied: 'physics' });
  });

  it('the report says which stacks the structure was fitted on and how many rows got the physics fit', () => {
    const rows = [{ ...records[0], framework: 'vLLM' }, { ...records[1], framework: 'TensorRT-LLM' }, { ...records[2], framework: undefined }];
    const html = stacksHtml(model, rows);
    expect(html).toContain('was fitted on framework SGLang, vLLM');
    expect(html).toContain('2 of the 3 records (framework (none), TensorRT-LLM) are predicted by the physics fit');
    expect(stacksHtml(model, rows.slice(0, 1))).toContain('every one of the 1 records is of one of them');
    expect(stacksHtml(fallbackModel(model), rows)).toBe('');
  });
});
