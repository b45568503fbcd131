/**
 * A seeded sample of the rows of a parametric fit, for fits on many rows: fitParametric runs its starts and
 * robust rounds on such a sample and one run on every row refines the result (levenberg-marquardt.ts).
 */
import { createRng } from '../util/rng.js';
import type { KindRows, ParametricData } from './evaluate.js';

/**
 * Above this many rows (all kinds together) fitParametric runs its starts and robust rounds on a sample of this
 * many rows. 5,000 rows give each of a dozen parameters hundreds of rows per degree of freedom; on the ML.ENERGY
 * import repeated to 100k records, held-out records' error of the sampled fit matches the full fit's (README).
 */
export const DEFAULT_SAMPLE_ROWS = 5_000;

/** `k` distinct indexes of 0..n-1 (a seeded partial Fisher-Yates shuffle), ascending. */
export function sampleIndexes(n: number, k: number, seed: number): Int32Array {
  const rng = createRng(seed);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const m = Math.min(k, n);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, m).sort();
}

/** The rows `idx` of one kind (X stays feature-major). */
export function pickRows(rows: KindRows, idx: Int32Array): KindRows {
  const n = rows.nRows;
  const k = idx.length;
  const nF = rows.X.length / n;
  const X = new Float64Array(nF * k);
  for (let f = 0; f < nF; f++) {
    const from = f * n;
    const to = f * k;
    for (let j = 0; j < k; j++) X[to + j] = rows.X[from + idx[j]];
  }
  const out: KindRows = { X, nRows: k };
  if (rows.y) out.y = Float64Array.from(idx, (i) => rows.y![i]);
  if (rows.weights) out.weights = Float64Array.from(idx, (i) => rows.weights![i]);
  if (rows.groups) out.groups = Int32Array.from(idx, (i) => rows.groups![i]);
  return out;
}

/** About `size` rows in all, each kind sampled in proportion to its rows (at least one row of every kind). */
export function sampleRows(data: ParametricData, size: number, seed: number): Record<string, KindRows> {
  const names = Object.keys(data).filter((k) => data[k].nRows > 0);
  const total = names.reduce((a, k) => a + data[k].nRows, 0);
  const out: Record<string, KindRows> = {};
  names.forEach((name, i) => {
    const rows = data[name];
    const k = Math.max(1, Math.min(rows.nRows, Math.round((size * rows.nRows) / total)));
    out[name] = pickRows(rows, sampleIndexes(rows.nRows, k, seed + 7919 * i));
  });
  return out;
}
