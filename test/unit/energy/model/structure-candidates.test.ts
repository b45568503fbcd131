// The candidates of `fit --structure auto`, shared by the CLI and the web page's worker (collectCandidates,
// chooseAmong): physics first, the discovery's proposal or its note, the given structures, the optional ones listed
// with the reason when they fail to load; physics alone is kept without cross-validation.
import { describe, expect, it } from 'vitest';
import { EnergyLensError } from '../../../../src/errors.js';
import type { FitRecord } from '../../../../src/energy/model/fit.js';
import { PHYSICS_STRUCTURE } from '../../../../src/energy/model/structure-physics.js';
import { chooseAmong, collectCandidates } from '../../../../src/energy/model/structure-select.js';
import { simulate } from '../../../../src/energy/simulator/simulate.js';

const records: FitRecord[] = simulate({ models: ['Llama-3.1-8B-Instruct'], hardware: ['H100'], tp: [1, 2], pp: [1], batch: [1, 8], input: [512], output: [128], noise: 0.02, seed: 1 }).records;
const other = { ...structuredClone(PHYSICS_STRUCTURE), name: 'other' };

describe('collectCandidates and chooseAmong', () => {
  it('lists physics, the given structures and the optional ones; a failing optional one and an empty discovery are refused with the reason', async () => {
    const c = await collectCandidates({
      discovery: async () => ({ candidate: null, note: 'no correction beat physics' }),
      given: [{ structure: other, source: 'given.json' }],
      optional: [{ source: 'dir/bad.structure.json', load: () => { throw new EnergyLensError('INVALID_STRUCTURE', 'dir/bad.structure.json: not JSON'); } }],
      discoverySource: 'discovery',
    });
    expect(c.candidates.map((x) => [x.structure.name, x.source])).toEqual([['physics', 'built-in'], ['other', 'given.json']]);
    expect(c.refused).toEqual([{ source: 'discovery', error: 'no correction beat physics' }, { source: 'dir/bad.structure.json', error: 'dir/bad.structure.json: not JSON' }]);
    expect(c.discovered).toBeNull();
    expect(c.discoveryNote).toBe('no correction beat physics');
  });

  it('keeps a discovered proposal, and without discovery lists no discovery entry', async () => {
    const found = await collectCandidates({ discovery: async () => ({ candidate: { structure: other, source: 'discovery' } }) });
    expect(found.candidates.map((x) => x.structure.name)).toEqual(['physics', 'other']);
    expect(found.discovered?.name).toBe('other');
    const none = await collectCandidates({});
    expect(none.candidates).toHaveLength(1);
    expect(none.refused).toEqual([]);
  });

  it('physics alone is kept without cross-validation, the refused listed after it by file name', () => {
    const choice = chooseAmong(records, { candidates: [{ structure: PHYSICS_STRUCTURE, source: 'built-in' }], refused: [{ source: 'dir/bad.structure.json', error: 'not JSON' }] }, { seed: 0 }, 'a loaded structure file');
    expect(choice.structure.name).toBe('physics');
    expect(choice.selection.folds).toBe(0);
    expect(choice.selection.reason).toBe('no other candidate structure (a loaded structure file): physics, without cross-validation');
    expect(choice.selection.candidates.map((x) => [x.name, x.source, x.error ?? null])).toEqual([['physics', 'built-in', null], ['bad.structure.json', 'dir/bad.structure.json', 'not JSON']]);
  });
});
