/**
 * A prior mean for series effects from series covariates (Fay-Herriot; empirical Bayes with covariates):
 *
 *   u_g ~ N(x_g' beta, tauLevel^2),   v_g ~ N(x_g' gamma, tauSlope^2)   (gamma only with `slope`)
 *
 * x_g describes the series (log parameters, log active parameters, precision, architecture, modality, hardware),
 * so a new series starts from series like it instead of from zero. beta (and gamma) are estimated by generalised
 * least squares under the effects' marginal covariance V_g = Z D Z' + sigma^2 I of each series, from the same
 * sufficient statistics as the spreads (Woodbury: Z'V^-1 Z = Z'Z/s2 - (Z'Z/s2) A^-1 (Z'Z/s2)), alternating with
 * the spreads' maximum marginal likelihood. Everything downstream sees the statistics of the residuals with the
 * prior mean taken out, so the posterior machinery (series-effects.ts) is unchanged.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { estimateComponents, type RecordLike, type SeriesStats, type VarianceComponents } from './series-effects.js';

/** Numeric covariates (log of the column) and categorical ones (one indicator per level but the first). */
const NUMERIC = new Set(['params_b', 'active_params_b']);
const ALIASES: Record<string, string> = { params: 'params_b', active: 'active_params_b' };

export interface CovariateEncoder {
  /** names of the columns of x (the intercept first) */
  columns: string[];
  encode(record: RecordLike): number[];
}

function value(record: RecordLike, c: string): unknown {
  const r = record as unknown as Record<string, unknown> & { extra?: Record<string, string> };
  return r[c] ?? r.extra?.[c];
}

/** The covariate encoder from training records: an intercept, then each named covariate (levels seen in training). */
export function covariateEncoder(records: readonly RecordLike[], names: readonly string[]): CovariateEncoder {
  const parts: { name: string; encode: (r: RecordLike) => number[] ; labels: string[] }[] = [];
  for (const raw of names) {
    const name = ALIASES[raw] ?? raw;
    if (NUMERIC.has(name)) {
      const vals = records.map((r) => Number(value(r, name))).filter((v) => v > 0);
      const mean = vals.length ? vals.reduce((a, v) => a + Math.log(v), 0) / vals.length : 0;
      parts.push({ name, labels: [`log ${name}`], encode: (r) => { const v = Number(value(r, name)); return [v > 0 ? Math.log(v) - mean : 0]; } });
    } else {
      const levels = [...new Set(records.map((r) => String(value(r, name) ?? '')))].sort();
      const kept = levels.slice(1);
      parts.push({ name, labels: kept.map((l) => `${name}=${l}`), encode: (r) => kept.map((l) => (String(value(r, name) ?? '') === l ? 1 : 0)) });
    }
  }
  return {
    columns: ['intercept', ...parts.flatMap((p) => p.labels)],
    encode: (r) => [1, ...parts.flatMap((p) => p.encode(r))],
  };
}

/** One series' statistics with a per-series shift (a on the level, b on the slope) taken out of its residuals. */
export function shiftStats(s: SeriesStats, a: number, b: number): SeriesStats {
  const m = 2 + s.settings.length;
  const zr = s.zr.map((v, i) => v - s.zz[i * m] * a - s.zz[i * m + 1] * b);
  const rr = s.rr - 2 * (a * s.zr[0] + b * s.zr[1]) + a * a * s.zz[0] + 2 * a * b * s.zz[1] + b * b * s.zz[m + 1];
  return { ...s, zr, rr: Math.max(0, rr) };
}

export interface PriorMean {
  /** coefficients of the level's prior mean (by encoder column), then the slope's (with `slope`) */
  beta: number[];
  slope: boolean;
  components: VarianceComponents;
  /** the statistics with each series' prior mean taken out */
  shifted: SeriesStats[];
  /** a series' prior mean [level, slope] from its covariates */
  meanOf(x: readonly number[]): [number, number];
}

/** GLS of the prior mean's coefficients given the spreads (ridge `lambda` on all but the intercepts). */
function gls(stats: readonly SeriesStats[], xs: readonly number[][], c: VarianceComponents, slope: boolean, lambda: number): number[] {
  const p = xs[0].length;
  const q = slope ? 2 * p : p;
  const F = new Matrix(q, q);
  const g = new Matrix(q, 1);
  const s2 = c.sigma ** 2;
  stats.forEach((s, si) => {
    const m = 2 + s.settings.length;
    const prior = [c.tauLevel ** 2, c.tauSlope ** 2, ...new Array<number>(s.settings.length).fill(c.tauSetting ** 2)];
    const A = new Matrix(m, m);
    const ZZ = new Matrix(m, m);
    const Zr = new Matrix(m, 1);
    for (let i = 0; i < m; i++) {
      Zr.set(i, 0, s.zr[i] / s2);
      for (let j = 0; j < m; j++) { ZZ.set(i, j, s.zz[i * m + j] / s2); A.set(i, j, s.zz[i * m + j] / s2 + (i === j ? 1 / prior[i] : 0)); }
    }
    const chol = new CholeskyDecomposition(A);
    // (ml-matrix's sub works in place: the products are taken before either subtraction)
    const zzAzz = ZZ.mmul(chol.solve(ZZ));
    const zzAzr = ZZ.mmul(chol.solve(Zr));
    const M = ZZ.clone().sub(zzAzz);
    const v = Zr.clone().sub(zzAzr);
    const x = xs[si];
    const cols = slope ? 2 : 1;
    // B maps beta to the series' [level, slope] shift: rows 0 and 1 of Z's columns
    for (let a = 0; a < cols; a++) {
      for (let i = 0; i < p; i++) {
        g.set(a * p + i, 0, g.get(a * p + i, 0) + x[i] * v.get(a, 0));
        for (let b = 0; b < cols; b++) for (let j = 0; j < p; j++) F.set(a * p + i, b * p + j, F.get(a * p + i, b * p + j) + x[i] * M.get(a, b) * x[j]);
      }
    }
  });
  for (let i = 0; i < q; i++) if (i % p !== 0) F.set(i, i, F.get(i, i) + lambda);
  for (let i = 0; i < q; i++) F.set(i, i, F.get(i, i) + 1e-9);
  // symmetrise (rounding) before the solve
  const Fs = new Matrix(q, q);
  for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) Fs.set(i, j, (F.get(i, j) + F.get(j, i)) / 2);
  return new CholeskyDecomposition(Fs).solve(g).to1DArray();
}

/**
 * The prior mean's coefficients and the spreads, estimated in turn (`rounds` times) from the series' statistics;
 * `xs[i]` is series i's covariate row (covariateEncoder). `lambda`: ridge on the coefficients (not the intercepts).
 */
export function fitPriorMean(stats: readonly SeriesStats[], xs: readonly number[][], options: { slope?: boolean; rounds?: number; lambda?: number } = {}): PriorMean {
  const slope = options.slope ?? false;
  const p = xs[0]?.length ?? 1;
  const meanOf = (beta: readonly number[], x: readonly number[]): [number, number] => {
    let a = 0;
    let b = 0;
    for (let i = 0; i < p; i++) { a += beta[i] * x[i]; if (slope) b += beta[p + i] * x[i]; }
    return [a, b];
  };
  let components = estimateComponents(stats);
  let beta = new Array<number>(slope ? 2 * p : p).fill(0);
  let shifted = [...stats];
  for (let round = 0; round < (options.rounds ?? 3); round++) {
    beta = gls(stats, xs, components, slope, options.lambda ?? 1);
    shifted = stats.map((s, i) => { const [a, b] = meanOf(beta, xs[i]); return shiftStats(s, a, b); });
    components = estimateComponents(shifted);
  }
  const fixed = beta;
  return { beta: fixed, slope, components, shifted, meanOf: (x) => meanOf(fixed, x) };
}
