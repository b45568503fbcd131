/** Dataset checks shared by every evaluator, and conversion from row-major tables. */
import { SrError } from '../errors.js';
import type { Dataset } from './types.js';

/** Throws a typed error naming the first problem: lengths, emptiness, non-finite values, negative weights. */
export function validateDataset(data: Dataset): void {
  const { X, y, weights, nFeatures, nRows } = data;
  if (!Number.isInteger(nRows) || nRows < 1) throw new SrError('EMPTY_DATA', `the dataset has no rows (nRows = ${nRows})`);
  if (!Number.isInteger(nFeatures) || nFeatures < 0) throw new SrError('EMPTY_DATA', `nFeatures must be a non-negative integer, got ${nFeatures}`);
  if (X.length !== nFeatures * nRows) {
    throw new SrError('LENGTH_MISMATCH', `X has ${X.length} values; expected nFeatures x nRows = ${nFeatures} x ${nRows} = ${nFeatures * nRows}`);
  }
  if (y.length !== nRows) throw new SrError('LENGTH_MISMATCH', `y has ${y.length} values; expected nRows = ${nRows}`);
  if (weights && weights.length !== nRows) throw new SrError('LENGTH_MISMATCH', `weights has ${weights.length} values; expected nRows = ${nRows}`);
  for (let f = 0; f < nFeatures; f++) {
    for (let r = 0; r < nRows; r++) {
      const v = X[f * nRows + r];
      if (!Number.isFinite(v)) throw new SrError('NON_FINITE_DATA', `X has ${v} at row ${r}, feature ${f}`);
    }
  }
  for (let r = 0; r < nRows; r++) {
    if (!Number.isFinite(y[r])) throw new SrError('NON_FINITE_DATA', `y has ${y[r]} at row ${r}`);
    if (weights) {
      const w = weights[r];
      if (!Number.isFinite(w)) throw new SrError('NON_FINITE_DATA', `weights has ${w} at row ${r}`);
      if (w < 0) throw new SrError('INVALID_DATA', `weights has a negative value ${w} at row ${r}`);
    }
  }
  if (weights && !weights.some((w) => w > 0)) throw new SrError('INVALID_DATA', 'every weight is zero');
}

/** Row-major rows (rows[r][f]) to a feature-major Float64Array. */
export function toFeatureMajor(rows: readonly (readonly number[])[]): { X: Float64Array; nFeatures: number; nRows: number } {
  const nRows = rows.length;
  const nFeatures = nRows > 0 ? rows[0].length : 0;
  const X = new Float64Array(nFeatures * nRows);
  for (let r = 0; r < nRows; r++) {
    const row = rows[r];
    if (row.length !== nFeatures) {
      throw new SrError('LENGTH_MISMATCH', `row ${r} has ${row.length} values; row 0 has ${nFeatures}`);
    }
    for (let f = 0; f < nFeatures; f++) X[f * nRows + r] = row[f];
  }
  return { X, nFeatures, nRows };
}
