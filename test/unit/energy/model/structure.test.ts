// Structures as data: the feature registry, the file checks, and the built-in `physics` structure against the
// closed form it replaces.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importMlEnergy } from '../../../../src/energy/adapters/mlenergy.js';
import { configurationFeatures, type ConfigurationInput, type EnergyFeatures } from '../../../../src/energy/model/features.js';
import { PARAMETERS } from '../../../../src/energy/model/closed-form.js';
import { featureMatrix, STRUCTURE_FEATURES, STRUCTURE_FEATURE_NAMES } from '../../../../src/energy/model/structure-features.js';
import { PHYSICS_STRUCTURE } from '../../../../src/energy/model/structure-physics.js';
import { compileStructure, MAX_FREE_PARAMETERS, type Structure } from '../../../../src/energy/model/structure.js';
import { feasibilityGrid, parseStructure, readStructure, validateStructure } from '../../../../src/energy/model/structure-check.js';
import { simulate } from '../../../../src/energy/simulator/simulate.js';
import { compile, createRng, createWasmEvaluator, parseExpression, ParametricEvaluator } from '../../../../src/sr/index.js';
import { LEGACY_COLUMNS, legacyColumns, legacyExpression } from './legacy-closed-form.js';

const MLE = join(process.cwd(), '../shared/data/mlenergy-v3');
const codeOf = (f: () => unknown): string | undefined => { try { f(); } catch (e) { return (e as { code?: string }).code; } return undefined; };
const messageOf = (f: () => unknown): string => { try { f(); } catch (e) { return (e as Error).message; } return ''; };

const KINDS = ['energy', 'latency', 'prefill'] as const;

/** Largest relative difference between the legacy closed form and the physics structure over these features. */
function maxRelativeDifference(features: EnergyFeatures[], values: number[]): number {
  const n = features.length;
  const legacy = createWasmEvaluator();
  const model = compileStructure(PHYSICS_STRUCTURE);
  const data = Object.fromEntries(KINDS.map((k) => [k, { X: featureMatrix(features, k, model.features), nRows: n }]));
  const ev = new ParametricEvaluator(model, data);
  let worst = 0;
  try {
    const program = compile(parseExpression(legacyExpression(values), LEGACY_COLUMNS));
    for (const kind of KINDS) {
      const X = new Float64Array(LEGACY_COLUMNS.length * n);
      features.forEach((f, r) => legacyColumns(f, kind).forEach((v, c) => { X[c * n + r] = v; }));
      legacy.setDataset({ X, nFeatures: LEGACY_COLUMNS.length, nRows: n, y: new Float64Array(n).fill(1) });
      const expected = legacy.predict(program);
      const got = ev.predict(model.kinds.find((k) => k.name === kind)!, values);
      for (let r = 0; r < n; r++) {
        expect(expected[r]).toBeGreaterThan(0);
        worst = Math.max(worst, Math.abs(got[r] - expected[r]) / Math.abs(expected[r]));
      }
    }
  } finally {
    legacy.dispose();
    ev.dispose();
  }
  return worst;
}

function parameterDraws(): number[][] {
  const rng = createRng(7);
  return [PARAMETERS.map((p) => p.initial), ...Array.from({ length: 4 }, () => PARAMETERS.map((p) => p.initial * Math.exp(rng.normal())))];
}

function physicsWith(change: (s: Structure) => void): Structure {
  const s = structuredClone(PHYSICS_STRUCTURE) as Structure;
  change(s);
  return s;
}

describe('the feature registry', () => {
  it('names each feature once, with a unit and a meaning, and gives finite values', () => {
    expect(new Set(STRUCTURE_FEATURE_NAMES).size).toBe(STRUCTURE_FEATURES.length);
    const f = configurationFeatures({ model: 'Llama-3.1-70B-Instruct', hardware: 'H100', tp: 4, pp: 2, batch: 32, input_tokens: 1000, output_tokens: 500 });
    for (const feature of STRUCTURE_FEATURES) {
      expect(feature.unit.length, feature.name).toBeGreaterThan(0);
      expect(feature.meaning.length, feature.name).toBeGreaterThan(0);
      expect(Number.isFinite(feature.value(f, 'energy')), feature.name).toBe(true);
    }
    expect(STRUCTURE_FEATURES.find((x) => x.name === 'pp')!.value(f, 'energy')).toBe(2);
    expect(STRUCTURE_FEATURES.find((x) => x.name === 'params_b')!.value(f, 'energy')).toBeCloseTo(70, 0);
  });

  it('lays a matrix out feature-major', () => {
    const fs = [1, 8].map((batch) => configurationFeatures({ model: 'Llama-3.1-8B-Instruct', hardware: 'H100', tp: 1, pp: 1, batch, output_tokens: 100 }));
    expect(Array.from(featureMatrix(fs, 'energy', ['batch', 'gpus']))).toEqual([1, 8, 1, 1]);
    expect(codeOf(() => featureMatrix(fs, 'energy', ['nope']))).toBe('INVALID_OPTION');
  });
});

describe('the physics structure', () => {
  it('is a valid structure with the twelve closed-form parameters, in order', () => {
    expect(validateStructure(structuredClone(PHYSICS_STRUCTURE))).toBeTruthy();
    expect(PHYSICS_STRUCTURE.parameters.map((p) => p.name)).toEqual(PARAMETERS.map((p) => p.name));
    expect(readStructure('physics')).toBe(PHYSICS_STRUCTURE);
  });

  it('predicts what the closed form predicts (1e-9 relative) on simulated records', () => {
    const { records } = simulate({ models: ['Llama-3.1-8B-Instruct', 'Qwen3-30B-A3B-Instruct-2507', 'Llama-3.1-70B-Instruct'], hardware: ['H100', 'B200'], tp: [1, 2, 4, 8], pp: [1, 2, 4], batch: [1, 16, 128], input: [256, 2048], output: [128, 512], noise: 0, seed: 1 });
    const features = records.map((r) => configurationFeatures(r));
    expect(features.length).toBeGreaterThan(100);
    for (const values of parameterDraws()) expect(maxRelativeDifference(features, values)).toBeLessThan(1e-9);
  });

  it.skipIf(!existsSync(MLE))('predicts what the closed form predicts (1e-9 relative) on ML.ENERGY v3', () => {
    const records = importMlEnergy(MLE);
    const features = records.map((r) => configurationFeatures(r as ConfigurationInput));
    for (const values of parameterDraws()) expect(maxRelativeDifference(features, values)).toBeLessThan(1e-9);
  });
  if (!existsSync(MLE)) it.skip(`ML.ENERGY v3 not found at ${MLE}: the comparison on its records is skipped`, () => {});
});

describe('structure files are checked', () => {
  const text = (s: unknown): string => JSON.stringify(s);

  it('refuses text that is not JSON', () => {
    expect(codeOf(() => parseStructure('{ "format": ', 'S.json'))).toBe('INVALID_STRUCTURE');
    expect(messageOf(() => parseStructure('{ "format": ', 'S.json'))).toMatch(/^S\.json: not valid JSON/);
  });

  it('refuses an unknown feature, naming it', () => {
    const s = physicsWith((x) => { x.expressions.energy += ' + e_gpu * watts_per_fairy'; });
    expect(codeOf(() => parseStructure(text(s), 'S.json'))).toBe('INVALID_STRUCTURE');
    expect(messageOf(() => parseStructure(text(s), 'S.json'))).toMatch(/unknown feature "watts_per_fairy"/);
  });

  it(`refuses more than ${MAX_FREE_PARAMETERS} free parameters, and accepts them when the extra one is held`, () => {
    const extra = { name: 'c_extra', meaning: 'discovered term', unit: 'J', start: 0.01, lower: 0, upper: 1, phase: 'decode' as const, origin: 'discovered' as const };
    const s = physicsWith((x) => { x.expressions.energy += ' + c_extra * batch'; x.parameters.push(extra); });
    expect(messageOf(() => parseStructure(text(s), 'S.json'))).toMatch(/13 free parameters.*at most 12/);
    s.parameters[0].held = { value: 1.5, reason: 'calibrated elsewhere' };
    expect(parseStructure(text(s), 'S.json').parameters).toHaveLength(13);
  });

  it('refuses a structure that goes negative on a feasible configuration, naming where', () => {
    const s = physicsWith((x) => {
      x.expressions.energy += ' - c_neg * batch';
      x.parameters.push({ name: 'c_neg', meaning: 'discovered term', unit: 'J', start: 1e3, lower: 0, upper: 1e4, phase: 'decode', origin: 'discovered' });
      x.parameters[11].held = { value: 20, reason: 'to keep twelve free' };
    });
    expect(codeOf(() => parseStructure(text(s), 'S.json'))).toBe('INVALID_STRUCTURE');
    expect(messageOf(() => parseStructure(text(s), 'S.json'))).toMatch(/expressions\.energy gives -?[\d.e+-]+ for .* on .*, tp \d+, pp \d+, batch \d+, .*at the starting values/);
    // positive at the start but negative within the bounds is refused too
    s.parameters[12].start = 0;
    expect(messageOf(() => parseStructure(text(s), 'S.json'))).toMatch(/within the bounds|upper bound/);
  });

  it('refuses bad shapes with the field named', () => {
    expect(messageOf(() => validateStructure([], 'S.json'))).toMatch(/not a JSON object/);
    expect(messageOf(() => validateStructure({ ...PHYSICS_STRUCTURE, format: 'x' }, 'S.json'))).toMatch(/format/);
    expect(messageOf(() => validateStructure(physicsWith((x) => { delete (x.expressions as { energy?: string }).energy; }), 'S.json'))).toMatch(/expressions\.energy is required/);
    expect(messageOf(() => validateStructure(physicsWith((x) => { x.parameters[2].lower = 5; }), 'S.json'))).toMatch(/k_mem.*start 1\.2 must lie within/);
    expect(messageOf(() => validateStructure(physicsWith((x) => { x.parameters[2].name = 'batch'; }), 'S.json'))).toMatch(/feature's name/);
    expect(messageOf(() => validateStructure(physicsWith((x) => { x.parameters.push({ ...x.parameters[0], name: 'unused_p' }); x.parameters[1].held = { value: 100, reason: 'r' }; }), 'S.json'))).toMatch(/unused_p appears in no expression/);
    expect(messageOf(() => validateStructure(physicsWith((x) => { x.expressions.energy += ' + (e_gpu'; }), 'S.json'))).toMatch(/^S\.json: .*expected/);
  });

  it('checks on a grid of feasible configurations only', () => {
    const grid = feasibilityGrid();
    expect(grid.length).toBeGreaterThan(500);
    expect(grid.every((g) => g.features.memoryFraction <= 1)).toBe(true);
  });
});
