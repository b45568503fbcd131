import { describe, expect, it } from 'vitest';
import type { FittedMethod, TrainRecord } from '../../../src/energy/baselines/method.js';
import { createGradientBoostingMethod } from '../../../src/energy/baselines/gradient-boosting.js';
import { createStackedHierarchicalMethod } from '../../../src/energy/baselines/hierarchical-stacked.js';
import { calibrateSeries, type HierarchicalFit } from '../../../src/energy/model/hierarchical.js';
import { estimateComponents, mergeStats, posteriorOf, residualScaleOf, seriesStats, withoutStats, type SeriesBy } from '../../../src/energy/model/series-effects.js';
import { covariateEncoder, fitPriorMean, shiftStats } from '../../../src/energy/model/series-prior-mean.js';
import { createRng } from '../../../src/sr/index.js';

const BY: SeriesBy = { series: ['model'], setting: ['tp'] };
const CENTER = Math.log(16);

function normalOf(seed: number): () => number {
  const rng = createRng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

describe('series effects: a prior mean from series covariates', () => {
  it('recovers a planted covariate effect on the series levels, and the level spread left over shrinks', () => {
    const normal = normalOf(11);
    const records: { model: string; tp: number; batch: number; params_b: number; architecture: string }[] = [];
    const r: number[] = [];
    for (let g = 0; g < 50; g++) {
      const params = 2 ** (1 + (g % 7));
      const architecture = g % 3 === 0 ? 'moe' : 'dense';
      const u = 0.2 * Math.log(params) + (architecture === 'moe' ? 0.3 : 0) + 0.05 * normal();
      for (const tp of [1, 2]) for (const batch of [1, 8, 64]) {
        records.push({ model: `m${g}`, tp, batch, params_b: params, architecture });
        r.push(u + 0.03 * normal());
      }
    }
    const stats = seriesStats(records, r, BY, CENTER);
    const enc = covariateEncoder(records, ['params', 'architecture']);
    expect(enc.columns).toEqual(['intercept', 'log params_b', 'architecture=moe']);
    const first = new Map(records.map((x) => [x.model, x]));
    const prior = fitPriorMean(stats, stats.map((s) => enc.encode(first.get(s.key) as (typeof records)[number])), { lambda: 0 });
    expect(prior.beta[1]).toBeCloseTo(0.2, 1);
    expect(prior.beta[2]).toBeCloseTo(0.3, 1);
    expect(prior.components.tauLevel).toBeLessThan(estimateComponents(stats).tauLevel / 2);
    // an unseen series is predicted from its covariates
    const [level] = prior.meanOf(enc.encode({ model: 'new', tp: 1, batch: 8, params_b: 16, architecture: 'moe' } as never));
    expect(level).toBeCloseTo(0.2 * Math.log(16) + 0.3, 1);
  });

  it('shifting statistics equals computing them on the shifted residuals', () => {
    const records = [{ model: 'a', tp: 1, batch: 4 }, { model: 'a', tp: 2, batch: 32 }, { model: 'a', tp: 1, batch: 128 }];
    const r = [0.1, -0.2, 0.3];
    const [s] = seriesStats(records, r, BY, CENTER);
    const [direct] = seriesStats(records, r.map((v, i) => v - 0.05 - 0.02 * (Math.log(records[i].batch) - CENTER)), BY, CENTER);
    const shifted = shiftStats(s, 0.05, 0.02);
    expect(shifted.rr).toBeCloseTo(direct.rr, 12);
    shifted.zr.forEach((v, i) => expect(v).toBeCloseTo(direct.zr[i], 12));
  });
});

describe('series effects: the leave-one-out check of a calibrated series', () => {
  // a fit on many series whose records sit close to their effects (sigma 0.03), and a shared model that predicts 1 J/token
  function base(): HierarchicalFit {
    const normal = normalOf(5);
    const records: TrainRecord[] = [];
    const r: number[] = [];
    for (let g = 0; g < 30; g++) {
      const u = 0.2 * normal();
      for (const tp of [1, 2, 4]) {
        const w = 0.05 * normal();
        for (const batch of [1, 8, 64]) {
          records.push({ model: `m${g}`, hardware: 'H100', tp, pp: 1, batch, output_tokens: 100, energy_j: 100 * Math.exp(u + w + 0.03 * normal()) } as TrainRecord);
        }
      }
    }
    records.forEach((x) => r.push(Math.log(x.energy_j / x.output_tokens)));
    const stats = seriesStats(records, r, BY, CENTER);
    const components = estimateComponents(stats);
    const series = { by: BY, center: CENTER, components, stats };
    const shared: FittedMethod = { method: 'unit', notes: [], predict: (c) => c.map(() => 1) };
    return { shared, series, posteriors: new Map(stats.map((s) => [s.key, posteriorOf(s, components)])) };
  }
  const rec = (model: string, tp: number, batch: number, logE: number): TrainRecord => ({ model, hardware: 'H100', tp, pp: 1, batch, output_tokens: 100, energy_j: 100 * Math.exp(logE) } as TrainRecord);

  it('widens a new series whose records disagree with each other across settings, and not one whose records agree', () => {
    const fit = base();
    const wild = calibrateSeries(fit, [rec('new', 1, 8, 0.6), rec('new', 2, 8, -0.5), rec('new', 4, 8, 0.7), rec('new', 8, 8, -0.6)]);
    const calm = calibrateSeries(fit, [rec('new', 1, 8, 0.1), rec('new', 2, 8, 0.12), rec('new', 4, 8, 0.09), rec('new', 8, 8, 0.11)]);
    const w = wild.series.stats.find((s) => s.key === 'new');
    const c = calm.series.stats.find((s) => s.key === 'new');
    expect(w?.loo?.n).toBe(4);
    expect(c?.loo?.n).toBe(4);
    expect(wild.posteriors.get('new')?.residualScale).toBeGreaterThan(1.5);
    expect(calm.posteriors.get('new')?.residualScale).toBe(1);
    // a second calibration adds up
    const again = calibrateSeries(wild, [rec('new', 1, 64, 0.6)]);
    expect(again.series.stats.find((s) => s.key === 'new')?.loo?.n).toBe(5);
  });

  it('taking a record out of merged statistics gives the statistics of the rest', () => {
    const records = [{ model: 'a', tp: 1, batch: 4 }, { model: 'a', tp: 2, batch: 32 }, { model: 'a', tp: 1, batch: 128 }];
    const r = [0.1, -0.2, 0.3];
    const [all] = seriesStats(records, r, BY, CENTER);
    const [one] = seriesStats([records[1]], [r[1]], BY, CENTER);
    const [rest] = seriesStats([records[0], records[2]], [r[0], r[2]], BY, CENTER);
    const out = withoutStats(all, one);
    expect(out.n).toBe(2);
    expect(out.rr).toBeCloseTo(rest.rr, 12);
    expect(out.zr[0]).toBeCloseTo(rest.zr[0], 12);
    expect(out.zr[1]).toBeCloseTo(rest.zr[1], 12);
    const merged = mergeStats({ ...all, loo: { z2: 2, n: 1 } }, { ...one, loo: { z2: 3, n: 2 } });
    expect(merged.loo).toEqual({ z2: 5, n: 3 });
    expect(residualScaleOf({ ...rest, loo: { z2: 40, n: 4 } }, [0, 0, 0], { sigma: 1, tauLevel: 1, tauSlope: 1, tauSetting: 1, residualDof: 4 })).toBeCloseTo(Math.sqrt(44 / 8), 12);
  });
});

describe('hierarchical-stacked', () => {
  it('learns a shape every series shares (here a workload factor) and keeps intervals and calibration', async () => {
    const normal = normalOf(9);
    const records: TrainRecord[] = [];
    for (let g = 0; g < 12; g++) {
      const u = 0.2 * normal();
      for (const workload of ['chat', 'code']) for (const batch of [1, 8, 64]) {
        records.push({ model: `Llama-3.1-8B-Instruct`, hardware: g % 2 ? 'H100' : 'A100', precision: 'bf16', framework: `f${g}`, tp: 1, pp: 1, batch, workload, output_tokens: 100, input_tokens: 100, energy_j: 100 * Math.exp(u + (workload === 'code' ? 0.4 : 0) + 0.02 * normal()) } as TrainRecord);
      }
    }
    // the residual model: XGBoost, whose trees fit's path stores in the model file
    const method = createStackedHierarchicalMethod(await createGradientBoostingMethod(), { folds: 3 });
    const train = records.filter((r) => r.framework !== 'f0');
    const fit = method.fit(train, { seed: 1 }) as FittedMethod & { predictInterval: (c: readonly TrainRecord[]) => { lowJ: number; highJ: number }[] };
    const held = records.filter((r) => r.framework === 'f0');
    const chatOnly = held.filter((r) => r.workload === 'chat');
    const cal = fit.calibrate?.(chatOnly) as typeof fit;
    const code = held.filter((r) => r.workload === 'code');
    const ratio = cal.predict(code).map((p, i) => p / (code[i].energy_j / code[i].output_tokens));
    // the code workload, never seen for this series, is predicted within 10 % thanks to the shared residual model
    for (const q of ratio) expect(Math.abs(Math.log(q))).toBeLessThan(0.1);
    for (const iv of cal.predictInterval(code)) expect(iv.lowJ).toBeLessThan(iv.highJ);
  });
});
