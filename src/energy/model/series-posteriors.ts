/**
 * Series posteriors and the effect a record gets: here, not in series-effects.ts, because a model with crossed
 * effects takes its posteriors from crossed-effects.ts, which builds on series-effects.ts.
 */
import { crossedPosteriors } from './crossed-effects.js';
import { effectFor, groupKey, posteriorOf, type CrossedEffects, type RecordLike, type SeriesModel, type SeriesPosterior, type SeriesStats, type VarianceComponents } from './series-effects.js';

const posteriorCache = new WeakMap<{ stats: SeriesStats[]; components: VarianceComponents }, Map<string, SeriesPosterior>>();

/** Each series' posterior under the model's components (computed once per series model, or its latency effects). */
export function seriesPosteriors(series: { stats: SeriesStats[]; components: VarianceComponents; crossed?: CrossedEffects }): Map<string, SeriesPosterior> {
  let p = posteriorCache.get(series);
  if (!p) {
    p = series.crossed ? crossedPosteriors(series.stats, series.components, series.crossed) : new Map(series.stats.map((s) => [s.key, posteriorOf(s, series.components)]));
    posteriorCache.set(series, p);
  }
  return p;
}

/** The series effect applied to a prediction, for people: which series, from how many records, as a factor on energy. */
export interface AppliedSeriesEffect {
  /** the series' key (its columns joined by "|"); the record's own key when the series is new */
  series: string;
  /** the series was seen (in the fit or a calibration) */
  seen: boolean;
  /** records of the series behind its effect (0: the prior, the shared model's prediction) */
  records: number;
  /** the effect as a factor on energy (exp of the log shift), with its 95 % interval (the effect's posterior only) */
  factor: number;
  factorLow: number;
  factorHigh: number;
  /** the setting (layout, workload) had records of its own */
  settingSeen: boolean;
  /** a new series the model knows nothing of, predicted by the fit without series effects (ModelSeries.pooled) */
  pooled?: boolean;
  /** the series' effect on time per output token as a factor, and from how many timed records (latency effects only) */
  latencyFactor?: number;
  latencyRecords?: number;
}

const Z95_EFFECT = 1.959963984540054;

/** The effect a record gets from a series model, and its predictive sd in log space (effects and residual spread). */
export function applySeriesEffect(record: RecordLike, series: SeriesModel): { applied: AppliedSeriesEffect; shift: number; sd: number; uninformed: boolean } {
  const posteriors = seriesPosteriors(series);
  const e = effectFor(record, series.by, series.center, series.components, posteriors);
  const effectSd = Math.sqrt(Math.max(0, e.sd ** 2 - e.residualSd ** 2));
  const seen = e.series !== '';
  const lat = series.latency ? effectFor(record, series.by, series.center, series.latency.components, seriesPosteriors(series.latency)) : undefined;
  return {
    shift: e.shift, sd: e.sd, uninformed: e.uninformed === true,
    applied: {
      series: seen ? e.series : groupKey(record, series.by.series), seen, records: e.records,
      factor: Math.exp(e.shift), factorLow: Math.exp(e.shift - Z95_EFFECT * effectSd), factorHigh: Math.exp(e.shift + Z95_EFFECT * effectSd),
      settingSeen: e.settingSeen,
      ...(lat ? { latencyFactor: Math.exp(lat.shift), latencyRecords: lat.records } : {}),
    },
  };
}
