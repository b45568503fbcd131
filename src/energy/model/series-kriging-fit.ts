/**
 * The kriging series model (series-kriging.ts) on a hierarchical fit: the kernel estimated from the training series'
 * log residuals under the fit's shared structure, each series' points kept so a series' posterior can be formed (and
 * grown by calibration records) at predict time. A series with no point gets the hierarchical fit's prediction (the
 * pooled fit for a series it knows nothing of).
 */
import type { FittedMethod, PredictInput, TrainRecord } from '../baselines/method.js';
import { logResiduals, predictHierarchical, type HierarchicalFit, type HierarchicalPrediction } from './hierarchical.js';
import { groupKey, resolveSeriesKey, type RecordLike, type SeriesBy, type SeriesModel } from './series-effects.js';
import {
  estimateKrigingKernel, krigingAt, krigingPoint, krigingPosterior, varyingFeatures,
  type KrigingEstimateOptions, type KrigingKernel, type KrigingPosterior, type KrigingSeries,
} from './series-kriging.js';

export interface SeriesKrigingFit {
  /** the hierarchical fit (predictSeriesKriging needs its posteriors for series without points) */
  hierarchical: HierarchicalFit;
  kernel: KrigingKernel;
  /** every series' points and residuals, by series key */
  series: Map<string, KrigingSeries>;
}

/** Records' kriging series (their points under the kernel, and their log residuals) added to a copy of `into`. */
export function withKrigingPoints(kernel: KrigingKernel, by: SeriesBy, records: readonly RecordLike[], residuals: ArrayLike<number>, into: ReadonlyMap<string, KrigingSeries>, keyOf: (r: RecordLike, i: number) => string): Map<string, KrigingSeries> {
  const out = new Map([...into].map(([k, s]) => [k, { key: k, points: [...s.points], residuals: [...s.residuals] }]));
  records.forEach((r, i) => {
    const key = keyOf(r, i);
    const s = out.get(key) ?? { key, points: [], residuals: [] };
    out.set(key, s);
    s.points.push(krigingPoint(r, kernel.features, kernel.center, by));
    s.residuals.push(residuals[i]);
  });
  return out;
}

/** Records' kriging series under a fit's shared structure, appended to a copy of `into`. */
export function addKrigingSeries(fit: Pick<SeriesKrigingFit, 'hierarchical' | 'kernel'>, records: readonly TrainRecord[], into: Map<string, KrigingSeries>, keyOf: (r: TrainRecord, i: number) => string): Map<string, KrigingSeries> {
  return withKrigingPoints(fit.kernel, fit.hierarchical.series.by, records, logResiduals(fit.hierarchical.shared, records), into, (r, i) => keyOf(r as TrainRecord, i));
}

/**
 * The kernel and every series' points from records' log residuals under a shared structure (`shared`, with the series
 * model's grouping, batch centre, and components as the spreads' starting point).
 */
export function estimateSeriesKriging(records: readonly TrainRecord[], shared: FittedMethod, model: Pick<SeriesModel, 'by' | 'center' | 'components'>, options: KrigingFitOptions = {}): { kernel: KrigingKernel; series: Map<string, KrigingSeries> } {
  const { by, center, components } = model;
  const keyOf = options.keyOf ?? ((r: TrainRecord) => groupKey(r, by.series));
  const groups = new Map<string, TrainRecord[]>();
  records.forEach((r, i) => {
    const k = keyOf(r, i);
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(r);
  });
  const features = varyingFeatures([...groups.values()]);
  const provisional: KrigingKernel = { features, center, level: 0, slope: 0, setting: 0, spread: 0, sigma: 1, lengths: features.map(() => 1) };
  const series = withKrigingPoints(provisional, by, records, options.residuals ?? logResiduals(shared, records), new Map(), (r, i) => keyOf(r as TrainRecord, i));
  const kernel = estimateKrigingKernel([...series.values()], features, center, components, options);
  return { kernel, series };
}

export interface KrigingFitOptions extends KrigingEstimateOptions {
  /** record i's series key (default: groupKey under the series' columns) */
  keyOf?: (r: TrainRecord, i: number) => string;
  /** each record's log residual, when computed (default: under `shared`) */
  residuals?: ArrayLike<number>;
}

/** The kriging model on a hierarchical fit of these records (its spreads start from the fit's components). */
export function fitSeriesKriging(records: readonly TrainRecord[], hierarchical: HierarchicalFit, options: KrigingFitOptions = {}): SeriesKrigingFit {
  return { hierarchical, ...estimateSeriesKriging(records, hierarchical.shared, hierarchical.series, options) };
}

/** The fit with calibration records added to their series (the kernel and the shared structure stay: they are the prior). */
export function calibrateSeriesKriging(fit: SeriesKrigingFit, records: readonly TrainRecord[]): SeriesKrigingFit {
  const known = new Map([...fit.series].map(([k, s]) => [k, { records: s.points.length }]));
  const keyOf = (r: RecordLike): string => resolveSeriesKey(r, fit.hierarchical.series.by.series, known);
  return { ...fit, series: addKrigingSeries(fit, records, fit.series, keyOf) };
}

const Z95 = 1.959963984540054;

/** Predictions: a seen series' shared prediction times exp(h), with h's predictive interval; else the hierarchical fit's. */
export function predictSeriesKriging(fit: SeriesKrigingFit, configs: readonly PredictInput[], cache = new Map<string, KrigingPosterior | undefined>()): HierarchicalPrediction[] {
  const hier = predictHierarchical(fit.hierarchical, configs);
  const known = new Map([...fit.series].map(([k, s]) => [k, { records: s.points.length }]));
  const { by } = fit.hierarchical.series;
  const seen: number[] = [];
  const keys = configs.map((c, i) => {
    const key = resolveSeriesKey(c, by.series, known);
    if ((fit.series.get(key)?.points.length ?? 0) > 0) seen.push(i);
    return key;
  });
  if (seen.length === 0) return hier;
  const base = fit.hierarchical.shared.predict(seen.map((i) => configs[i]));
  seen.forEach((i, j) => {
    const key = keys[i];
    if (!cache.has(key)) cache.set(key, krigingPosterior(fit.kernel, fit.series.get(key)!));
    const g = krigingAt(fit.kernel, cache.get(key), krigingPoint(configs[i], fit.kernel.features, fit.kernel.center, by));
    const mid = base[j] * Math.exp(g.shift);
    hier[i] = { ...hier[i], shift: g.shift, sd: g.sd, residualSd: fit.kernel.sigma, energyPerTokenJ: mid, lowJ: mid * Math.exp(-Z95 * g.sd), highJ: mid * Math.exp(Z95 * g.sd) };
  });
  return hier;
}
