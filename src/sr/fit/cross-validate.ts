/**
 * K-fold cross-validation of a parametric model: groups (e.g. the record a row comes from, so its rows of every
 * kind stay together) are shuffled by a seeded generator and dealt into K folds; each fold is predicted by a fit
 * on the other folds. Scores are pooled over every held-out row of the scored kind: the root mean squared
 * fit-space error (log error in log space) and the mean absolute percentage error.
 */
import { EnergyLensError } from '../../errors.js';
import { createRng } from '../util/rng.js';
import { ParametricEvaluator, type KindRows, type ParametricData } from './evaluate.js';
import { fitWith, type ParametricFitOptions } from './levenberg-marquardt.js';
import { kindOf, type ParametricModel } from './parametric.js';

export interface CrossValidationOptions extends ParametricFitOptions {
  /** default 5 (at most the number of groups) */
  folds?: number;
  /** the kind scored (default: the model's first kind) */
  scoreKind?: string;
  /** called after each fold */
  onFold?: (done: number, total: number) => void;
}

export interface CrossValidationResult {
  folds: number;
  /** root mean squared held-out error in the fit space */
  rmse: number;
  /** mean |p - y| / |y| over the held-out rows */
  mape: number;
  /** held-out prediction of every row of the scored kind, in row order */
  predictions: Float64Array;
  /** the fold of every row of the scored kind */
  fold: Int32Array;
  evaluations: number;
}

function groupsOf(rows: KindRows, kind: string, needed: boolean): Int32Array {
  if (rows.groups) {
    if (rows.groups.length !== rows.nRows) throw new EnergyLensError('LENGTH_MISMATCH', `rows of kind "${kind}": groups has ${rows.groups.length} values; expected ${rows.nRows}`);
    return rows.groups;
  }
  if (needed) throw new EnergyLensError('INVALID_DATA', `rows of kind "${kind}" need groups: with several row kinds, cross-validation keeps each group's rows together`);
  return Int32Array.from({ length: rows.nRows }, (_, i) => i);
}

function subset(rows: KindRows, nFeatures: number, keep: number[]): KindRows {
  const n = rows.nRows;
  const m = keep.length;
  const X = new Float64Array(nFeatures * m);
  for (let f = 0; f < nFeatures; f++) for (let i = 0; i < m; i++) X[f * m + i] = rows.X[f * n + keep[i]];
  return { X, nRows: m, ...(rows.y ? { y: Float64Array.from(keep, (i) => rows.y![i]) } : {}), ...(rows.weights ? { weights: Float64Array.from(keep, (i) => rows.weights![i]) } : {}), ...(rows.groups ? { groups: Int32Array.from(keep, (i) => rows.groups![i]) } : {}) };
}

export function crossValidate(model: ParametricModel, data: ParametricData, options: CrossValidationOptions = {}): CrossValidationResult {
  const kinds = Object.keys(data).filter((k) => data[k].nRows > 0);
  const scoreKind = options.scoreKind ?? model.kinds[0].name;
  kindOf(model, scoreKind);
  const scored = data[scoreKind];
  if (!scored || scored.nRows === 0) throw new EnergyLensError('EMPTY_DATA', `no rows of the scored kind "${scoreKind}"`);
  if (!scored.y) throw new EnergyLensError('INVALID_DATA', `rows of kind "${scoreKind}" have no targets (y)`);
  const groups = new Map(kinds.map((k) => [k, groupsOf(data[k], k, kinds.length > 1)]));
  const ids = [...new Set(kinds.flatMap((k) => Array.from(groups.get(k)!)))].sort((a, b) => a - b);
  const K = Math.min(options.folds ?? 5, ids.length);
  if (!(Number.isInteger(K) && K >= 2)) throw new EnergyLensError('INVALID_OPTION', `cross-validation needs at least 2 folds and 2 groups (folds ${options.folds ?? 5}, groups ${ids.length})`);
  const rng = createRng(options.seed ?? 0);
  for (let i = ids.length - 1; i > 0; i--) { const j = rng.int(i + 1); [ids[i], ids[j]] = [ids[j], ids[i]]; }
  const foldOfGroup = new Map(ids.map((g, i) => [g, i % K]));
  const nF = model.features.length;
  const log = (options.space ?? 'log') === 'log';
  const predictions = new Float64Array(scored.nRows);
  const fold = Int32Array.from(groups.get(scoreKind)!, (g) => foldOfGroup.get(g)!);
  let evaluations = 0;
  for (let f = 0; f < K; f++) {
    const train: Record<string, KindRows> = {};
    for (const k of kinds) {
      const keep = Array.from(groups.get(k)!.keys()).filter((i) => foldOfGroup.get(groups.get(k)![i]) !== f);
      if (keep.length > 0) train[k] = subset(data[k], nF, keep);
    }
    const testRows = Array.from(fold.keys()).filter((i) => fold[i] === f);
    const trainEv = new ParametricEvaluator(model, train, options);
    let values: Float64Array;
    try {
      const fit = fitWith(trainEv, { ...options, holdUnidentified: options.holdUnidentified ?? true });
      values = fit.values;
      evaluations += fit.evaluations;
    } finally {
      trainEv.dispose();
    }
    if (testRows.length > 0) {
      const testEv = new ParametricEvaluator(model, { [scoreKind]: subset({ X: scored.X, nRows: scored.nRows }, nF, testRows) }, options);
      try {
        const p = testEv.predict(kindOf(model, scoreKind), values);
        testRows.forEach((row, i) => { predictions[row] = p[i]; });
      } finally {
        testEv.dispose();
      }
    }
    options.onFold?.(f + 1, K);
  }
  let ss = 0;
  let ape = 0;
  for (let r = 0; r < scored.nRows; r++) {
    const p = predictions[r];
    const y = scored.y[r];
    const e = log ? Math.log(p) - Math.log(y) : p - y;
    ss += Number.isFinite(e) ? e * e : Infinity;
    ape += Math.abs(p - y) / Math.abs(y);
  }
  return { folds: K, rmse: Math.sqrt(ss / scored.nRows), mape: ape / scored.nRows, predictions, fold, evaluations };
}
