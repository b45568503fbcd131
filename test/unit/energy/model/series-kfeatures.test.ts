// Features of a series' own k records (series-kfeatures.ts): the effects' posterior shift they carry, the setting's
// and workload's means and counts, the nearest record preferring the record's own setting, no records the prior;
// training rows drawn per series as a new deployment is seen (counts, targets, seeded).
import { describe, expect, it } from 'vitest';
import { effectFor, posteriorOf, seriesStats, type SeriesBy, type VarianceComponents } from '../../../../src/energy/model/series-effects.js';
import { K_FEATURE_NAMES, kFeatureRows, kRecordFeatures } from '../../../../src/energy/model/series-kfeatures.js';

const BY: SeriesBy = { series: ['model'], setting: ['tp', 'workload'] };
const C: VarianceComponents = { sigma: 0.05, tauLevel: 0.3, tauSlope: 0.1, tauSetting: 0.15 };
const CENTER = 2;
const f = (name: typeof K_FEATURE_NAMES[number], v: number[]): number => v[K_FEATURE_NAMES.indexOf(name)];

describe('features of a series\' k records', () => {
  const own = {
    records: [{ model: 'm', batch: 4, tp: 1, workload: 'chat' }, { model: 'm', batch: 64, tp: 1, workload: 'chat' }, { model: 'm', batch: 9, tp: 2, workload: 'code' }],
    residuals: [0.2, 0.3, -0.1],
  };

  it('carry the effects\' posterior shift and spread at the record, and the k records\' means by setting and workload', () => {
    const target = { model: 'm', batch: 8, tp: 1, workload: 'chat' };
    const q = kRecordFeatures(target, own, 'm', BY, CENTER, C);
    const post = posteriorOf(seriesStats(own.records, own.residuals, BY, CENTER)[0], C);
    const e = effectFor(target, BY, CENTER, C, new Map([['m', post]]), 'm');
    expect(q.shift).toBeCloseTo(e.shift, 12);
    expect(q.sd).toBeCloseTo(e.sd, 12);
    expect(q.features).toHaveLength(K_FEATURE_NAMES.length);
    expect(f('k', q.features)).toBe(3);
    expect(f('k_mean', q.features)).toBeCloseTo(0.4 / 3, 12);
    expect(f('k_setting_mean', q.features)).toBeCloseTo(0.25, 12);
    expect(f('k_setting_n', q.features)).toBe(2);
    expect(f('k_workload_n', q.features)).toBe(2);
    // batch 9 at tp 2 is nearer in log batch, but the nearest is taken within the record's own setting first
    expect(f('k_nearest', q.features)).toBe(0.2);
    expect(f('k_nearest_dlogbatch', q.features)).toBeCloseTo(Math.log(2), 12);
    expect(f('k_nearest_same_setting', q.features)).toBe(1);
    // a setting none of the k records has: the mean of all k, count 0, the nearest from another setting
    const video = { model: 'm', batch: 8, tp: 4, workload: 'video' };
    const other = kRecordFeatures(video, own, 'm', BY, CENTER, C);
    expect(f('k_setting_mean', other.features)).toBeCloseTo(0.4 / 3, 12);
    expect(f('k_setting_n', other.features)).toBe(0);
    expect(f('k_nearest', other.features)).toBe(-0.1);
    expect(f('k_nearest_same_setting', other.features)).toBe(0);
  });

  it('with no record give no shift and the prior\'s spread', () => {
    const target = { model: 'm', batch: 8, tp: 1, workload: 'chat' };
    const q = kRecordFeatures(target, { records: [], residuals: [] }, 'm', BY, CENTER, C);
    const c = Math.log(8) - CENTER;
    expect(q.shift).toBe(0);
    expect(q.sd ** 2).toBeCloseTo(C.tauLevel ** 2 + c * c * C.tauSlope ** 2 + C.tauSetting ** 2 + C.sigma ** 2, 12);
    expect(f('k', q.features)).toBe(0);
  });

  it('build training rows from draws of k records of each series larger than k, the target the residual less the shift', () => {
    const records = [...Array.from({ length: 12 }, (_, i) => ({ model: 'a', batch: 2 ** (i % 6), tp: 1 + (i % 2), workload: 'chat' })), ...Array.from({ length: 4 }, (_, i) => ({ model: 'b', batch: 2 ** i, tp: 1, workload: 'chat' }))];
    const residuals = records.map((r, i) => (r.model === 'a' ? 0.2 : -0.1) + 0.01 * i);
    const keys = records.map((r) => r.model);
    const rows = kFeatureRows(records, residuals, keys, BY, CENTER, C, { ks: [3, 5], draws: 2, seed: 3 });
    // series a: 2 draws x (12 - 3) + 2 draws x (12 - 5); series b (4 records): 2 draws x (4 - 3)
    expect(rows.index).toHaveLength(2 * 9 + 2 * 7 + 2 * 1);
    rows.index.forEach((i, j) => {
      expect(rows.target[j]).toBeCloseTo(residuals[i] - f('k_shift', rows.features[j]), 12);
      expect([3, 5]).toContain(f('k', rows.features[j]));
    });
    expect(kFeatureRows(records, residuals, keys, BY, CENTER, C, { ks: [3, 5], draws: 2, seed: 3 })).toEqual(rows);
    expect(kFeatureRows(records, residuals, keys, BY, CENTER, C, { ks: [3, 5], draws: 2, seed: 4 }).features).not.toEqual(rows.features);
  });
});
