// Functional series effects of learnt covariance (series-covariance.ts): with a diagonal Sigma on (level, slope)
// the series effects' posterior exactly; statistics that add up; the prior for a series without records; EM
// recovering a correlation and spreads from simulated series; a workload's effect informed by another workload.
import { describe, expect, it } from 'vitest';
import { effectFor, posteriorOf, seriesStats, type SeriesBy, type VarianceComponents } from '../../../../src/energy/model/series-effects.js';
import { covBasisOf, covEffectAt, covPosterior, covRow, covSeriesStats, estimateCovEffects, type CovEffects } from '../../../../src/energy/model/series-covariance.js';

const BY: SeriesBy = { series: ['model'], setting: ['tp', 'workload'] };
const CENTER = 2;
const keyOf = (r: { batch: number }): string => (r as unknown as { model: string }).model;
const toy = [1, 2, 4, 8, 16, 32].flatMap((batch) => [1, 2].map((tp) => ({ model: 'm', batch, tp, workload: 'chat', num_gpus: tp })));
const res = toy.map((r, i) => 0.2 + 0.05 * Math.log(r.batch) + (r.tp === 2 ? -0.1 : 0) + 0.01 * Math.sin(i));

/** A seeded Gaussian sampler. */
function gauss(seed: number): () => number {
  let s = seed >>> 0;
  const u = (): number => { s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0; s ^= s >>> 13; return ((s >>> 0) + 0.5) / 4294967296; };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

describe('series effects of learnt covariance', () => {
  it('with a diagonal Sigma on level and slope give the series effects\' posterior and spread exactly', () => {
    const C: VarianceComponents = { sigma: 0.05, tauLevel: 0.3, tauSlope: 0.1, tauSetting: 0.15 };
    const basis = covBasisOf(toy, CENTER, ['batch'], keyOf);
    expect(basis.names).toEqual(['level', 'batch']);
    const model: CovEffects = { basis, cov: [C.tauLevel ** 2, 0, 0, C.tauSlope ** 2], tauSetting: C.tauSetting, sigma: C.sigma };
    const train = toy.slice(0, 7);
    const post = covPosterior(model, covSeriesStats(basis, BY, train, res.slice(0, 7), keyOf)[0]);
    const ref = posteriorOf(seriesStats(train, res.slice(0, 7), BY, CENTER)[0], C);
    for (const x of [...toy, { model: 'm', batch: 3, tp: 4, workload: 'chat', num_gpus: 4 }]) {
      const e = effectFor(x, BY, CENTER, C, new Map([['m', ref]]), 'm');
      const g = covEffectAt(model, post, x, BY);
      expect(g.shift).toBeCloseTo(e.shift, 10);
      expect(g.sd).toBeCloseTo(e.sd, 10);
    }
  });

  it('grow a series\' statistics by records as they arrive exactly as all at once', () => {
    const basis = covBasisOf(toy, CENTER, ['batch', 'batch2', 'gpus'], keyOf);
    const once = covSeriesStats(basis, BY, toy, res, keyOf)[0];
    const grown = covSeriesStats(basis, BY, toy.slice(5), res.slice(5), keyOf, covSeriesStats(basis, BY, toy.slice(0, 5), res.slice(0, 5), keyOf))[0];
    const model: CovEffects = { basis, cov: [0.09, 0.01, 0, 0, 0.01, 0.01, 0, 0, 0, 0, 0.001, 0, 0, 0, 0, 0.02], tauSetting: 0.1, sigma: 0.05 };
    const a = covPosterior(model, once);
    const b = covPosterior(model, grown);
    for (const x of toy) {
      expect(covEffectAt(model, b, x, BY).shift).toBeCloseTo(covEffectAt(model, a, x, BY).shift, 10);
      expect(covEffectAt(model, b, x, BY).sd).toBeCloseTo(covEffectAt(model, a, x, BY).sd, 10);
    }
    expect(grown.n).toBe(toy.length);
  });

  it('give a series without records no shift and the prior\'s spread', () => {
    const basis = covBasisOf(toy, CENTER, ['batch', 'gpus'], keyOf);
    const model: CovEffects = { basis, cov: [0.04, 0.01, 0, 0.01, 0.01, 0, 0, 0, 0.02], tauSetting: 0.1, sigma: 0.05 };
    const x = toy[5];
    const row = covRow(basis, x);
    let v = 0.1 ** 2 + 0.05 ** 2;
    for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) v += row[p] * model.cov[p * 3 + q] * row[q];
    const g = covEffectAt(model, undefined, x, BY);
    expect(g.shift).toBe(0);
    expect(g.sd).toBeCloseTo(Math.sqrt(v), 12);
  });

  it('recover a correlation between level and slope, the setting spread and the residual spread from simulated series', () => {
    const z = gauss(7);
    const records: { model: string; batch: number; tp: number; workload: string }[] = [];
    const r: number[] = [];
    for (let s = 0; s < 300; s++) {
      const u = z(); const level = 0.3 * u; const slope = 0.1 * (0.8 * u + 0.6 * z());
      const settings = [z() * 0.1, z() * 0.1];
      for (const batch of [1, 4, 16, 64]) for (const tp of [1, 2]) {
        records.push({ model: `s${s}`, batch, tp, workload: 'chat' });
        r.push(level + slope * (Math.log(batch) - CENTER) + settings[tp - 1] + 0.05 * z());
      }
    }
    const basis = covBasisOf(records, CENTER, ['batch'], keyOf);
    const est = estimateCovEffects(covSeriesStats(basis, BY, records, r, keyOf), basis, { variances: [0.01, 0.01], tauSetting: 0.2, sigma: 0.2 });
    const corr = est.cov[1] / Math.sqrt(est.cov[0] * est.cov[3]);
    expect(corr).toBeGreaterThan(0.65);
    expect(corr).toBeLessThan(0.92);
    expect(Math.sqrt(est.cov[0])).toBeGreaterThan(0.25);
    expect(Math.sqrt(est.cov[0])).toBeLessThan(0.35);
    expect(est.tauSetting).toBeGreaterThan(0.08);
    expect(est.tauSetting).toBeLessThan(0.12);
    expect(est.sigma).toBeGreaterThan(0.04);
    expect(est.sigma).toBeLessThan(0.06);
    // shrunk without limit, the correlation is gone
    const diag = estimateCovEffects(covSeriesStats(basis, BY, records, r, keyOf), basis, { variances: [0.01, 0.01], tauSetting: 0.2, sigma: 0.2 }, { shrink: 1e12 });
    expect(Math.abs(diag.cov[1])).toBeLessThan(1e-9);
  });

  it('carry a series\' records at one workload to a workload they lack through the learnt correlation', () => {
    const z = gauss(11);
    const records: { model: string; batch: number; tp: number; workload: string }[] = [];
    const r: number[] = [];
    for (let s = 0; s < 150; s++) {
      const common = 0.3 * z();
      for (const workload of ['a', 'b']) for (const batch of [1, 8, 64]) {
        records.push({ model: `s${s}`, batch, tp: 1, workload });
        r.push(common + (workload === 'b' ? 0.05 * z() : 0) + 0.03 * z());
      }
    }
    const basis = covBasisOf(records, CENTER, ['workload'], keyOf);
    expect(basis.names).toEqual(['level', 'workload=a', 'workload=b']);
    const est = estimateCovEffects(covSeriesStats(basis, BY, records, r, keyOf), basis, { variances: [0.01, 0.01, 0.01], tauSetting: 0.1, sigma: 0.1 });
    const mine = [{ model: 'new', batch: 8, tp: 1, workload: 'a' }, { model: 'new', batch: 64, tp: 1, workload: 'a' }];
    const post = covPosterior(est, covSeriesStats(basis, BY, mine, [0.5, 0.5], keyOf)[0]);
    const atB = covEffectAt(est, post, { model: 'new', batch: 8, tp: 1, workload: 'b' } as { batch: number }, BY);
    expect(atB.shift).toBeGreaterThan(0.35);
    expect(atB.sd).toBeLessThan(0.2);
  });
});
