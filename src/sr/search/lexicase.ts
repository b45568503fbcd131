/**
 * epsilon-lexicase parent selection (La Cava, Spector and McPhee 2016; options.lexicase): the rows are taken in a
 * random order, and at each row only the candidates whose error there is within epsilon of the best candidate's
 * stay; epsilon of a row is the median absolute deviation of the population's errors on it. A member that fits
 * some rows very well is chosen even when its mean loss is poor, which keeps terms that are right on part of the
 * data alive. Errors are |prediction - y| per row (Infinity everywhere for a prediction that is not finite).
 */
import type { Rng } from '../util/rng.js';

/** |p - y| per row; every row Infinity when any prediction is not finite. */
export function rowErrors(predictions: Float64Array, y: Float64Array): Float64Array {
  const e = new Float64Array(y.length);
  for (let r = 0; r < y.length; r++) {
    const p = predictions[r];
    if (!Number.isFinite(p)) return e.fill(Infinity);
    e[r] = Math.abs(p - y[r]);
  }
  return e;
}

/** The weighted mse of errors from `rowErrors` (Infinity when they are). */
export function mseOfErrors(e: Float64Array, weights?: Float64Array): number {
  let acc = 0;
  let sw = 0;
  for (let r = 0; r < e.length; r++) {
    const w = weights ? weights[r] : 1;
    acc += w * e[r] * e[r];
    sw += w;
  }
  const l = acc / sw;
  return Number.isFinite(l) ? l : Infinity;
}

const median = (v: number[]): number => {
  v.sort((a, b) => a - b);
  const n = v.length;
  return n === 0 ? 0 : n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
};

/** epsilon per row: the median absolute deviation of the finite errors on it. */
export function caseEpsilons(errors: readonly Float64Array[], nRows: number): Float64Array {
  const eps = new Float64Array(nRows);
  for (let r = 0; r < nRows; r++) {
    const col: number[] = [];
    for (const e of errors) if (Number.isFinite(e[r])) col.push(e[r]);
    const m = median(col.slice());
    eps[r] = median(col.map((v) => Math.abs(v - m)));
  }
  return eps;
}

/** The index of the member epsilon-lexicase selects (ties after every row: one of them at random). */
export function lexicaseSelect(errors: readonly Float64Array[], eps: Float64Array, rng: Rng): number {
  const nRows = eps.length;
  let pool: number[] = [];
  for (let i = 0; i < errors.length; i++) if (Number.isFinite(errors[i][0])) pool.push(i);
  if (pool.length === 0) return rng.int(errors.length);
  // rows in random order (Fisher-Yates), stopping once one candidate is left
  const rows = Array.from({ length: nRows }, (_, r) => r);
  for (let k = 0; k < nRows && pool.length > 1; k++) {
    const j = k + rng.int(nRows - k);
    [rows[k], rows[j]] = [rows[j], rows[k]];
    const r = rows[k];
    let best = Infinity;
    for (const i of pool) if (errors[i][r] < best) best = errors[i][r];
    pool = pool.filter((i) => errors[i][r] <= best + eps[r]);
  }
  return pool.length === 1 ? pool[0] : pool[rng.int(pool.length)];
}
