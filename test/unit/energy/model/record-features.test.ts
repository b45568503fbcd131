// recordFeatures computes each distinct configuration once: records of the same configuration share one
// features object equal to configurationFeatures', records that differ in any input get their own.
import { describe, expect, it } from 'vitest';
import { configurationFeatures, configurationKey, recordFeatures, type ConfigurationInput } from '../../../../src/energy/model/features.js';

const base: ConfigurationInput = { model: 'Llama-3.1-8B', hardware: 'H100', tp: 1, pp: 1, batch: 8, output_tokens: 256, input_tokens: 512 };

describe('recordFeatures', () => {
  it('shares one object between records of one configuration and equals configurationFeatures', () => {
    const records = [base, { ...base }, { ...base, batch: 16 }, { ...base, input_tokens: undefined }, { ...base, workload: 'chat' }, { ...base }];
    const f = recordFeatures(records);
    expect(f[1]).toBe(f[0]);
    expect(f[5]).toBe(f[0]);
    expect(new Set(f).size).toBe(4);
    records.forEach((r, i) => expect(f[i]).toEqual(configurationFeatures(r)));
    expect(configurationKey({ ...base, tp: 2 })).not.toBe(configurationKey(base));
  });

  it('names the first record of a configuration the catalog does not know', () => {
    expect(() => recordFeatures([base, { ...base, hardware: 'NoSuchGPU' }, { ...base, hardware: 'NoSuchGPU' }], {}, 'r.csv')).toThrow(/r\.csv, row 2/);
  });
});
