/**
 * The hierarchical fit with functional series effects of learnt covariance (model/series-covariance.ts) behind the
 * method interface: the closed form with series effects fitted as `hierarchical` fits it, then each series' log
 * residuals under its shared structure a regression on a small basis (level, log batch, its square, workload, log
 * GPUs, log TP) with coefficients ~ N(0, Sigma), Sigma estimated by EM over the training series; a new series' k
 * records set its posterior. A series with no record gets the hierarchical fit's prediction (the pooled fit).
 */
import { fitHierarchical, logResiduals, predictHierarchical, type HierarchicalFit } from '../model/hierarchical.js';
import { DEFAULT_SERIES_SPREADS, seriesSpreadsEstimator } from '../model/series-fit.js';
import { groupKey, resolveSeriesKey, type RecordLike } from '../model/series-effects.js';
import {
  covBasisOf, covEffectAt, covPosterior, covSeriesStats, DEFAULT_COV_FEATURES, estimateCovEffects,
  type CovEffects, type CovFeature, type CovPosterior, type CovSeries,
} from '../model/series-covariance.js';
import { closedFormMethod } from './closed-form.js';
import { memoisedFit, type IntervalMethod } from './hierarchical.js';
import type { EnergyMethod, PredictInput, TrainRecord } from './method.js';

export interface CovarianceFit {
  hierarchical: HierarchicalFit;
  model: CovEffects;
  stats: CovSeries[];
}

const Z95 = 1.959963984540054;

export interface CovarianceMethodOptions {
  features?: readonly CovFeature[];
  /** Sigma's correlations shrunk towards zero by a prior weight of this many series (Infinity: a diagonal Sigma) */
  shrink?: number;
  /** the method's name (default hierarchical-covariance) */
  name?: string;
}

/** The covariance model on a hierarchical fit of these records (its starting spreads: the fit's components). */
export function fitSeriesCovariance(records: readonly TrainRecord[], hierarchical: HierarchicalFit, options: CovarianceMethodOptions = {}): CovarianceFit {
  const { by, center, components: c } = hierarchical.series;
  const keyOf = (r: RecordLike): string => groupKey(r, by.series);
  const basis = covBasisOf(records, center, options.features ?? DEFAULT_COV_FEATURES, keyOf);
  const stats = covSeriesStats(basis, by, records, logResiduals(hierarchical.shared, records), keyOf);
  const variances = basis.names.map((n) => (n === 'level' ? c.tauLevel ** 2 : n === 'batch' ? c.tauSlope ** 2 : 0.01));
  const shrink = options.shrink ?? 0;
  const model = estimateCovEffects(stats, basis, { variances, tauSetting: c.tauSetting, sigma: c.sigma }, { shrink: Number.isFinite(shrink) ? shrink : 1e12 });
  return { hierarchical, model, stats };
}

/** The fit with calibration records added to their series (Sigma and the shared structure stay: they are the prior). */
export function calibrateSeriesCovariance(fit: CovarianceFit, records: readonly TrainRecord[]): CovarianceFit {
  const { by } = fit.hierarchical.series;
  const known = new Map(fit.stats.map((s) => [s.key, { records: s.n }]));
  const keyOf = (r: RecordLike): string => resolveSeriesKey(r, by.series, known);
  return { ...fit, stats: covSeriesStats(fit.model.basis, by, records, logResiduals(fit.hierarchical.shared, records), keyOf, fit.stats) };
}

/** Predictions: a seen series' shared prediction times exp(shift), with its predictive interval; else the hierarchical fit's. */
export function predictSeriesCovariance(fit: CovarianceFit, configs: readonly PredictInput[], cache = new Map<string, CovPosterior>()) {
  const out = predictHierarchical(fit.hierarchical, configs);
  const { by } = fit.hierarchical.series;
  const byKey = new Map(fit.stats.map((s) => [s.key, s]));
  const known = new Map(fit.stats.map((s) => [s.key, { records: s.n }]));
  const seen = configs.flatMap((c, i) => (byKey.has(resolveSeriesKey(c, by.series, known)) ? [i] : []));
  if (seen.length === 0) return out;
  const base = fit.hierarchical.shared.predict(seen.map((i) => configs[i]));
  seen.forEach((i, j) => {
    const key = resolveSeriesKey(configs[i], by.series, known);
    if (!cache.has(key)) cache.set(key, covPosterior(fit.model, byKey.get(key)!));
    const e = covEffectAt(fit.model, cache.get(key), configs[i], by);
    const mid = base[j] * Math.exp(e.shift);
    out[i] = { ...out[i], shift: e.shift, sd: e.sd, residualSd: fit.model.sigma, energyPerTokenJ: mid, lowJ: mid * Math.exp(-Z95 * e.sd), highJ: mid * Math.exp(Z95 * e.sd) };
  });
  return out;
}

export function fittedCovariance(fit: CovarianceFit, name: string): IntervalMethod {
  const cache = new Map<string, CovPosterior>();
  const d = fit.model.basis.names.length;
  return {
    method: name,
    notes: [...fit.hierarchical.shared.notes, `covariance series effects: ${fit.stats.length} series; sd ${fit.model.basis.names.map((n, i) => `${n} ${Math.sqrt(fit.model.cov[i * d + i]).toFixed(3)}`).join(', ')}, setting ${fit.model.tauSetting.toFixed(3)}, residual ${fit.model.sigma.toFixed(3)}`],
    predict: (configs) => predictSeriesCovariance(fit, configs, cache).map((p) => p.energyPerTokenJ),
    predictInterval: (configs) => predictSeriesCovariance(fit, configs, cache).map(({ lowJ, highJ }) => ({ lowJ, highJ })),
    calibrate: (records: readonly TrainRecord[]) => fittedCovariance(calibrateSeriesCovariance(fit, records), name),
  };
}

/** Hierarchical fits shared by every covariance method of one process (they differ only in the effects on top). */
const sharedHierarchical = new Map<string, HierarchicalFit>();

export function createCovarianceHierarchicalMethod(options: CovarianceMethodOptions = {}): EnergyMethod {
  const estimateSpreads = seriesSpreadsEstimator(DEFAULT_SERIES_SPREADS);
  const memo = new Map<string, CovarianceFit>();
  const name = options.name ?? 'hierarchical-covariance';
  return {
    name,
    label: 'closed form + series effects of learnt covariance',
    kind: 'closed form',
    description: 'the closed form with series effects, each series\' log residuals a regression on a small basis (level, log batch, its square, workload, layout) whose coefficients share one covariance, estimated by EM',
    fit: (records, ctx = {}) => fittedCovariance(memoisedFit(memo, records, ctx.seed, () => {
      const hier = memoisedFit(sharedHierarchical, records, ctx.seed, () => fitHierarchical(records, (recs, c) => closedFormMethod.fit(recs, c), ctx, estimateSpreads ? { estimateSpreads } : {}));
      return fitSeriesCovariance(records, hier, options);
    }), name),
  };
}
