import { describe, expect, it } from 'vitest';
import {
  crossedLevels, crossedLogLikelihood, crossedPosteriors, estimateCrossed,
} from '../../../src/energy/model/crossed-effects.js';
import {
  effectFor, estimateComponents, groupKey, logMarginalLikelihood, mergeSeriesStats, seriesStats, type CrossedEffects, type SeriesBy,
} from '../../../src/energy/model/series-effects.js';
import { seriesPosteriors } from '../../../src/energy/model/series-posteriors.js';
import { createRng } from '../../../src/sr/index.js';

const BY: SeriesBy = { series: ['model', 'hardware'], setting: ['tp'] };
const keyOf = (r: { batch: number }): string => groupKey(r, BY.series);
const CENTER = Math.log(16);

/** Residuals with a model effect shared by the model's series on every GPU, a small interaction, settings, noise. */
function synthetic(seed: number, tauModel = 0.3, tauSeries = 0.05, models = 30) {
  const rng = createRng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const records: { model: string; hardware: string; tp: number; batch: number }[] = [];
  const r: number[] = [];
  const modelEffect = new Map<string, number>();
  for (let m = 0; m < models; m++) {
    const a = tauModel * normal();
    modelEffect.set(`m${m}`, a);
    for (const hardware of ['H100', 'B200', 'A100']) {
      const u = tauSeries * normal();
      for (const tp of [1, 2]) {
        const w = 0.03 * normal();
        for (const batch of [4, 16, 64]) {
          records.push({ model: `m${m}`, hardware, tp, batch });
          r.push(a + u + w + 0.04 * normal());
        }
      }
    }
  }
  return { records, r, modelEffect };
}

describe('crossed effects (model, hardware) under the series effects', () => {
  it('with the crossed spreads at (near) zero, the likelihood is the series-only one', () => {
    const { records, r } = synthetic(1);
    const stats = seriesStats(records, r, BY, CENTER);
    const c = estimateComponents(stats);
    const off: CrossedEffects = { factors: ['model', 'hardware'], slope: true, tauLevel: [1e-4, 1e-4], tauSlope: [1e-4, 1e-4], levels: crossedLevels(records, ['model', 'hardware'], keyOf) };
    expect(crossedLogLikelihood(stats, c, off)).toBeCloseTo(logMarginalLikelihood(stats, c), 2);
  });

  it('finds the model effect and moves the series level into it', () => {
    const { records, r } = synthetic(2);
    const stats = seriesStats(records, r, BY, CENTER);
    const { components, crossed } = estimateCrossed(stats, ['model', 'hardware'], false, crossedLevels(records, ['model', 'hardware'], keyOf));
    expect(crossed.tauLevel[0]).toBeGreaterThan(0.18);
    expect(crossed.tauLevel[0]).toBeLessThan(0.45);
    expect(components.tauLevel).toBeLessThan(0.12);
  });

  it('a new series of a known model starts from the model effect, with a narrower interval than the series-only prior', () => {
    const { records, r, modelEffect } = synthetic(3);
    const held = (x: { model: string; hardware: string }): boolean => x.model === 'm7' && x.hardware === 'A100';
    const trainIdx = records.map((_, i) => i).filter((i) => !held(records[i]));
    const train = trainIdx.map((i) => records[i]);
    const stats = seriesStats(train, trainIdx.map((i) => r[i]), BY, CENTER);
    const { components, crossed } = estimateCrossed(stats, ['model', 'hardware'], false, crossedLevels(train, ['model', 'hardware'], keyOf));
    const post = crossedPosteriors(stats, components, crossed);
    const probe = { model: 'm7', hardware: 'A100', tp: 1, batch: 16 };
    const e = effectFor(probe, BY, CENTER, components, post);
    expect(e.records).toBe(0);
    expect(Math.abs(e.shift - (modelEffect.get('m7') as number))).toBeLessThan(0.1);
    const plain = estimateComponents(stats);
    const p = effectFor(probe, BY, CENTER, plain, seriesPosteriors({ stats, components: plain }));
    expect(p.shift).toBe(0);
    expect(e.sd).toBeLessThan(p.sd);
    // an unknown model gets no model shift and the model spread in its interval
    const other = { ...probe, model: 'new' };
    const unknown = effectFor(other, BY, CENTER, components, post);
    expect(unknown.sd).toBeGreaterThan(e.sd);
  });

  it('records of the new series update it (the crossed posterior includes them), and its interval narrows', () => {
    const { records, r } = synthetic(4);
    const held = (x: { model: string; hardware: string }): boolean => x.model === 'm3' && x.hardware === 'H100';
    const trainIdx = records.map((_, i) => i).filter((i) => !held(records[i]));
    const ownIdx = records.map((_, i) => i).filter((i) => held(records[i]));
    const train = trainIdx.map((i) => records[i]);
    const stats = seriesStats(train, trainIdx.map((i) => r[i]), BY, CENTER);
    const { components, crossed } = estimateCrossed(stats, ['model', 'hardware'], true, crossedLevels(train, ['model', 'hardware'], keyOf));
    const probe = records[ownIdx[5]];
    const before = effectFor(probe, BY, CENTER, components, crossedPosteriors(stats, components, crossed));
    const cal = ownIdx.slice(0, 4).map((i) => records[i]);
    const merged = mergeSeriesStats(stats, seriesStats(cal, ownIdx.slice(0, 4).map((i) => r[i]), BY, CENTER));
    const after = effectFor(probe, BY, CENTER, components, crossedPosteriors(merged, components, { ...crossed, levels: crossedLevels(cal, crossed.factors, keyOf, crossed.levels) }));
    expect(after.records).toBe(4);
    expect(after.sd).toBeLessThan(before.sd);
    const ownMean = ownIdx.reduce((a, i) => a + r[i], 0) / ownIdx.length;
    expect(Math.abs(after.shift - ownMean)).toBeLessThan(Math.abs(before.shift - ownMean) + 0.02);
  });

  it('an interaction factor (a+b) is one factor whose levels are the pairs', () => {
    const record = { model: 'x', hardware: 'H100', precision: 'fp8', batch: 1 };
    const levels = crossedLevels([record], ['precision+hardware'], keyOf);
    expect(Object.values(levels)[0]).toEqual(['fp8|H100']);
  });
});
