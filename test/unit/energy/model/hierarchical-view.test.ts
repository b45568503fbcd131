// The shared fit's records with their series effect taken out are views of the records, not copies: every way of
// reading them (field, spread, keys, descriptor) must see the scaled energies and the record's other fields.
import { describe, expect, it } from 'vitest';
import { withoutEffect } from '../../../../src/energy/model/hierarchical.js';
import type { TrainRecord } from '../../../../src/energy/baselines/method.js';

const record = { model: 'Llama-3.1-8B', hardware: 'H100', tp: 2, pp: 1, batch: 16, output_tokens: 256, energy_j: 100, prefill_energy_j: 20, decode_energy_j: 80, tpot_s: 0.02 } as unknown as TrainRecord;

describe('withoutEffect', () => {
  it('scales every energy by exp(-shift) and leaves the rest, through reads, spreads and keys', () => {
    const v = withoutEffect(record, Math.log(2)) as unknown as Record<string, unknown>;
    const expected = { ...record, energy_j: 50, prefill_energy_j: 10, decode_energy_j: 40 } as Record<string, unknown>;
    for (const k of Object.keys(expected)) {
      if (typeof expected[k] === 'number') expect(v[k]).toBeCloseTo(expected[k] as number, 12);
      else expect(v[k]).toBe(expected[k]);
    }
    const copy = { ...v };
    expect(Object.keys(copy)).toEqual(Object.keys(record));
    for (const k of ['energy_j', 'prefill_energy_j', 'decode_energy_j']) expect(copy[k]).toBeCloseTo(expected[k] as number, 12);
    expect(copy.tpot_s).toBe(0.02);
    expect(Object.getOwnPropertyDescriptor(v, 'energy_j')?.value).toBeCloseTo(50, 12);
    expect((record as unknown as Record<string, number>).energy_j).toBe(100); // the record itself is untouched
  });

  it('returns the record itself when there is no effect', () => {
    expect(withoutEffect(record, 0)).toBe(record);
  });
});
