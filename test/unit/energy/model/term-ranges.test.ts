// The plain reading of a fitted correction's terms: the factor each term with a feature applies over a set of
// records, checked against the term computed by hand; constant terms are left to the parameter table.
import { describe, expect, it } from 'vitest';
import { correctionTermRanges, termRangeLines } from '../../../../src/energy/model/discovery/index.js';
import { fitEnergyModel, PHYSICS_STRUCTURE, recordFeatures, type Structure } from '../../../../src/energy/model/index.js';
import { sweep } from '../sweep-fixture.js';

const g = 'd1 * log(batch) - d2 * log(tp) * log(batch) + d3';
const corrected: Structure = {
  ...PHYSICS_STRUCTURE,
  name: 'physics-with-g',
  expressions: { ...PHYSICS_STRUCTURE.expressions, energy: `(${PHYSICS_STRUCTURE.expressions.energy}) * exp(${g})` },
  parameters: [
    ...PHYSICS_STRUCTURE.parameters,
    { name: 'd1', meaning: 'discovered term: power of batch', unit: '1', start: 0.05, lower: -2, upper: 2, phase: 'decode', origin: 'discovered' },
    { name: 'd2', meaning: 'discovered term: coefficient in the decode-energy term c * log(tp) * log(batch)', unit: '1', start: 0.01, lower: -2, upper: 2, phase: 'decode', origin: 'discovered' },
    { name: 'd3', meaning: 'discovered term: log of a constant factor on the decode energy', unit: '1', start: 0, lower: -2, upper: 2, phase: 'decode', origin: 'discovered' },
  ],
  discovery: { correction: { energy: g } },
};

describe('correctionTermRanges', () => {
  it('gives each term with a feature its smallest and largest factor over the records, with its sign', () => {
    const model = fitEnergyModel(sweep, { structure: corrected });
    const v = (name: string): number => model.parameters.find((p) => p.name === name)!.value;
    const ranges = correctionTermRanges(model, recordFeatures(sweep));
    expect(ranges.map((r) => [r.phase, r.parameters])).toEqual([['decode', ['d1']], ['decode', ['d2']]]);
    const first = sweep.map((r) => Math.exp(v('d1') * Math.log(r.batch)));
    const second = sweep.map((r) => Math.exp(-v('d2') * Math.log(r.tp) * Math.log(r.batch)));
    expect(ranges[0].low).toBeCloseTo(Math.min(...first), 10);
    expect(ranges[0].high).toBeCloseTo(Math.max(...first), 10);
    expect(ranges[1].low).toBeCloseTo(Math.min(...second), 10);
    expect(ranges[1].high).toBeCloseTo(Math.max(...second), 10);
    expect(ranges[1].term).toMatch(/^- /);
    const lines = termRangeLines(model, sweep, 'the sweep');
    expect(lines[0]).toMatch(/^d1 \* log\(batch\) \(d1\): multiplies the energy per output token by [\d.]+ to [\d.]+ over the sweep$/);
  });

  it('says nothing without records, or for records the catalog cannot describe', () => {
    const model = fitEnergyModel(sweep, { structure: corrected });
    expect(termRangeLines(model, [], 'none')).toEqual([]);
    expect(termRangeLines(model, [{ ...sweep[0], hardware: 'no-such-gpu' }], 'bad')).toEqual([]);
  });
});
