// The series spreads' estimator options (series-effects.ts SpreadOptions): REML's correction for the shared fit's
// parameters, the boundary-avoiding prior, the spreads without slopes; and their plumbing through fitSeriesEffects.
import { describe, expect, it } from 'vitest';
import { estimateComponents, logMarginalLikelihood, MIN_SPREAD, seriesStats, slopeSeries, type SeriesBy, type VarianceComponents } from '../../../src/energy/model/series-effects.js';
import { DEFAULT_SERIES_SPREADS, fitEnergyModel, fitSeriesEffects, PHYSICS_STRUCTURE, type FitRecord } from '../../../src/energy/model/index.js';
import { simulate } from '../../../src/energy/simulator/index.js';
import { createRng } from '../../../src/sr/index.js';

const BY: SeriesBy = { series: ['model'], setting: ['tp'] };
const CENTER = Math.log(16);

/** Residuals drawn from the effects model: `series` series with `perSeries` records each at random batch and tp. */
function draw(seed: number, spreads: Omit<VarianceComponents, 'residualDof'>, series: number, perSeries: number) {
  const rng = createRng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const records: { model: string; tp: number; batch: number }[] = [];
  const r: number[] = [];
  for (let g = 0; g < series; g++) {
    const u = spreads.tauLevel * normal();
    const v = spreads.tauSlope * normal();
    const w = [1, 2, 4].map(() => spreads.tauSetting * normal());
    for (let j = 0; j < perSeries; j++) {
      const t = Math.floor(rng.next() * 3);
      const batch = 2 ** (1 + Math.floor(rng.next() * 8));
      records.push({ model: `m${g}`, tp: [1, 2, 4][t], batch });
      r.push(u + v * (Math.log(batch) - CENTER) + w[t] + spreads.sigma * normal());
    }
  }
  return seriesStats(records, r, BY, CENTER);
}

const variance = (c: VarianceComponents): number => c.sigma ** 2 + c.tauLevel ** 2 + c.tauSetting ** 2;

describe('series spreads: estimator options', () => {
  it('without options: the maximum of the marginal likelihood, as before', () => {
    const stats = draw(1, { sigma: 0.1, tauLevel: 0.2, tauSlope: 0.05, tauSetting: 0.1 }, 40, 4);
    expect(estimateComponents(stats, {})).toEqual(estimateComponents(stats));
  });

  it('REML (sharedParameters) raises the total spread above maximum likelihood, more with more parameters', () => {
    const stats = draw(2, { sigma: 0.1, tauLevel: 0.2, tauSlope: 0.05, tauSetting: 0.1 }, 30, 2);
    const ml = estimateComponents(stats);
    const r6 = estimateComponents(stats, { sharedParameters: 6 });
    const r12 = estimateComponents(stats, { sharedParameters: 12 });
    expect(variance(r6)).toBeGreaterThan(variance(ml));
    expect(variance(r12)).toBeGreaterThan(variance(r6));
    // the ML estimate still maximises the plain marginal likelihood, the REML one does not
    expect(logMarginalLikelihood(stats, ml)).toBeGreaterThan(logMarginalLikelihood(stats, r12));
  });

  it('the boundary-avoiding prior keeps spreads the data do not hold off zero, and moves supported ones little', () => {
    const none = draw(3, { sigma: 0.1, tauLevel: 0.2, tauSlope: 0, tauSetting: 0 }, 30, 2);
    const ml = estimateComponents(none);
    const ba = estimateComponents(none, { boundaryAvoiding: true });
    expect(ml.tauSlope).toBeLessThan(0.01);
    expect(ba.tauSlope).toBeGreaterThan(5 * MIN_SPREAD);
    expect(ba.tauSetting).toBeGreaterThan(5 * MIN_SPREAD);
    const rich = draw(4, { sigma: 0.05, tauLevel: 0.3, tauSlope: 0.1, tauSetting: 0.1 }, 60, 12);
    const a = estimateComponents(rich);
    const b = estimateComponents(rich, { boundaryAvoiding: true });
    for (const k of ['sigma', 'tauLevel', 'tauSlope', 'tauSetting'] as const) expect(Math.abs(Math.log(b[k] / a[k]))).toBeLessThan(0.25);
  });

  it('withoutSlope holds the slope spread at MIN_SPREAD', () => {
    const stats = draw(5, { sigma: 0.05, tauLevel: 0.2, tauSlope: 0.2, tauSetting: 0.05 }, 40, 6);
    expect(estimateComponents(stats).tauSlope).toBeGreaterThan(0.1);
    expect(estimateComponents(stats, { withoutSlope: true }).tauSlope).toBe(MIN_SPREAD);
    expect(estimateComponents(stats, { withoutSlope: true, boundaryAvoiding: true }).tauSlope).toBe(MIN_SPREAD);
  });

  it('slopeMinSeries: slopes only when enough series have three or more records at varying batch', () => {
    const few = draw(6, { sigma: 0.05, tauLevel: 0.2, tauSlope: 0.2, tauSetting: 0.05 }, 40, 2);
    expect(slopeSeries(few)).toBe(0);
    expect(estimateComponents(few, { slopeMinSeries: 1 }).tauSlope).toBe(MIN_SPREAD);
    const many = draw(7, { sigma: 0.05, tauLevel: 0.2, tauSlope: 0.2, tauSetting: 0.05 }, 40, 6);
    expect(slopeSeries(many)).toBe(40);
    expect(estimateComponents(many, { slopeMinSeries: 40 })).toEqual(estimateComponents(many));
    expect(estimateComponents(many, { slopeMinSeries: 41 }).tauSlope).toBe(MIN_SPREAD);
    // three records at one batch size tell no slope
    const flat = seriesStats([1, 2, 3].map((tp) => ({ model: 'm', tp, batch: 8 })), [0.1, -0.1, 0], BY, CENTER);
    expect(slopeSeries(flat)).toBe(0);
  });
});

describe('fitSeriesEffects: the spreads option', () => {
  const sim = simulate({ models: ['meta-llama/Llama-3.1-8B-Instruct', 'Qwen/Qwen3-30B-A3B-Instruct-2507'], hardware: ['H100', 'B200'], tp: [1, 2], pp: [1], batch: [4, 16, 64], input: [512], output: [256], noise: 0.05, seed: 3 });
  const level: Record<string, number> = { H100: 1.3, B200: 0.8 };
  const train = sim.records.map((r, i) => ({ ...r, energy_j: r.energy_j * (level[r.hardware.slice(0, 4)] ?? 1) * (i % 2 ? 1.05 : 0.95) })) as FitRecord[];
  const FIT = { structure: PHYSICS_STRUCTURE, restarts: 1, seed: 0 };
  const pooled = fitEnergyModel(train, FIT);

  it('passes the estimator to the effects: REML widens, withoutSlope drops the slope, {} is maximum likelihood', () => {
    const ml = fitSeriesEffects(pooled, train, FIT, { spreads: {} }).series!.components;
    expect(fitSeriesEffects(pooled, train, FIT).series!.components).toEqual(fitSeriesEffects(pooled, train, FIT, { spreads: DEFAULT_SERIES_SPREADS }).series!.components);
    expect(fitSeriesEffects(pooled, train, FIT, { spreads: { boundaryAvoiding: true } }).series!.components).not.toEqual(ml);
    const reml = fitSeriesEffects(pooled, train, FIT, { spreads: { reml: true } }).series!.components;
    expect(variance(reml)).toBeGreaterThan(variance(ml));
    expect(fitSeriesEffects(pooled, train, FIT, { spreads: { withoutSlope: true } }).series!.components.tauSlope).toBe(MIN_SPREAD);
  });

  it('estimateSpreads, when given, sets the components', () => {
    const fixed = { sigma: 0.07, tauLevel: 0.2, tauSlope: 0.01, tauSetting: 0.03, residualDof: 4 };
    const c = fitSeriesEffects(pooled, train, FIT, { estimateSpreads: () => ({ ...fixed }) }).series!.components;
    expect(c).toMatchObject(fixed);
  });
});
