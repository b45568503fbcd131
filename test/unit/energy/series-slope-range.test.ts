// A series' slope in log batch held within its records' batch range (VarianceComponents.slopeWithinRange).
import { describe, expect, it } from 'vitest';
import {
  effectFor, estimateComponents, mergeStats, posteriorOf, seriesStats, withoutStats, type RecordLike, type SeriesBy, type VarianceComponents,
} from '../../../src/energy/model/series-effects.js';
import {
  DEFAULT_SERIES_SPREADS, fitEnergyModel, fitSeriesEffects, PHYSICS_STRUCTURE, predictEnergy, validateEnergyModel, type EnergyModel, type FitRecord,
} from '../../../src/energy/model/index.js';
import { simulate } from '../../../src/energy/simulator/index.js';

const BY: SeriesBy = { series: ['model'], setting: ['tp'] };
const CENTER = Math.log(16);
const C: VarianceComponents = { sigma: 0.05, tauLevel: 0.3, tauSlope: 0.1, tauSetting: 0.05 };
/** A record of series `model` at tp 1 and this batch. */
const at = (model: string, batch: number): RecordLike => ({ model, tp: 1, batch }) as RecordLike;

/** One series on batches 4..16 whose residual rises with log batch, and one on 1..64. */
function twoSeries() {
  const records = [
    ...[4, 8, 16].map((batch) => ({ model: 'a', tp: 1, batch })),
    ...[1, 8, 64].map((batch) => ({ model: 'b', tp: 1, batch })),
  ];
  const r = records.map((x) => (x.model === 'a' ? 0.2 + 0.15 * (Math.log(x.batch) - CENTER) : -0.1));
  return { records, r };
}

describe('series batch range', () => {
  it('stores each series\' lowest and highest centred log batch; merging spans both, taking records out keeps it', () => {
    const { records, r } = twoSeries();
    const [a, b] = seriesStats(records, r, BY, CENTER);
    expect(a.range![0]).toBeCloseTo(Math.log(4) - CENTER, 12);
    expect(a.range![1]).toBeCloseTo(0, 12);
    expect(b.range![0]).toBeCloseTo(-CENTER, 12);
    expect(b.range![1]).toBeCloseTo(Math.log(64) - CENTER, 12);
    const more = seriesStats([at('a', 128)], [0.3], BY, CENTER)[0];
    expect(mergeStats(a, more).range).toEqual([a.range![0], Math.log(128) - CENTER]);
    const one = seriesStats([records[0]], [r[0]], BY, CENTER)[0];
    expect(withoutStats(a, one).range).toEqual(a.range);
    // statistics from a model file written before ranges: the merge has none (no range, no clamping)
    const { range: _, ...old } = a;
    expect(mergeStats(old, more).range).toBeUndefined();
  });

  it('beyond the range: the effect at the nearer end, the slope\'s prior spread over the distance; within it: as before', () => {
    const { records, r } = twoSeries();
    const [a] = seriesStats(records, r, BY, CENTER);
    const post = new Map([['a', posteriorOf(a, C)]]);
    const guarded: VarianceComponents = { ...C, slopeWithinRange: true };
    expect(post.get('a')!.mean[1]).toBeGreaterThan(0.05);
    // within (batch 8): the same shift and spread with and without the guard
    const inside = at('a', 8);
    expect(effectFor(inside, BY, CENTER, guarded, post)).toEqual(effectFor(inside, BY, CENTER, C, post));
    // beyond (batch 256): the guarded shift is the one at batch 16, the top of the range
    const edge = effectFor(at('a', 16), BY, CENTER, guarded, post);
    const far = effectFor(at('a', 256), BY, CENTER, guarded, post);
    expect(far.shift).toBeCloseTo(edge.shift, 12);
    const d = Math.log(256) - Math.log(16);
    expect(far.sd ** 2).toBeCloseTo(edge.sd ** 2 + d * d * C.tauSlope ** 2, 12);
    // unguarded: the line goes on (the shift grows by the posterior slope times the distance)
    const line = effectFor(at('a', 256), BY, CENTER, C, post);
    expect(line.shift - edge.shift).toBeCloseTo(post.get('a')!.mean[1] * d, 12);
    // below the range (batch 1): held at batch 4
    const low = effectFor(at('a', 1), BY, CENTER, guarded, post);
    expect(low.shift).toBeCloseTo(effectFor(at('a', 4), BY, CENTER, guarded, post).shift, 12);
    // a posterior without a range (a model file written before): the line, guard or not
    const { range: _, ...noRange } = post.get('a')!;
    const old = new Map([['a', noRange]]);
    expect(effectFor(at('a', 256), BY, CENTER, guarded, old).shift).toBeCloseTo(line.shift, 12);
  });

  it('estimateComponents marks the components only when asked', () => {
    const { records, r } = twoSeries();
    const stats = seriesStats(records, r, BY, CENTER);
    expect(estimateComponents(stats).slopeWithinRange).toBeUndefined();
    expect(estimateComponents(stats, { slopeWithinRange: true }).slopeWithinRange).toBe(true);
  });
});

describe('a fitted model with the guard', () => {
  const sim = simulate({
    models: ['meta-llama/Llama-3.1-8B-Instruct', 'Qwen/Qwen3-30B-A3B-Instruct-2507'], hardware: ['H100', 'B200'],
    tp: [1, 2, 4], pp: [1], batch: [4, 16, 64, 256], input: [512], output: [256], noise: 0.02, seed: 3,
  }).records as FitRecord[];
  // each series' energy bends with batch in its own way, which the shared structure cannot carry
  const bent = sim.map((x, i) => ({ ...x, energy_j: x.energy_j * Math.exp((i % 2 === 0 ? 0.1 : -0.08) * Math.log(x.batch / 16) * (x.hardware.startsWith('H') ? 1 : -1)) }));
  const small = bent.filter((x) => x.batch <= 16);
  const large = bent.filter((x) => x.batch > 16);
  const FIT = { structure: PHYSICS_STRUCTURE, restarts: 0, seed: 0 };
  const pooled = fitEnergyModel(small, FIT);
  const guarded = fitSeriesEffects(pooled, small, FIT, { spreads: { ...DEFAULT_SERIES_SPREADS, slopeMinSeries: 0, slopeWithinRange: true } });

  it('stores the flag and the ranges, and a file with both passes validation and round-trips', () => {
    expect(guarded.series!.components.slopeWithinRange).toBe(true);
    expect(guarded.series!.stats.every((s) => s.range && s.range[0] <= s.range[1])).toBe(true);
    const back = validateEnergyModel(JSON.parse(JSON.stringify(guarded)));
    expect(predictEnergy(back, large).map((p) => p.energyPerTokenJ)).toEqual(predictEnergy(guarded, large).map((p) => p.energyPerTokenJ));
  });

  it('predicts within the records\' batches as without the guard, and differs only beyond them', () => {
    const off: EnergyModel = JSON.parse(JSON.stringify(guarded));
    delete off.series!.components.slopeWithinRange;
    const on = predictEnergy(guarded, small).map((p) => p.energyPerTokenJ);
    const without = predictEnergy(off, small).map((p) => p.energyPerTokenJ);
    on.forEach((v, i) => expect(v).toBeCloseTo(without[i], 10));
    const onLarge = predictEnergy(guarded, large);
    const offLarge = predictEnergy(off, large);
    expect(onLarge.some((p, i) => Math.abs(p.energyPerTokenJ / offLarge[i].energyPerTokenJ - 1) > 1e-6)).toBe(true);
  });

  it('a model file written before (no ranges, no flag) predicts as it did', () => {
    const old: EnergyModel = JSON.parse(JSON.stringify(guarded));
    delete old.series!.components.slopeWithinRange;
    for (const s of old.series!.stats) delete s.range;
    const unguarded: EnergyModel = JSON.parse(JSON.stringify(old));
    // the old file with the flag set but no ranges: nothing to clamp to, the same predictions
    const flagged: EnergyModel = JSON.parse(JSON.stringify(old));
    flagged.series!.components.slopeWithinRange = true;
    const a = predictEnergy(validateEnergyModel(old), large).map((p) => p.energyPerTokenJ);
    expect(predictEnergy(validateEnergyModel(flagged), large).map((p) => p.energyPerTokenJ)).toEqual(a);
    expect(predictEnergy(unguarded, large).map((p) => p.energyPerTokenJ)).toEqual(a);
  });

  it('refuses a malformed range or flag', () => {
    const bad1: EnergyModel = JSON.parse(JSON.stringify(guarded));
    (bad1.series!.stats[0] as unknown as { range: number[] }).range = [1, 0];
    expect(() => validateEnergyModel(bad1)).toThrow(/stats\[0\]\.range, when present, must be/);
    const bad2: EnergyModel = JSON.parse(JSON.stringify(guarded));
    (bad2.series!.components as unknown as { slopeWithinRange: string }).slopeWithinRange = 'yes';
    expect(() => validateEnergyModel(bad2)).toThrow(/slopeWithinRange, when present, must be true or false/);
  });
});
