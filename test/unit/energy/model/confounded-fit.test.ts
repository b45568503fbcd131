// A structure whose discovered constant factors (one on the decode energy, one on the prefill energy) the records
// cannot tell apart from p_static, once the energy terms that would separate them are held at 0 (as cross-validation
// drops them): the fit holds one factor, says why, and gives every fitted parameter an interval of its own; the
// predictions are those of the same structure fitted without that factor.
import { describe, expect, it } from 'vitest';
import { fittedDiscoveredTerms } from '../../../../src/energy/model/discovery/index.js';
import { fitEnergyModel, PHYSICS_STRUCTURE, predictEnergy, type Structure } from '../../../../src/energy/model/index.js';
import { sweep } from '../sweep-fixture.js';

const ENERGY_TERMS = ['e_byte', 'e_flop', 'e_comm', 'e_gpu'];
const withFactor: Structure = {
  ...PHYSICS_STRUCTURE,
  name: 'physics-with-factor',
  expressions: { ...PHYSICS_STRUCTURE.expressions, energy: `(${PHYSICS_STRUCTURE.expressions.energy}) * exp(d1)`, prefill: `(${PHYSICS_STRUCTURE.expressions.prefill}) * exp(d2)` },
  parameters: [
    ...PHYSICS_STRUCTURE.parameters.map((p) => (ENERGY_TERMS.includes(p.name) ? { ...p, held: { value: 0, reason: 'test: dropped' } } : p)),
    { name: 'd1', meaning: 'discovered term: log of a constant factor on the decode energy', unit: '1', start: 0.3, lower: -5, upper: 5, phase: 'decode', origin: 'discovered' },
    { name: 'd2', meaning: 'discovered term: log of a constant factor on the prefill energy', unit: '1', start: -0.2, lower: -5, upper: 5, phase: 'prefill', origin: 'discovered' },
  ],
};

describe('a fit with a confounded discovered parameter', () => {
  it('holds one discovered factor at 0 with the reason, and p_static takes it over with an interval of its own', () => {
    const model = fitEnergyModel(sweep, { structure: withFactor });
    const d1 = model.parameters.find((p) => p.name === 'd1')!;
    expect(d1.held).toBe(true);
    expect(d1.value).toBe(0);
    expect(d1.reason).toMatch(/confounded with p_static, d2: the records fix only their combination/);
    // what the report and the demo show for the term says so (a structure without discovery provenance lists no terms)
    const terms = fittedDiscoveredTerms({ ...model, structure: { ...model.structure, discovery: { termsAdded: [{ parameter: 'd1', value: 0.3, unit: '1', phase: 'decode', meaning: d1.meaning.replace('discovered term: ', '') }] } } });
    expect(terms[0].heldReason).toBe(d1.reason);
    for (const p of model.parameters.filter((q) => !q.held)) {
      expect(p.standardError, p.name).not.toBeNull();
      expect(p.high, p.name).toBeGreaterThan(p.low);
      expect(p.confoundedWith, p.name).toBeUndefined();
    }
    // the fit of the structure without the factor, up to where the restarts of either fit land (the records cannot see the factor)
    const plain = fitEnergyModel(sweep, { structure: { ...withFactor, expressions: { ...withFactor.expressions, energy: `(${PHYSICS_STRUCTURE.expressions.energy})` }, parameters: withFactor.parameters.filter((p) => p.name !== 'd1') } });
    const a = predictEnergy(model, sweep.slice(0, 10));
    const b = predictEnergy(plain, sweep.slice(0, 10));
    a.forEach((p, i) => expect(Math.abs(p.energyPerTokenJ / b[i].energyPerTokenJ - 1)).toBeLessThan(0.015));
    expect(Math.abs(model.fit.loss / plain.fit.loss - 1)).toBeLessThan(0.02);
  });
});
