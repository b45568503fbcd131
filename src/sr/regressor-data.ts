/**
 * Turning what a user hands to SymbolicRegressor (rows of numbers, a target, weights, feature names) into a
 * checked feature-major Dataset. Every error names the row and column and what was expected.
 */
import { SrError } from './errors.js';
import { checkFeatureNames } from './expression/print.js';
import type { Dataset, LossName } from './eval/types.js';

/** One row per sample: plain arrays or typed arrays. */
export type Rows = readonly ArrayLike<number>[];

export interface FitInput {
  /** one non-negative weight per row (the loss is the weighted mean) */
  weights?: ArrayLike<number>;
  /** one identifier per column (default x0, x1, ...); they appear in the printed expressions */
  featureNames?: readonly string[];
}

/** fewest rows fit() accepts: with fewer, every two-constant expression fits exactly */
export const MIN_ROWS = 3;

const isNumber = (v: unknown): v is number => typeof v === 'number';

function describe(v: unknown): string {
  return typeof v === 'number' ? String(v) : v === undefined ? 'a missing value' : `${typeof v} ${JSON.stringify(v)}`;
}

/** Rows (row-major) to a feature-major dataset; `featureNames` when given fixes the column count. */
export function datasetFromRows(X: Rows, y: ArrayLike<number> | undefined, input: FitInput = {}): Dataset & { featureNames: string[] } {
  if (!X || typeof X.length !== 'number') throw new SrError('INVALID_DATA', 'X must be an array of rows');
  const nRows = X.length;
  if (nRows === 0) throw new SrError('EMPTY_DATA', 'X has no rows');
  const nFeatures = input.featureNames ? input.featureNames.length : X[0]?.length ?? 0;
  if (nFeatures === 0) throw new SrError('EMPTY_DATA', 'X has no columns (row 0 is empty)');
  const featureNames = input.featureNames ? [...input.featureNames] : Array.from({ length: nFeatures }, (_, i) => `x${i}`);
  checkFeatureNames(featureNames);
  if (y !== undefined && y.length !== nRows) throw new SrError('LENGTH_MISMATCH', `X has ${nRows} rows but y has ${y.length} values`);
  const Xf = new Float64Array(nFeatures * nRows);
  for (let r = 0; r < nRows; r++) {
    const row = X[r];
    if (!row || row.length !== nFeatures) {
      const expected = input.featureNames ? `${nFeatures} (one per feature name: ${featureNames.join(', ')})` : `${nFeatures} like row 0`;
      throw new SrError('LENGTH_MISMATCH', `X row ${r} has ${row?.length ?? 0} values; expected ${expected}`);
    }
    for (let f = 0; f < nFeatures; f++) {
      const v = row[f];
      if (!isNumber(v) || !Number.isFinite(v)) {
        throw new SrError('NON_FINITE_DATA', `X row ${r}, column ${featureNames[f]}: ${describe(v)} is not a finite number`);
      }
      Xf[f * nRows + r] = v;
    }
  }
  const yf = new Float64Array(nRows);
  if (y !== undefined) {
    for (let r = 0; r < nRows; r++) {
      const v = y[r];
      if (!isNumber(v) || !Number.isFinite(v)) throw new SrError('NON_FINITE_DATA', `y row ${r}: ${describe(v)} is not a finite number`);
      yf[r] = v;
    }
  }
  let weights: Float64Array | undefined;
  if (input.weights !== undefined) {
    if (input.weights.length !== nRows) throw new SrError('LENGTH_MISMATCH', `weights has ${input.weights.length} values for ${nRows} rows`);
    weights = new Float64Array(nRows);
    for (let r = 0; r < nRows; r++) {
      const w = input.weights[r];
      if (!isNumber(w) || !Number.isFinite(w)) throw new SrError('NON_FINITE_DATA', `weights row ${r}: ${describe(w)} is not a finite number`);
      if (w < 0) throw new SrError('INVALID_DATA', `weights row ${r}: ${w} is negative`);
      weights[r] = w;
    }
    if (!weights.some((w) => w > 0)) throw new SrError('INVALID_DATA', 'every weight is zero');
  }
  return { X: Xf, y: yf, nFeatures, nRows, weights, featureNames };
}

/** What fit() needs beyond well-formed numbers: enough rows, a target that varies, values the loss accepts. */
export function checkLearnable(data: Dataset, loss: LossName): void {
  if (data.nRows < MIN_ROWS) throw new SrError('INVALID_DATA', `need at least ${MIN_ROWS} rows to fit an expression, got ${data.nRows}`);
  const y = data.y;
  if (y.every((v) => v === y[0])) throw new SrError('INVALID_DATA', `the target is constant (every row is ${y[0]}): nothing to learn`);
  for (let r = 0; r < data.nRows; r++) {
    if (loss === 'mape' && y[r] === 0) throw new SrError('INVALID_DATA', `y row ${r} is 0; loss "mape" divides by |y| (choose another loss)`);
    if (loss === 'msle' && !(y[r] > 0)) throw new SrError('INVALID_DATA', `y row ${r} is ${y[r]}; loss "msle" needs every target value > 0`);
  }
}

/** Coefficient of determination of `pred` against `y` (weighted when weights are given). */
export function r2Score(pred: ArrayLike<number>, y: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let sw = 0;
  let mean = 0;
  for (let i = 0; i < y.length; i++) { const w = weights ? weights[i] : 1; sw += w; mean += w * y[i]; }
  mean /= sw;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < y.length; i++) {
    const w = weights ? weights[i] : 1;
    sse += w * (pred[i] - y[i]) ** 2;
    sst += w * (y[i] - mean) ** 2;
  }
  if (!Number.isFinite(sse)) return -Infinity;
  return sst === 0 ? (sse === 0 ? 1 : 0) : 1 - sse / sst;
}

/** relative error at which an expression counts as exact (a few hundred ulps: rounding, not modelling) */
export const EXACT_RELATIVE_ERROR = 1e-13;

/**
 * The loss an expression has when its only error is rounding, `EXACT_RELATIVE_ERROR` of each target value.
 * Below it, a lower loss is noise: a more complex expression that beats an exact one by 1e-30 is not better.
 */
export function exactLossFloor(data: Dataset, loss: LossName): number {
  const e = EXACT_RELATIVE_ERROR;
  if (loss === 'mape') return e;
  if (loss === 'msle') return e * e;
  let sw = 0;
  let acc = 0;
  for (let r = 0; r < data.nRows; r++) {
    const w = data.weights ? data.weights[r] : 1;
    sw += w;
    acc += w * (loss === 'mse' ? data.y[r] * data.y[r] : Math.abs(data.y[r]));
  }
  const floor = loss === 'mse' ? e * e * (acc / sw) : e * (acc / sw);
  // a target whose squares (or sum) overflow: any finite loss is then at float precision, an infinite one is not
  return Math.min(floor, Number.MAX_VALUE);
}
