/**
 * Series effects in a fitted energy model (what `energylens fit` does by default, and `fit --base`):
 *
 * - `fitSeriesEffects`: a model fitted on records of several series gets per-series effects (hierarchical.ts,
 *   series-effects.ts): the spreads by empirical Bayes, then the shared parameters refitted on the records with
 *   their series' effect taken out (backfitting), so the shared parameters describe what all series have in common.
 * - `calibrateFromBase`: a user's own records set their series' effects under a base model (say, one fitted on all
 *   of ML.ENERGY v3): the base's shared parameters and effect spreads are the prior and stay as they are; only the
 *   series' statistics grow. Unlike `fit --calibrate` (which refits shared parameters on the user's records alone),
 *   a handful of records cannot overfit: each effect is shrunk toward the base by the base's spreads.
 *
 * Series keys use the catalog's names of the model and the hardware, so an alias (H100) meets the series its
 * records named otherwise (H100-SXM5-80GB).
 */
import { EnergyLensError } from '../../errors.js';
import type { EnergyMethod, FittedMethod, MethodContext, TrainRecord } from '../baselines/method.js';
import { builtinCatalog, type Catalog } from '../catalog/catalog.js';
import { fitEnergyModel, fitPreparedEnergy, prepareEnergyFit, type FitEnergyOptions, type FitRecord, type PreparedEnergyFit } from './fit.js';
import { calibrateSeries, fitHierarchical, logResiduals, type HierarchicalFit } from './hierarchical.js';
import type { KrigingEstimateOptions } from './series-kriging.js';
import { estimateSeriesKriging, withKrigingPoints } from './series-kriging-fit.js';
import { packKriging, unpackKrigingSeries } from './series-kriging-file.js';
import { packResidualTrees, type ResidualTrees } from './residual-trees.js';
import { fitStackedResiduals, type StackedResidualOptions } from './stacked-residuals.js';
import type { EnergyModel, ModelSeries } from './model-file.js';
import { canonicalNames, hasLatency, predictPoints, residualTreeFactors } from './predict.js';
import {
  checkSeriesBy, DEFAULT_SERIES_BY, estimateComponents, groupKey, mergeSeriesStats, resolveSeriesKey, seriesStats,
  type LatencyEffects, type SeriesBy, type SeriesModel, type SeriesStats, type SpreadOptions, type VarianceComponents,
} from './series-effects.js';
import { seriesPosteriors } from './series-posteriors.js';

/** Whether `fit` (the CLI, and npm run build:base-model) adds residual trees to series effects unless told. */
export const DEFAULT_RESIDUAL_TREES = false;

export interface SeriesFitOptions {
  /** the grouping (default DEFAULT_SERIES_BY: model, hardware, precision, framework; a setting is a layout on a workload) */
  by?: SeriesBy;
  /** shared-fit / effects rounds (default 2) */
  rounds?: number;
  catalog?: Catalog;
  /** file name for error messages */
  file?: string;
  /** crossed effects of series columns (crossed-effects.ts); absent: the series' own effects only */
  crossed?: { factors: readonly string[]; slope?: boolean };
  /** how the energy effects' variance components are set (default: maximum marginal likelihood, estimateComponents) */
  estimateSpreads?: (stats: readonly SeriesStats[]) => VarianceComponents;
  /**
   * the spreads' estimator, when estimateSpreads is not given (default DEFAULT_SERIES_SPREADS; `{}`: plain maximum
   * marginal likelihood): `reml` corrects the marginal likelihood for the shared fit's free parameters
   * (series-effects.ts SpreadOptions.sharedParameters), `boundaryAvoiding` puts a Gamma(2) prior on each effect
   * spread, `withoutSlope` drops the slopes in log batch, `slopeMinSeries` keeps them only when that many series have
   * three or more records at varying batch
   */
  spreads?: SeriesSpreads;
  /**
   * the stacked residual model (stacked-residuals.ts): this method (gradient boosting, whose fits export their trees)
   * learns g on the shared structure's residuals, the model file stores its trees (`residualTrees`) and the series
   * effects are estimated on what g leaves; absent: no trees
   */
  residualTrees?: { method: EnergyMethod } & Pick<StackedResidualOptions, 'folds' | 'target' | 'maxTrainRecords'>;
  /**
   * kriging series effects (series-kriging.ts): each series' log residuals under the shared structure (and the trees)
   * a Gaussian process with hyperparameters shared by the series, stored with every series' points; absent: none
   */
  kriging?: boolean | KrigingEstimateOptions;
}

export interface SeriesSpreads { reml?: boolean; boundaryAvoiding?: boolean; withoutSlope?: boolean; slopeMinSeries?: number; slopeWithinRange?: boolean }

/**
 * `fit`'s series spreads (issue 14): a boundary-avoiding prior on each spread, and slopes in log batch only when six
 * or more series have three or more records at varying batch (with one or two records a series' slope cannot be told
 * from its noise). Chosen on ML.ENERGY v3 seeds 101-110, confirmed on seeds 1-10 (README, "The spreads with one or
 * two records per series"): it removes the batch extrapolation loss and ties elsewhere.
 */
export const DEFAULT_SERIES_SPREADS: SeriesSpreads = { boundaryAvoiding: true, slopeMinSeries: 6 };

/** The spreads' estimator of `options` for a shared fit with `free` free parameters (undefined: maximum likelihood). */
function spreadEstimator(options: SeriesFitOptions, free: number): ((stats: readonly SeriesStats[]) => VarianceComponents) | undefined {
  return options.estimateSpreads ?? seriesSpreadsEstimator(options.spreads ?? DEFAULT_SERIES_SPREADS, free);
}

/**
 * The estimator of the series spreads `s` describes (undefined: plain maximum likelihood); `free` is the shared fit's
 * free parameter count, which only `reml` uses. The hierarchical bench method takes fit's default through it.
 */
export function seriesSpreadsEstimator(s: SeriesSpreads, free = 0): ((stats: readonly SeriesStats[]) => VarianceComponents) | undefined {
  if ((!s.reml && !s.boundaryAvoiding && !s.withoutSlope && s.slopeMinSeries === undefined && !s.slopeWithinRange)) return undefined;
  const spreadOptions: SpreadOptions = { ...(s.reml ? { sharedParameters: free } : {}), ...(s.boundaryAvoiding ? { boundaryAvoiding: true } : {}), ...(s.withoutSlope ? { withoutSlope: true } : {}), ...(s.slopeMinSeries !== undefined ? { slopeMinSeries: s.slopeMinSeries } : {}), ...(s.slopeWithinRange ? { slopeWithinRange: true } : {}) };
  return (stats) => estimateComponents(stats, spreadOptions);
}

/**
 * Each record's series key under `columns`, with the catalog's names of its model and hardware (canonicalNames),
 * looked up once per distinct pair of names; equal keys are one string. No record is copied.
 */
export function seriesKeys(records: readonly FitRecord[], columns: readonly string[], catalog: Catalog = builtinCatalog()): string[] {
  const names = new Map<string, { model: string; hardware: string }>();
  const interned = new Map<string, string>();
  const out = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const pair = `${r.model}\u0000${r.hardware}`;
    let n = names.get(pair);
    if (n === undefined) {
      const c = canonicalNames({ model: r.model, hardware: r.hardware }, catalog);
      n = { model: c.model, hardware: c.hardware };
      names.set(pair, n);
    }
    const key = groupKey(r, columns, n);
    let k = interned.get(key);
    if (k === undefined) { k = key; interned.set(key, k); }
    out[i] = k;
  }
  return out;
}

/** The number of series the records hold under a grouping (catalog names for model and hardware). */
export function countSeries(records: readonly FitRecord[], by: SeriesBy = DEFAULT_SERIES_BY, catalog: Catalog = builtinCatalog()): number {
  return new Set(seriesKeys(records, by.series, catalog)).size;
}

/** A model as a shared fit for the backfitting (its series section, if any, left out; its residual trees applied). */
function sharedOf(model: EnergyModel, catalog: Catalog): FittedMethod & { model: EnergyModel } {
  const pooled: EnergyModel = { ...model };
  delete pooled.series;
  return {
    method: 'closed-form', notes: [], model: pooled,
    predict: (configs) => {
      const p = predictPoints(pooled, configs, 'energy', { catalog });
      if (pooled.residualTrees) {
        const g = residualTreeFactors(pooled, configs, { catalog });
        for (let i = 0; i < p.length; i++) p[i] *= g[i];
      }
      return Array.from(p);
    },
  };
}

/**
 * Latency statistics per series: log measured over predicted time per output token of the records that carry a
 * time, under the shared model (pooled: its series section is left out). `keyOf` names each record's series.
 */
function latencyStats(shared: EnergyModel, records: readonly TrainRecord[], series: SeriesModel, catalog: Catalog, keyOf: (r: TrainRecord, i: number) => string): SeriesStats[] {
  const at: number[] = [];
  records.forEach((r, i) => { if (r.tpot_s !== undefined && r.tpot_s > 0) at.push(i); });
  if (at.length === 0) return [];
  const timed = at.map((i) => records[i]);
  const pooled: EnergyModel = { ...shared };
  delete pooled.series;
  const predicted = predictPoints(pooled, timed, 'latency', { catalog });
  const residuals = timed.map((r, j) => Math.log((r.tpot_s as number) / predicted[j]));
  return seriesStats(timed, residuals, series.by, series.center, (r, j) => keyOf(r as TrainRecord, at[j]));
}

/**
 * Series effects on latency, the same machinery as on energy: the shared model's latency residuals per series,
 * spreads by empirical Bayes. Undefined when the model predicts no latency or fewer than two series are timed
 * (no spread of series to learn from).
 */
function fitLatencyEffects(shared: EnergyModel, records: readonly TrainRecord[], series: SeriesModel, catalog: Catalog, keys: readonly string[]): LatencyEffects | undefined {
  if (!hasLatency(shared)) return undefined;
  const stats = latencyStats(shared, records, series, catalog, (_, i) => keys[i]);
  if (stats.length < 2) return undefined;
  return { components: estimateComponents(stats), stats };
}

/**
 * A model fitted on `records` (by `fitEnergyModel` with `fitOptions`) with per-series effects added: the model as
 * given is the first round's shared fit; later rounds refit the shared parameters with the effects taken out.
 */
export function fitSeriesEffects(model: EnergyModel, records: readonly FitRecord[], fitOptions: FitEnergyOptions, options: SeriesFitOptions = {}): EnergyModel {
  const catalog = options.catalog ?? fitOptions.catalog ?? builtinCatalog();
  const by = options.by ?? DEFAULT_SERIES_BY;
  checkSeriesBy(records, by, options.file ?? fitOptions.file, options.by !== undefined);
  if (options.kriging && options.crossed) throw new EnergyLensError('CONFLICTING_OPTIONS', 'kriging series effects generalise the series\' own effects, not crossed effects: drop one');
  // series keys by the catalog's names, computed once; the records themselves are neither copied nor viewed
  const keys = seriesKeys(records, by.series, catalog);
  const first = sharedOf(model, catalog);
  const options2 = { ...fitOptions, catalog };
  // later rounds refit the shared structure on the records' rows (features computed once, on columns) with the
  // series effects as per-record offsets on the energies
  let prepared: PreparedEnergyFit | undefined;
  const refit = (shifts: Float64Array): FittedMethod => {
    prepared ??= prepareEnergyFit(records, options2);
    return sharedOf(fitPreparedEnergy(prepared, options2, shifts), catalog);
  };
  // crossed effects read their factors (model, hardware, ...) off the records: those get the catalog's names
  const hierRecords = (options.crossed ? records.map((r) => canonicalNames(r, catalog)) : records) as readonly TrainRecord[];
  const estimateSpreads = spreadEstimator(options, model.free.length);
  const fit = fitHierarchical(hierRecords, (recs) => sharedOf(fitEnergyModel(recs, options2), catalog), { catalog },
    { by, rounds: options.rounds ?? 2, first, refit, keyOf: (_, i) => keys[i], ...(options.crossed ? { crossed: options.crossed } : {}), ...(estimateSpreads ? { estimateSpreads } : {}) });
  prepared = undefined;
  const shared = (fit.shared as ReturnType<typeof sharedOf>).model;
  const latency = fitLatencyEffects(shared, records as readonly TrainRecord[], fit.series, catalog, keys);
  const treesStarted = performance.now();
  const stacked = options.residualTrees ? stackResidualTrees(hierRecords, fit, options.residualTrees, { catalog, seed: fitOptions.seed, inputTokens: fitOptions.inputTokens }, keys) : undefined;
  const treesSeconds = stacked ? (performance.now() - treesStarted) / 1000 : 0;
  // the fit without effects (the model as given) rides along for rows of series the model has not seen; with residual
  // trees a new series gets the shared parameters and the trees (the series effects at zero), as the trees were learnt
  const pooled = fit.shared === first || stacked ? {} : { pooled: { parameters: model.parameters, free: model.free, covariance: model.covariance, residualSd: model.residualSd } };
  const out: EnergyModel = {
    ...shared, training: model.training, fit: { ...shared.fit, seconds: model.fit.seconds + (fit.shared === first ? 0 : shared.fit.seconds) + treesSeconds },
    ...(model.selection ? { selection: model.selection } : {}),
    series: { ...(stacked ? stacked.series : fit.series), ...(latency ? { latency } : {}), ...pooled },
    ...(stacked ? { residualTrees: stacked.residualTrees } : {}),
  };
  if (options.kriging) {
    // the kriging series model on the residuals under the shared structure and trees (series-kriging.ts); with trees,
    // each record's residual under trees fitted without its series (cross-fitted), as a new series' records will be
    const k = estimateSeriesKriging(hierRecords, sharedOf(out, catalog), out.series!, { ...(typeof options.kriging === 'object' ? options.kriging : {}), keyOf: (_, i) => keys[i], ...(stacked ? { residuals: stacked.crossFitted } : {}) });
    out.series = { ...out.series!, kriging: packKriging(k.kernel, k.series.values()) };
  }
  return out;
}

/** The stacked residual model on a hierarchical fit: g's trees for the model file, and the series effects under f and g. */
function stackResidualTrees(records: readonly TrainRecord[], fit: HierarchicalFit, options: NonNullable<SeriesFitOptions['residualTrees']>, ctx: MethodContext, keys: readonly string[]): { residualTrees: ResidualTrees; series: SeriesModel; crossFitted: Float64Array } {
  const { method, ...rest } = options;
  const stacked = fitStackedResiduals(records, fit, method, ctx, { ...rest, keyOf: (_, i) => keys[i] });
  try {
    if (!stacked.g.trees) throw new EnergyLensError('INVALID_OPTION', `residual trees: the method "${method.name}" does not export trees (gradient boosting does)`);
    const t = stacked.g.trees();
    return { residualTrees: packResidualTrees(t.trees, t.features, t.baseScore, { target: stacked.target, folds: stacked.folds, records: stacked.records }), series: stacked.series, crossFitted: stacked.crossFitted };
  } finally {
    stacked.g.dispose?.();
  }
}

/**
 * A records error met while reading the user's records for `fit --base`: a record whose model the catalog does not
 * know (and that gives no params_b) matches no series of the base, so the message says why the size is needed.
 */
export function withBaseRecordsHint(err: unknown, baseFile: string): unknown {
  const e = err as EnergyLensError;
  if (!(e instanceof EnergyLensError) || !/expected a catalog model/.test(e.message)) return err;
  return new EnergyLensError(e.code, `${e.message.trimEnd()}\n  such a record matches no series of ${baseFile}: it starts a new series from the shared parameters, which need the model's size (params_b)`);
}

/**
 * The user's records (of their own series, seen by the base or new) calibrate the base model's series effects;
 * the shared parameters and the spreads stay the base's. `baseFile` is recorded in the model's series section.
 */
export function calibrateFromBase(base: EnergyModel, records: readonly FitRecord[], options: { catalog?: Catalog; baseFile?: string; file?: string } = {}): EnergyModel {
  const file = options.file ?? 'the records';
  const baseFile = options.baseFile ?? 'the base model';
  if (!base.series) {
    throw new EnergyLensError('INVALID_MODEL_FILE', `${baseFile} has no series section (a pooled model, fitted with --no-series or on one series); refit it on records of several series, or use --calibrate to refit its parameters`);
  }
  if (records.length === 0) throw new EnergyLensError('EMPTY_DATA', `${file}: no records to calibrate with`);
  records.forEach((r, i) => {
    if (!(r.energy_j > 0) || !(r.output_tokens > 0)) throw new EnergyLensError('INVALID_RECORD', `${file}, row ${i + 1}: energy_j and output_tokens must be > 0 (got ${r.energy_j}, ${r.output_tokens})`);
  });
  const catalog = options.catalog ?? builtinCatalog();
  const series: ModelSeries = base.series;
  checkSeriesBy(records, series.by, file);
  const named = records.map((r) => canonicalNames(r, catalog)) as TrainRecord[];
  const shared = sharedOf(base, catalog);
  const calibrated = calibrateSeries({ shared, series, posteriors: seriesPosteriors(series) }, named);
  const posteriors = seriesPosteriors(series);
  if (series.latency) {
    const fresh = latencyStats(base, named, series, catalog, (r) => resolveSeriesKey(r, series.by.series, posteriors));
    calibrated.series.latency = { components: series.latency.components, stats: mergeSeriesStats(series.latency.stats, fresh) };
  }
  let kriging: ModelSeries['kriging'];
  if (series.kriging) {
    // the records join their series' points: residuals under the shared structure and trees, keyed as the effects
    const { kernel } = series.kriging;
    const grown = withKrigingPoints(kernel, series.by, named, logResiduals(shared, named), new Map(series.kriging.series.map((s) => [s.key, unpackKrigingSeries(s, series.by)])), (r) => resolveSeriesKey(r, series.by.series, posteriors));
    kriging = packKriging(kernel, grown.values());
  }
  const keys = [...new Set(named.map((r) => resolveSeriesKey(r, series.by.series, posteriors)))].sort();
  const previous = series.calibration;
  return {
    ...base,
    series: {
      ...calibrated.series,
      ...(kriging ? { kriging } : {}),
      calibration: {
        base: previous?.base ?? baseFile, records: (previous?.records ?? 0) + records.length,
        series: [...new Set([...(previous?.series ?? []), ...keys])].sort(),
      },
    },
  };
}
