import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RESIDUAL_DOF, effectFor, estimateComponents, groupKey, logMarginalLikelihood, mergeStats, posteriorOf, residualScaleOf, seriesStats, type SeriesBy,
} from '../../../src/energy/model/series-effects.js';
import { createRng } from '../../../src/sr/index.js';

const BY: SeriesBy = { series: ['model'], setting: ['tp'] };

/** Residuals drawn from the model itself: series level, slope in log batch, setting level, noise. */
function synthetic(seed: number, spreads = { sigma: 0.05, tauLevel: 0.3, tauSlope: 0.1, tauSetting: 0.08 }, series = 60) {
  const rng = createRng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const records: { model: string; tp: number; batch: number }[] = [];
  const r: number[] = [];
  const truth = new Map<string, number>();
  for (let g = 0; g < series; g++) {
    const u = spreads.tauLevel * normal();
    const v = spreads.tauSlope * normal();
    truth.set(`m${g}`, u);
    for (const tp of [1, 2, 4]) {
      const w = spreads.tauSetting * normal();
      for (const batch of [1, 4, 16, 64, 256]) {
        records.push({ model: `m${g}`, tp, batch });
        r.push(u + v * (Math.log(batch) - Math.log(16)) + w + spreads.sigma * normal());
      }
    }
  }
  return { records, r, truth };
}

describe('series effects (empirical Bayes)', () => {
  it('recovers the variance components of data drawn from the model', () => {
    const { records, r } = synthetic(1);
    const c = estimateComponents(seriesStats(records, r, BY, Math.log(16)));
    expect(c.sigma).toBeGreaterThan(0.04);
    expect(c.sigma).toBeLessThan(0.06);
    expect(c.tauLevel).toBeGreaterThan(0.2);
    expect(c.tauLevel).toBeLessThan(0.42);
    expect(c.tauSlope).toBeGreaterThan(0.06);
    expect(c.tauSlope).toBeLessThan(0.14);
    expect(c.tauSetting).toBeGreaterThan(0.05);
    expect(c.tauSetting).toBeLessThan(0.11);
  });

  it('sends a component the data do not hold to (near) zero', () => {
    const { records, r } = synthetic(2, { sigma: 0.05, tauLevel: 0.3, tauSlope: 0, tauSetting: 0 });
    const c = estimateComponents(seriesStats(records, r, BY, Math.log(16)));
    expect(c.tauSlope).toBeLessThan(0.02);
    expect(c.tauSetting).toBeLessThan(0.03);
  });

  it('the estimate maximises the marginal likelihood (a nudge in any spread lowers it)', () => {
    const { records, r } = synthetic(3);
    const stats = seriesStats(records, r, BY, Math.log(16));
    const c = estimateComponents(stats);
    const best = logMarginalLikelihood(stats, c);
    for (const k of ['sigma', 'tauLevel', 'tauSlope', 'tauSetting'] as const) {
      for (const f of [0.8, 1.25]) expect(logMarginalLikelihood(stats, { ...c, [k]: c[k] * f })).toBeLessThan(best + 1e-6);
    }
  });

  it('shrinks: an unseen series gets the prior, a well-measured one its own level, and the interval narrows with records', () => {
    const { records, r, truth } = synthetic(4);
    const center = Math.log(16);
    const stats = seriesStats(records, r, BY, center);
    const c = estimateComponents(stats);
    const probe = { model: 'm7', tp: 2, batch: 16 };
    const unseen = effectFor(probe, BY, center, c, new Map());
    expect(unseen.shift).toBe(0);
    expect(unseen.sd).toBeCloseTo(Math.sqrt(c.tauLevel ** 2 + c.tauSetting ** 2 + c.sigma ** 2), 12);
    const own = records.map((rec, i) => ({ rec, r: r[i] })).filter((x) => x.rec.model === 'm7');
    const sds: number[] = [unseen.sd];
    for (const k of [1, 3, 15]) {
      const part = own.slice(0, k);
      const s = seriesStats(part.map((x) => x.rec), part.map((x) => x.r), BY, center);
      const other = { model: 'm7', tp: 4, batch: 16 };
      const e = effectFor(other, BY, center, c, new Map([[s[0].key, posteriorOf(s[0], c)]]));
      sds.push(e.sd);
      expect(e.records).toBe(k);
    }
    for (let i = 1; i < sds.length; i++) expect(sds[i]).toBeLessThan(sds[i - 1]);
    const full = effectFor(probe, BY, center, c, new Map(stats.map((s) => [s.key, posteriorOf(s, c)])));
    expect(Math.abs(full.shift - (truth.get('m7') as number))).toBeLessThan(0.12);
  });

  it('widens the interval of a series whose own records scatter more than sigma, and only then', () => {
    const { records, r } = synthetic(6);
    const center = Math.log(16);
    const c = estimateComponents(seriesStats(records, r, BY, center));
    expect(c.residualDof).toBe(DEFAULT_RESIDUAL_DOF);
    const own = records.map((rec, i) => ({ rec, r: r[i] })).filter((x) => x.rec.model === 'm3').slice(0, 6);
    // the same records with their scatter about the series' mean multiplied by 5 (a series the shared model fits badly)
    const mean = own.reduce((a, x) => a + x.r, 0) / own.length;
    const noisy = own.map((x, i) => ({ rec: x.rec, r: mean + (x.r - mean) * 5 + (i % 2 === 0 ? 4 : -4) * c.sigma }));
    const probe = { model: 'm3', tp: 4, batch: 16 };
    const at = (xs: typeof own, comps = c) => {
      const s = seriesStats(xs.map((x) => x.rec), xs.map((x) => x.r), BY, center)[0];
      const post = posteriorOf(s, comps);
      expect(post.residualScale).toBeCloseTo(residualScaleOf(s, post.mean, comps), 12);
      return { post, e: effectFor(probe, BY, center, comps, new Map([[s.key, post]])) };
    };
    const quiet = at(own);
    const loud = at(noisy);
    expect(loud.post.residualScale).toBeGreaterThan(1.5);
    expect(loud.e.sd).toBeGreaterThan(1.5 * quiet.e.sd);
    expect(loud.e.residualSd).toBeCloseTo(c.sigma * loud.post.residualScale, 12);
    // without a dof (a model file written before it) every series keeps the pooled sigma
    const pooled = { ...c };
    delete pooled.residualDof;
    expect(at(noisy, pooled).post.residualScale).toBe(1);
  });

  it('merging statistics equals computing them on the records together', () => {
    const { records, r } = synthetic(5, undefined, 2);
    const a = seriesStats(records.slice(0, 7), r.slice(0, 7), BY, 1)[0];
    const b = seriesStats(records.slice(7, 15), r.slice(7, 15), BY, 1)[0];
    const both = seriesStats(records.slice(0, 15), r.slice(0, 15), BY, 1)[0];
    const m = mergeStats(a, b);
    expect(m.n).toBe(both.n);
    expect(m.settings).toEqual(both.settings);
    m.zz.forEach((v, i) => expect(v).toBeCloseTo(both.zz[i], 10));
    m.zr.forEach((v, i) => expect(v).toBeCloseTo(both.zr[i], 10));
  });

  it('keys records by the named columns, empty for an absent one', () => {
    const record: { model: string; batch: number } = { model: 'a', batch: 1 };
    expect(groupKey(record, ['model', 'framework'])).toBe('a|');
  });
});
