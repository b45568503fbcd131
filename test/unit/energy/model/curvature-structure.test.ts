// The opt-in structure examples/structures/physics-curvature.structure.json (issue 14): valid, and the physics closed form
// times exp(-d_curv (log batch - log 128)^2), so d_curv = 0 gives physics' predictions exactly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitEnergyModel } from '../../../../src/energy/model/fit.js';
import { predictEnergy } from '../../../../src/energy/model/predict.js';
import { parseStructure } from '../../../../src/energy/model/structure-check.js';
import type { EnergyModel } from '../../../../src/energy/model/model-file.js';
import { trainRecords } from '../sweep-fixture.js';

const file = new URL('../../../../examples/structures/physics-curvature.structure.json', import.meta.url);
const structure = parseStructure(readFileSync(file, 'utf8'), 'physics-curvature.structure.json');

/** `model` with the parameter values of `from` (by name) and d_curv at `d`. */
function withValues(model: EnergyModel, from: EnergyModel, d: number): EnergyModel {
  const value = new Map(from.parameters.map((p) => [p.name, p.value]));
  return { ...model, parameters: model.parameters.map((p) => ({ ...p, value: p.name === 'd_curv' ? d : value.get(p.name)! })) };
}

describe('the physics-curvature structure', () => {
  it('parses with twelve free parameters, tau_pp held, d_curv bounded at zero below', () => {
    expect(structure.parameters.filter((p) => !p.held)).toHaveLength(12);
    expect(structure.parameters.find((p) => p.name === 'tau_pp')?.held?.value).toBe(0.2);
    expect(structure.parameters.find((p) => p.name === 'd_curv')).toMatchObject({ lower: 0, upper: 1 });
  });

  it('is physics at d_curv = 0 and physics times exp(-d (log batch - log 128)^2) otherwise', () => {
    const physics = fitEnergyModel(trainRecords, { seed: 1 });
    const curved = fitEnergyModel(trainRecords, { seed: 1, structure });
    const configs = [8, 32, 128, 512, 2048].map((batch) => ({ ...trainRecords[0], batch }));
    const base = predictEnergy(physics, configs).map((p) => p.energyPerTokenJ);
    const flat = predictEnergy(withValues(curved, physics, 0), configs).map((p) => p.energyPerTokenJ);
    flat.forEach((e, i) => expect(e).toBeCloseTo(base[i], 10));
    const bent = predictEnergy(withValues(curved, physics, 0.05), configs).map((p) => p.energyPerTokenJ);
    configs.forEach((c, i) => expect(bent[i] / base[i]).toBeCloseTo(Math.exp(-0.05 * (Math.log(c.batch) - 4.852) ** 2), 10));
  });
});
