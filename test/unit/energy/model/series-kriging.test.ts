// Kriging series effects (series-kriging.ts, series-kriging-file.ts, fitSeriesEffects' `kriging`): the Gaussian
// process with a linear kernel is the series effects' posterior; no record, no effect; points are interpolated; the
// model file round trip, a malformed section refused naming the field, and fit --base's path growing a series.
import { describe, expect, it } from 'vitest';
import {
  calibrateFromBase, effectFor, estimateKrigingKernel, fitEnergyModel, fitSeriesEffects, krigingAt, krigingLogLikelihood, krigingPoint, krigingPosterior,
  PHYSICS_STRUCTURE, posteriorOf, predictEnergy, seriesStats, validateEnergyModel, varyingFeatures,
  type EnergyModel, type KrigingKernel, type SeriesBy, type VarianceComponents,
} from '../../../../src/energy/model/index.js';
import { leveledRecords } from './series-records.js';

const BY: SeriesBy = { series: ['model'], setting: ['tp'] };
/** A toy series: batches and layouts, residuals a level, a slope in log batch and a bend. */
const toy = [1, 2, 4, 8, 16, 32, 64].flatMap((batch, i) => [1, 2].map((tp) => ({ model: 'm', batch, tp, output_tokens: 100 + 10 * i })));
const residualOf = (r: { batch: number; tp: number }): number => 0.2 + 0.05 * Math.log(r.batch) + (r.tp === 2 ? -0.1 : 0) + 0.08 * Math.sin(Math.log(r.batch));
const C: VarianceComponents = { sigma: 0.05, tauLevel: 0.3, tauSlope: 0.1, tauSetting: 0.15 };
const CENTER = 1.5;
const linear: KrigingKernel = { features: ['batch'], center: CENTER, level: C.tauLevel, slope: C.tauSlope, setting: C.tauSetting, spread: 0, sigma: C.sigma, lengths: [1] };

describe('the kriging kernel', () => {
  it('with no smooth term reproduces the series effects\' posterior (level, slope, setting) exactly', () => {
    const train = toy.slice(0, 9);
    const res = train.map(residualOf);
    const stats = seriesStats(train, res, BY, CENTER);
    const post = posteriorOf(stats[0], C);
    const posts = new Map([[post.key, post]]);
    const gp = krigingPosterior(linear, { key: 'm', points: train.map((r) => krigingPoint(r, linear.features, CENTER, BY)), residuals: res });
    for (const x of [...toy, { model: 'm', batch: 3, tp: 4, output_tokens: 50 }]) {
      const e = effectFor(x, BY, CENTER, C, posts, 'm');
      const g = krigingAt(linear, gp, krigingPoint(x, linear.features, CENTER, BY));
      expect(g.shift).toBeCloseTo(e.shift, 10);
      expect(g.sd).toBeCloseTo(e.sd, 10);
    }
  });

  it('gives zero effect and the prior spread with no record of a series', () => {
    expect(krigingPosterior(linear, { key: 'm', points: [], residuals: [] })).toBeUndefined();
    const x = krigingPoint(toy[3], linear.features, CENTER, BY);
    const g = krigingAt({ ...linear, spread: 0.2 }, undefined, x);
    expect(g.shift).toBe(0);
    const c = Math.log(toy[3].batch) - CENTER;
    expect(g.sd ** 2).toBeCloseTo(C.tauLevel ** 2 + c * c * C.tauSlope ** 2 + C.tauSetting ** 2 + 0.2 ** 2 + C.sigma ** 2, 12);
  });

  it('interpolates its records with a smooth term and widens its interval away from them', () => {
    const k: KrigingKernel = { ...linear, spread: 0.2, sigma: 1e-3, lengths: [0.7] };
    const train = toy.filter((r) => r.tp === 1);
    const gp = krigingPosterior(k, { key: 'm', points: train.map((r) => krigingPoint(r, k.features, CENTER, BY)), residuals: train.map(residualOf) });
    train.forEach((r) => expect(krigingAt(k, gp, krigingPoint(r, k.features, CENTER, BY)).shift).toBeCloseTo(residualOf(r), 3));
    const near = krigingAt(k, gp, krigingPoint(train[2], k.features, CENTER, BY));
    const far = krigingAt(k, gp, krigingPoint({ batch: 4096, tp: 1 } as { batch: number }, k.features, CENTER, BY));
    expect(far.sd).toBeGreaterThan(5 * near.sd);
  });

  it('with a layout term, a layout the series\' records lack gets its spread and no pull from the other layouts\' offset', () => {
    const BY2: SeriesBy = { series: ['model'], setting: ['tp', 'workload'] };
    const k: KrigingKernel = { ...linear, layout: 0.4 };
    const train = toy.filter((r) => r.tp === 1);
    const gp = krigingPosterior(k, { key: 'm', points: train.map((r) => krigingPoint(r, k.features, CENTER, BY2)), residuals: train.map(() => 0.5) });
    const seen = krigingAt(k, gp, krigingPoint({ ...train[0], batch: 3 } as { batch: number }, k.features, CENTER, BY2));
    const other = krigingAt(k, gp, krigingPoint({ ...train[0], batch: 3, tp: 2 } as { batch: number }, k.features, CENTER, BY2));
    const without = krigingAt(linear, krigingPosterior(linear, { key: 'm', points: train.map((r) => krigingPoint(r, linear.features, CENTER, BY2)), residuals: train.map(() => 0.5) }), krigingPoint({ ...train[0], batch: 3, tp: 2 } as { batch: number }, linear.features, CENTER, BY2));
    expect(other.sd ** 2).toBeGreaterThan(without.sd ** 2 + 0.1);
    expect(other.shift).toBeLessThan(seen.shift);
  });

  it('widens a series whose points scatter more than its kernel says (the leave-one-out scale), and only then', () => {
    const k: KrigingKernel = { ...linear, residualDof: 4 };
    const train = toy.filter((r) => r.tp === 1);
    const points = train.map((r) => krigingPoint(r, k.features, CENTER, BY));
    const calm = krigingPosterior(k, { key: 'm', points, residuals: train.map(() => 0.3) });
    const wild = krigingPosterior(k, { key: 'm', points, residuals: train.map((_, i) => (i % 2 === 0 ? 0.5 : -0.5)) });
    expect(calm?.scale).toBe(1);
    expect(wild!.scale).toBeGreaterThan(2);
    const x = krigingPoint(toy[1], k.features, CENTER, BY);
    expect(krigingAt(k, wild, x).sd).toBeCloseTo(krigingAt(linear, krigingPosterior(linear, { key: 'm', points, residuals: train.map((_, i) => (i % 2 === 0 ? 0.5 : -0.5)) }), x).sd * wild!.scale, 12);
  });

  it('estimates a smooth term the series share and scores it above the linear kernel', () => {
    // twelve series: each its own level, all the same bend in log batch (which level + slope cannot fit)
    const series = Array.from({ length: 12 }, (_, s) => {
      const rows = toy.filter((r) => r.tp === 1).map((r) => ({ ...r, model: `m${s}` }));
      return { key: `m${s}`, points: rows.map((r) => krigingPoint(r, ['batch'], CENTER, BY)), residuals: rows.map((r) => 0.1 * ((s % 5) - 2) + 0.15 * Math.sin(1.5 * Math.log(r.batch)) + 0.01 * Math.cos(7 * s + r.batch)) };
    });
    expect(varyingFeatures([toy])).toEqual(['batch', 'output_tokens', 'tp']);
    const k = estimateKrigingKernel(series, ['batch'], CENTER, C);
    expect(k.spread).toBeGreaterThan(0.05);
    expect(krigingLogLikelihood(k, series)).toBeGreaterThan(krigingLogLikelihood({ ...linear, sigma: k.sigma, level: k.level, slope: k.slope }, series) + 10);
  });
});

/** Each (model, hardware) series carries a level, and energy bends in log batch beyond what the structure says. */
const LEVELS: Record<string, number> = {
  'meta-llama/Llama-3.1-8B-Instruct|H100': 1.35, 'meta-llama/Llama-3.1-8B-Instruct|B200': 0.8,
  'Qwen/Qwen3-30B-A3B-Instruct-2507|H100': 0.75, 'Qwen/Qwen3-30B-A3B-Instruct-2507|B200': 1.25,
  'meta-llama/Llama-3.1-70B-Instruct|H100': 1.1, 'meta-llama/Llama-3.1-70B-Instruct|B200': 0.9,
};
const bend = (r: { batch: number }): number => Math.exp(0.15 * Math.sin(1.3 * Math.log(r.batch)));
const FIT = { structure: PHYSICS_STRUCTURE, restarts: 1, seed: 0 };
const train = leveledRecords(['meta-llama/Llama-3.1-8B-Instruct', 'Qwen/Qwen3-30B-A3B-Instruct-2507'], 1, LEVELS, bend);
const pooled = fitEnergyModel(train, FIT);
const model = fitSeriesEffects(pooled, train, FIT, { kriging: true });
const effectsOnly = fitSeriesEffects(pooled, train, FIT);

describe('kriging series effects in a model file', () => {
  it('stores the kernel and every series\' points, survives the file round trip, and applies to seen series', () => {
    const k = model.series!.kriging!;
    expect(k.series.map((s) => s.r.length).reduce((a, b) => a + b, 0)).toBe(train.length);
    expect(k.kernel.features).toContain('batch');
    const back = validateEnergyModel(JSON.parse(JSON.stringify(model)));
    expect(predictEnergy(back, train).map((p) => p.energyJ)).toEqual(predictEnergy(model, train).map((p) => p.energyJ));
    const p = predictEnergy(model, [train[0]])[0];
    const q = predictEnergy(effectsOnly, [train[0]])[0];
    expect(p.series?.seen).toBe(true);
    expect(p.series!.factor).not.toBeCloseTo(q.series!.factor, 6);
    expect(p.series!.factorLow).toBeLessThan(p.series!.factor);
  });

  it('leaves a series it has no point of to the series effects\' path (the pooled fit)', () => {
    const unseen = leveledRecords(['meta-llama/Llama-3.1-70B-Instruct'], 2, LEVELS, bend);
    expect(predictEnergy(model, unseen).map((p) => p.energyJ)).toEqual(predictEnergy({ ...model, series: { ...model.series!, kriging: undefined } } as EnergyModel, unseen).map((p) => p.energyJ));
  });

  it('refuses a malformed section, naming the field', () => {
    const bad = (edit: (k: Record<string, any>) => void): (() => unknown) => () => {
      const m = JSON.parse(JSON.stringify(model));
      edit(m.series.kriging);
      return validateEnergyModel(m, 'm.json');
    };
    expect(bad((k) => { k.kernel.lengths = [1, 2, 3, 4, 5, 6, 7, 8]; })).toThrow(/series\.kriging\.kernel\.lengths/);
    expect(bad((k) => { k.kernel.sigma = -1; })).toThrow(/series\.kriging\.kernel\.sigma/);
    expect(bad((k) => { k.kernel.features = ['colour']; })).toThrow(/series\.kriging\.kernel\.features/);
    expect(bad((k) => { k.series[0].z.pop(); })).toThrow(/series\.kriging\.series\[0\]\.z/);
    expect(bad((k) => { k.series[1].setting = 'x'; })).toThrow(/series\.kriging\.series\[1\]\.setting/);
    expect(bad((k) => { k.series = {}; })).toThrow(/series\.kriging\.series must be a list/);
  });

  it('fit --base\'s path adds a new series\' records as its points and predicts the rest of it better than the effects alone', () => {
    const mine = leveledRecords(['meta-llama/Llama-3.1-70B-Instruct'], 3, LEVELS, bend).filter((r) => r.hardware.startsWith('H100'));
    const few = mine.filter((_, i) => i % 2 === 0);
    const rest = mine.filter((_, i) => i % 2 === 1);
    const cal = calibrateFromBase(model, few);
    const grown = cal.series!.kriging!.series.find((s) => s.key.startsWith('meta-llama/Llama-3.1-70B-Instruct'));
    expect(grown?.r).toHaveLength(few.length);
    expect(cal.series!.kriging!.kernel).toEqual(model.series!.kriging!.kernel);
    const mape = (m: EnergyModel): number => predictEnergy(m, rest).reduce((a, p, i) => a + Math.abs(p.energyPerTokenJ / (rest[i].energy_j / rest[i].output_tokens) - 1), 0) / rest.length;
    expect(mape(cal)).toBeLessThan(mape(calibrateFromBase(effectsOnly, few)));
  });
});

