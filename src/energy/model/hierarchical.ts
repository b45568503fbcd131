/**
 * The hierarchical fit: shared parameters (any structure's, through a method's fit) plus per-series effects with
 * shrinkage learned from the data (series-effects.ts). The shared fit and the effects are estimated in turn
 * (backfitting): the shared structure is fitted on records whose energies have their series' current effect taken
 * out, so the shared parameters describe the physics common to every series and not the mix of series in the data.
 */
import type { FittedMethod, MethodContext, PredictInput, TrainRecord } from '../baselines/method.js';
import {
  DEFAULT_SERIES_BY, effectFor, groupKey, resolveSeriesKey, estimateComponents, logBatchCenter, mergeSeriesStats, posteriorOf, seriesStats,
  withLayoutSpread, withoutStats, type EffectPrediction, type RecordLike, type SeriesBy, type SeriesModel, type SeriesPosterior, type SeriesStats, type VarianceComponents,
} from './series-effects.js';
import { crossedLevels, crossedPosteriors, estimateCrossed } from './crossed-effects.js';

/** Fits the shared structure on some records (the energy model's fit, or any method's). */
export type SharedFit = (records: readonly TrainRecord[], ctx: MethodContext) => FittedMethod;

export interface HierarchicalOptions {
  by?: SeriesBy;
  /** shared-fit / effects rounds (default 2: the second shared fit sees the series effects taken out) */
  rounds?: number;
  /** the first round's shared fit when it is already made (the shared structure fitted on the records as measured) */
  first?: FittedMethod;
  /** crossed effects (crossed-effects.ts): factors constant within a series, with a slope in log batch per level if `slope` */
  crossed?: { factors: readonly string[]; slope?: boolean };
  /**
   * the shared fit of the records with these per-record log effects taken out of their energies (default: `sharedFit`
   * on withoutEffect views of the records); a fit that holds its rows in columns refits them without any view
   */
  refit?: (logShifts: Float64Array) => FittedMethod;
  /** record i's series key when known beforehand (default: groupKey of the record under `by.series`) */
  keyOf?: (record: TrainRecord, i: number) => string;
  /**
   * how the variance components are set from the series' statistics (default estimateComponents: maximum marginal
   * likelihood); not used with crossed effects
   */
  estimateSpreads?: (stats: readonly SeriesStats[]) => VarianceComponents;
}

export interface HierarchicalFit {
  shared: FittedMethod;
  series: SeriesModel;
  posteriors: Map<string, SeriesPosterior>;
  /**
   * The shared structure fitted on the records as measured, without effects (the first round): what a series the
   * fit has not seen gets. Under effects, the shared parameters are estimated within series, and the terms that
   * differ only between series (hardware, model size) are left to the effects; a new series, a new GPU above all,
   * is predicted better by the fit that had to explain the differences between series (the between-series
   * estimator). Absent with one round (then `shared` is that fit).
   */
  pooled?: FittedMethod;
}

const measuredPerToken = (r: TrainRecord): number => r.energy_j / r.output_tokens;

const SHIFTED_FIELDS = new Set<PropertyKey>(['energy_j', 'prefill_energy_j', 'decode_energy_j']);

/**
 * The record with its series effect taken out of every energy it carries (times are left as measured). A view,
 * not a copy: a copy of every record per round cost the 500k-record fit most of a gigabyte. Reads, spreads and
 * key listings see the scaled energies; every other field is the record's own.
 */
export function withoutEffect(r: TrainRecord, shift: number): TrainRecord {
  if (shift === 0) return r;
  const f = Math.exp(-shift);
  const scaled = (key: PropertyKey, v: unknown): unknown => (SHIFTED_FIELDS.has(key) && typeof v === 'number' ? v * f : v);
  return new Proxy(r, {
    get: (target, key, receiver) => scaled(key, Reflect.get(target, key, receiver)),
    getOwnPropertyDescriptor: (target, key) => {
      const d = Reflect.getOwnPropertyDescriptor(target, key);
      return d && 'value' in d ? { ...d, value: scaled(key, d.value) } : d;
    },
  });
}

/** Log residuals (measured over predicted energy per token) of records under a shared fit. */
export function logResiduals(shared: FittedMethod, records: readonly TrainRecord[]): Float64Array {
  const pred = shared.predict(records);
  return Float64Array.from(records, (r, i) => Math.log(measuredPerToken(r) / pred[i]));
}

export function posteriorsOf(series: SeriesModel): Map<string, SeriesPosterior> {
  if (series.crossed) return crossedPosteriors(series.stats, series.components, series.crossed);
  return new Map(series.stats.map((s) => [s.key, posteriorOf(s, series.components)]));
}

export type { SeriesModel };

export function fitHierarchical(records: readonly TrainRecord[], sharedFit: SharedFit, ctx: MethodContext = {}, options: HierarchicalOptions = {}): HierarchicalFit {
  const by = options.by ?? DEFAULT_SERIES_BY;
  const rounds = Math.max(1, options.rounds ?? 2);
  const center = logBatchCenter(records);
  const keyOf = options.keyOf;
  let shifts = new Float64Array(records.length);
  let result: HierarchicalFit | undefined;
  let pooled: FittedMethod | undefined;
  for (let round = 0; round < rounds; round++) {
    const refit = options.refit ?? ((s: Float64Array) => sharedFit(records.map((r, i) => withoutEffect(r, s[i])), ctx));
    const shared = round === 0 && options.first ? options.first : refit(shifts);
    pooled ??= shared;
    const stats = seriesStats(records, logResiduals(shared, records), by, center, keyOf ? (r, i) => keyOf(r as TrainRecord, i) : undefined);
    let components;
    let series: SeriesModel;
    if (options.crossed && options.crossed.factors.length > 0) {
      // factor values are read off the records: the caller passes them under the catalog's names
      const levels = crossedLevels(records, options.crossed.factors, (r) => groupKey(r, by.series));
      const est = estimateCrossed(stats, options.crossed.factors, options.crossed.slope ?? false, levels);
      components = est.components;
      series = { by, center, components, stats, crossed: est.crossed };
    } else {
      components = withLayoutSpread((options.estimateSpreads ?? estimateComponents)(stats), stats, by);
      series = { by, center, components, stats };
    }
    const posteriors = posteriorsOf(series);
    shifts = Float64Array.from(records, (r, i) => effectFor(r, by, center, components, posteriors, keyOf ? keyOf(r, i) : undefined).shift);
    if (result && result.shared !== pooled) result.shared.dispose?.();
    result = { shared, series, posteriors, ...(shared !== pooled ? { pooled } : {}) };
  }
  return result as HierarchicalFit;
}

/** The series' effects updated with new records (the shared fit and the components stay: they are the prior). */
export function calibrateSeries(fit: HierarchicalFit, records: readonly TrainRecord[]): HierarchicalFit {
  const { by, center, components } = fit.series;
  const residuals = logResiduals(fit.shared, records);
  const keyOf = (r: RecordLike): string => resolveSeriesKey(r, by.series, fit.posteriors);
  const fresh = seriesStats(records, residuals, by, center, keyOf);
  const crossed = fit.series.crossed
    ? { ...fit.series.crossed, levels: crossedLevels(records, fit.series.crossed.factors, (r) => resolveSeriesKey(r, by.series, fit.posteriors), fit.series.crossed.levels) }
    : undefined;
  let stats = mergeSeriesStats(fit.series.stats, fresh);
  if (!crossed && components.residualDof !== undefined) stats = withLooCheck(stats, records, residuals, fit.series, keyOf);
  const series: SeriesModel = { ...fit.series, by, center, components, stats, ...(crossed ? { crossed } : {}) };
  return { shared: fit.shared, series, posteriors: posteriorsOf(series), ...(fit.pooled ? { pooled: fit.pooled } : {}) };
}

/**
 * The leave-one-out check of each calibrated series' predictive spread: every new record is predicted from its
 * series' other records (known and new), and its squared standardised error is added to the series' `loo` sums
 * (series-effects.ts residualScaleOf turns them into a scale on the series' predictive spread). A series whose
 * records disagree with each other more than its posterior says, e.g. records at prompt or output lengths the
 * others lack, then gets wider intervals.
 */
function withLooCheck(stats: SeriesStats[], records: readonly TrainRecord[], residuals: Float64Array, series: SeriesModel, keyOf: (r: RecordLike) => string): SeriesStats[] {
  const { by, center, components } = series;
  const byKey = new Map(stats.map((s) => [s.key, s]));
  const added = new Map<string, { z2: number; n: number }>();
  records.forEach((r, j) => {
    const key = keyOf(r);
    const all = byKey.get(key);
    if (!all) return;
    const one = seriesStats([r], [residuals[j]], by, center, () => key)[0];
    const post = posteriorOf(withoutStats(all, one), { ...components, residualDof: undefined });
    const e = effectFor(r, by, center, components, new Map([[key, post]]), key);
    const z = (residuals[j] - e.shift) / e.sd;
    const a = added.get(key) ?? { z2: 0, n: 0 };
    added.set(key, { z2: a.z2 + z * z, n: a.n + 1 });
  });
  return stats.map((s) => {
    const a = added.get(s.key);
    return a ? { ...s, loo: { z2: (s.loo?.z2 ?? 0) + a.z2, n: (s.loo?.n ?? 0) + a.n } } : s;
  });
}

export interface HierarchicalPrediction extends EffectPrediction {
  energyPerTokenJ: number;
  /** 95 % interval of energy per token from the effects' posterior and the residual spread */
  lowJ: number;
  highJ: number;
}

const Z95 = 1.959963984540054;

/**
 * Each configuration's energy per token: the shared fit with its series' effect, or, for a series the fit has not
 * seen and knows nothing of (`uninformed`), the pooled fit; the interval is the effect's predictive spread either way
 * (for a new series: the spread of series levels and the residual spread).
 */
export function predictHierarchical(fit: HierarchicalFit, configs: readonly PredictInput[]): HierarchicalPrediction[] {
  const { by, center, components } = fit.series;
  const effects = configs.map((c) => effectFor(c, by, center, components, fit.posteriors));
  const base = fit.shared.predict(configs);
  const unseen = fit.pooled ? effects.flatMap((e, i) => (e.uninformed ? [i] : [])) : [];
  if (unseen.length > 0) {
    const pooled = fit.pooled!.predict(unseen.map((i) => configs[i]));
    unseen.forEach((i, k) => { base[i] = pooled[k]; });
  }
  return effects.map((e, i) => {
    const mid = base[i] * Math.exp(e.shift);
    return { ...e, energyPerTokenJ: mid, lowJ: mid * Math.exp(-Z95 * e.sd), highJ: mid * Math.exp(Z95 * e.sd) };
  });
}
