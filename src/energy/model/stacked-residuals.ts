/**
 * The stacked residual model (issue 15, a new deployment from a few records):
 *
 *   log y = log f(x; theta) + g(x) + u_s + v_s c + w_{s,l} + e
 *
 * f is the shared structure, (u, v, w) the series effects (hierarchical.ts), and g a residual model (gradient-boosted
 * trees) learnt on the training series' log residuals under f with each series' own level and slope taken out: what
 * every series shares beyond the structure, e.g. how a workload or a layout moves energy, so a setting of a new
 * series that none of its few records covers starts from what the other series say about it. The effects are then
 * re-estimated on what g leaves; for the training series g's predictions come from fits that did not see them
 * (cross-fitting over `folds` groups of series), so the spreads describe a series g has not seen, which a new
 * deployment is. The k records of a new series then set its effects under f + g (the usual posterior).
 *
 * One function for both users: `fit` (series-fit.ts, which stores g's trees in the model file) and the bench
 * method `hierarchical-stacked` (baselines/hierarchical-stacked.ts, which runs fit's path).
 */
import { EnergyLensError } from '../../errors.js';
import { deriveSeed, sampleIndexes } from '../../sr/index.js';
import { byHash } from '../../util/hash.js';
import type { EnergyMethod, FittedMethod, MethodContext, TrainRecord } from '../baselines/method.js';
import { logResiduals, type HierarchicalFit } from './hierarchical.js';
import { effectFor, estimateComponents, groupKey, seriesStats, withLayoutSpread, type SeriesModel } from './series-effects.js';

export interface StackedResidualOptions {
  /** cross-fitting folds of series for the spreads (default DEFAULT_STACK_FOLDS) */
  folds?: number;
  /** what g learns: the residuals with each series' level and slope taken out (default), or also its setting levels */
  target?: 'level' | 'effects';
  /** record i's series key (default: groupKey under the series' columns) */
  keyOf?: (record: TrainRecord, i: number) => string;
  /** above this many records the trees learn from a seeded sample of them (default DEFAULT_STACK_TRAIN_RECORDS) */
  maxTrainRecords?: number;
}

export const DEFAULT_STACK_FOLDS = 5;
/** Records the trees learn from at most (a seeded sample above; every record's residual is still predicted). */
export const DEFAULT_STACK_TRAIN_RECORDS = 10_000;
/** Records predicted at once (the feature table of a block is held in memory). */
const PREDICT_BLOCK = 5_000;
/** The seed stream of the trees' training sample. */
const SAMPLE_STREAM = 307;

export interface StackedResiduals {
  /** g, fitted on every record (predict: exp(g) of each configuration) */
  g: FittedMethod;
  /** the series effects re-estimated on the cross-fitted residuals after f and g */
  series: SeriesModel;
  folds: number;
  target: 'level' | 'effects';
  /** records g learnt from */
  records: number;
  /** each record's log residual after f and a g fitted without its series (the cross-fitted residuals the effects see) */
  crossFitted: Float64Array;
}

/** A record whose energy per token is exp(t): the residual model's training row (its features are the record's). */
const withTarget = (r: TrainRecord, t: number): TrainRecord => ({ ...r, energy_j: r.output_tokens * Math.exp(t) });

/**
 * g and the re-estimated series effects on top of a hierarchical fit (its shared fit f, series and posteriors) of
 * these records. Crossed effects are not stacked (refused).
 */
export function fitStackedResiduals(records: readonly TrainRecord[], base: HierarchicalFit, residualModel: EnergyMethod, ctx: MethodContext = {}, options: StackedResidualOptions = {}): StackedResiduals {
  const { by, center, components } = base.series;
  if (base.series.crossed) throw new EnergyLensError('CONFLICTING_OPTIONS', 'residual trees are fitted under the series\' own effects, not crossed effects: drop one');
  const target = options.target ?? 'level';
  const keys = records.map((r, i) => (options.keyOf ? options.keyOf(r, i) : groupKey(r, by.series)));
  const res = logResiduals(base.shared, records);
  const y = records.map((r, i) => {
    if (target === 'effects') return res[i] - effectFor(r, by, center, components, base.posteriors, keys[i]).shift;
    const m = base.posteriors.get(keys[i])?.mean ?? [0, 0];
    return res[i] - m[0] - m[1] * (Math.log(r.batch) - center);
  });
  const fitOn = (idx: readonly number[]): FittedMethod => residualModel.fit(idx.map((i) => withTarget(records[i], y[i])), ctx);
  const all = records.map((_, i) => i);
  const max = options.maxTrainRecords ?? DEFAULT_STACK_TRAIN_RECORDS;
  const trainOn = records.length <= max ? all : Array.from(sampleIndexes(records.length, max, deriveSeed(ctx.seed ?? 0, SAMPLE_STREAM))).sort((a, b) => a - b);
  const predictLog = (gf: FittedMethod, idx: readonly number[]): number[] => {
    const out: number[] = [];
    for (let b = 0; b < idx.length; b += PREDICT_BLOCK) out.push(...gf.predict(idx.slice(b, b + PREDICT_BLOCK).map((i) => records[i])).map(Math.log));
    return out;
  };
  const g = fitOn(trainOn);
  // cross-fitted residuals of the training series: g fitted without the series' fold
  const folds = Math.max(2, options.folds ?? DEFAULT_STACK_FOLDS);
  const seriesKeys = byHash(new Set(keys));
  const foldOf = new Map(seriesKeys.map((k, j) => [k, j % folds]));
  const left = new Float64Array(records.length);
  for (let f = 0; f < Math.min(folds, seriesKeys.length); f++) {
    const inside = all.filter((i) => foldOf.get(keys[i]) === f);
    const gf = fitOn(trainOn.filter((i) => foldOf.get(keys[i]) !== f));
    const p = predictLog(gf, inside);
    gf.dispose?.();
    inside.forEach((i, j) => { left[i] = res[i] - p[j]; });
  }
  const stats = seriesStats(records, left, by, center, (_, i) => keys[i]);
  return { g, series: { by, center, components: withLayoutSpread(estimateComponents(stats), stats, by), stats }, folds, target, records: trainOn.length, crossFitted: left };
}
