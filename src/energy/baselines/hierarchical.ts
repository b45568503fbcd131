/**
 * The closed form with per-series effects (model/hierarchical.ts) behind the method interface: fitted on public
 * records of many series, calibrated to a new series by the posterior of its effects from a few of its records
 * (the shared parameters and the spread of series effects stay: they are the prior).
 */
import { calibrateSeries, fitHierarchical, predictHierarchical, type HierarchicalFit, type HierarchicalOptions } from '../model/hierarchical.js';
import { DEFAULT_SERIES_SPREADS, seriesSpreadsEstimator } from '../model/series-fit.js';
import { fnv1a } from '../../util/hash.js';
import { closedFormMethod } from './closed-form.js';
import type { EnergyMethod, FittedMethod, MethodContext, PredictInput, TrainRecord } from './method.js';

export interface IntervalMethod extends FittedMethod {
  /** 95 % prediction intervals of energy per output token (J) */
  predictInterval(configs: readonly PredictInput[]): { lowJ: number; highJ: number }[];
}

/** A hierarchical fit behind the method interface (predict, intervals, calibrate by a series' posterior). */
export function fittedHierarchical(fit: HierarchicalFit): IntervalMethod {
  const c = fit.series.components;
  const notes = [
    ...fit.shared.notes,
    `series effects: ${fit.series.stats.length} series; spreads (log energy) level ${c.tauLevel.toFixed(3)}, slope in log batch ${c.tauSlope.toFixed(3)}, setting ${c.tauSetting.toFixed(3)}, residual ${c.sigma.toFixed(3)}`,
  ];
  return {
    method: 'hierarchical',
    notes,
    predict: (configs) => predictHierarchical(fit, configs).map((p) => p.energyPerTokenJ),
    predictInterval: (configs) => predictHierarchical(fit, configs).map(({ lowJ, highJ }) => ({ lowJ, highJ })),
    calibrate: (records: readonly TrainRecord[]) => fittedHierarchical(calibrateSeries(fit, records)),
  };
}

/** A fingerprint of a training set and seed, so splits that share their training records share one fit. */
export function fingerprint(records: readonly TrainRecord[], seed: number | undefined): string {
  let h = fnv1a('');
  for (const r of records) h = fnv1a(`${r.model}|${r.hardware}|${r.tp}|${r.pp}|${r.batch}|${r.energy_j}|${r.output_tokens};`, h);
  return `${records.length}:${h}:${seed ?? ''}`;
}

/** How many fits a method's memo holds: the protocols fit each training set several times, one after another. */
const MEMO_FITS = 64;

/** Stores `value` under `key`, the oldest entry leaving once the memo holds MEMO_FITS; returns `value`. */
export function remember<T>(memo: Map<string, T>, key: string, value: T): T {
  if (memo.size >= MEMO_FITS) memo.delete(memo.keys().next().value as string);
  memo.set(key, value);
  return value;
}

/** The fit of a training set and seed (their fingerprint) from `memo`, computed and remembered on a miss. */
export function memoisedFit<T>(memo: Map<string, T>, records: readonly TrainRecord[], seed: number | undefined, compute: () => T): T {
  const key = fingerprint(records, seed);
  return memo.get(key) ?? remember(memo, key, compute());
}

/**
 * The method; `options` chooses the series grouping. Fits are memoised per training set (the protocols reuse them).
 * The spreads are estimated as `fit` estimates them (DEFAULT_SERIES_SPREADS) unless `options.estimateSpreads` says otherwise.
 */
export function createHierarchicalMethod(given: HierarchicalOptions = {}): EnergyMethod {
  const estimateSpreads = given.estimateSpreads ?? seriesSpreadsEstimator(DEFAULT_SERIES_SPREADS);
  const options: HierarchicalOptions = { ...given, ...(estimateSpreads ? { estimateSpreads } : {}) };
  const memo = new Map<string, HierarchicalFit>();
  const shared = (records: readonly TrainRecord[], ctx: MethodContext): FittedMethod => closedFormMethod.fit(records, ctx);
  return {
    name: 'hierarchical',
    label: 'closed form + series effects',
    kind: 'closed form',
    description: 'the closed form fitted with per-series effects (level, slope in log batch, setting level) shrunk by empirical Bayes; calibrated by the posterior of a series\' effects',
    fit: (records, ctx = {}) => {
      return fittedHierarchical(memoisedFit(memo, records, ctx.seed, () => fitHierarchical(records, shared, ctx, options)));
    },
  };
}

export const hierarchicalMethod: EnergyMethod = createHierarchicalMethod();
