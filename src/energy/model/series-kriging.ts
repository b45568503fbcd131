/**
 * A per-series residual function by kriging (a Gaussian process) with hyperparameters shared by every series: the
 * series effects (series-effects.ts: a level, a slope in log batch, a level per setting) generalised. A series'
 * log residual under the shared structure f at configuration x is
 *
 *   r(x) = h_s(x) + e,    h_s ~ GP(0, k),    e ~ N(0, sigma^2)
 *   k(x, x') = level^2 + slope^2 c c' + setting^2 [setting = setting'] + spread^2 exp(-1/2 sum_d ((z_d - z'_d) / length_d)^2)
 *              (+ layout^2 [layout = layout'] when no training series showed two layouts; see KrigingKernel.layout)
 *
 * with c the centred log batch and z the configuration's log features (log batch, lengths, layout degrees). The
 * first three terms are the series effects' prior exactly (a Gaussian process with a linear kernel is Bayesian
 * linear regression), so with spread = 0 the posterior is the effects' posterior; the last term lets a series' own
 * records bend its curve (a batch curve not straight in log batch, a layout's or a workload's length's effect of its
 * own), with length scales per feature (ARD). Every hyperparameter is estimated by empirical Bayes: the marginal
 * likelihood of the training series' residuals, each series an independent draw, maximised jointly. With no record
 * of a series h is zero (its prediction is the shared model's); with k records it interpolates them (up to the noise)
 * and its posterior variance widens the interval away from them.
 */
import { EnergyLensError } from '../../errors.js';
import { choleskyInPlace } from '../../sr/index.js';
import { nelderMead } from './nelder-mead.js';
import { groupKey, layoutKeyOf, type RecordLike, type SeriesBy, type VarianceComponents } from './series-effects.js';

/** The configuration's log features the smooth term reads (those that vary within no training series are dropped). */
export const KRIGING_FEATURES = ['batch', 'output_tokens', 'input_tokens', 'num_gpus', 'tp', 'pp', 'ep'] as const;
export type KrigingFeature = (typeof KRIGING_FEATURES)[number];

/** The kernel's hyperparameters (log-energy units; lengths in the features' log units). */
export interface KrigingKernel {
  /** features of the smooth term, in order of `lengths` */
  features: KrigingFeature[];
  level: number;
  slope: number;
  setting: number;
  spread: number;
  sigma: number;
  lengths: number[];
  /** the centre of log batch in the slope term */
  center: number;
  /**
   * a level per layout (the setting's columns but the workload), fixed, not estimated: the series effects' layout
   * spread (series-effects.ts withLayoutSpread), set when no training series showed two layouts, so a layout a series'
   * records lack is not assumed to sit where its other layouts do. Absent: no such term.
   */
  layout?: number;
  /**
   * prior degrees of freedom of a series' own residual scale (series-effects.ts VarianceComponents.residualDof): a
   * series whose points' leave-one-out errors exceed their predictive spread gets its sd scaled by
   * sqrt(max(1, (dof + sum z^2) / (dof + n))). Absent: no scale.
   */
  residualDof?: number;
}

/** One record as the kernel sees it. */
export interface KrigingPoint {
  /** centred log batch */
  c: number;
  setting: string;
  /** the setting's layout (its columns but the workload) */
  layout: string;
  /** log features, in the kernel's order */
  z: number[];
}

/** A series' points and log residuals (its records under the shared structure). */
export interface KrigingSeries {
  key: string;
  points: KrigingPoint[];
  residuals: number[];
}

const featureValue = (r: RecordLike, f: KrigingFeature): number => {
  const v = (r as unknown as Record<string, unknown>)[f];
  return typeof v === 'number' && v > 0 ? Math.log(v) : 0;
};

/** A record's point under a kernel's features, centre and setting columns. */
export function krigingPoint(r: RecordLike, features: readonly KrigingFeature[], center: number, by: SeriesBy): KrigingPoint {
  const setting = groupKey(r, by.setting);
  return { c: Math.log(r.batch) - center, setting, layout: layoutKeyOf(setting, by), z: features.map((f) => featureValue(r, f)) };
}

/** The features among KRIGING_FEATURES that vary within at least one group of records (the others add nothing). */
export function varyingFeatures(groups: readonly (readonly RecordLike[])[]): KrigingFeature[] {
  return KRIGING_FEATURES.filter((f) => groups.some((g) => g.length > 1 && g.some((r) => Math.abs(featureValue(r, f) - featureValue(g[0], f)) > 1e-9)));
}

/** Covariance of h between two points (no noise). */
export function kernelAt(k: KrigingKernel, a: KrigingPoint, b: KrigingPoint): number {
  let d2 = 0;
  for (let i = 0; i < k.lengths.length; i++) {
    const t = (a.z[i] - b.z[i]) / k.lengths[i];
    d2 += t * t;
  }
  return k.level ** 2 + k.slope ** 2 * a.c * b.c + (a.setting === b.setting ? k.setting ** 2 : 0) + (k.layout !== undefined && a.layout === b.layout ? k.layout ** 2 : 0) + (k.spread > 0 ? k.spread ** 2 * Math.exp(-0.5 * d2) : 0);
}


/** Solves L y = b in place (L lower, row-major). */
function forward(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let t = b[i];
    for (let p = 0; p < i; p++) t -= l[i * n + p] * b[p];
    b[i] = t / l[i * n + i];
  }
}

/** Solves L' x = y in place. */
function backward(l: Float64Array, n: number, y: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    let t = y[i];
    for (let p = i + 1; p < n; p++) t -= l[p * n + i] * y[p];
    y[i] = t / l[i * n + i];
  }
}

/** The Cholesky factor of K + sigma^2 I over a series' points (undefined when singular). */
function factor(k: KrigingKernel, points: readonly KrigingPoint[]): Float64Array | undefined {
  const n = points.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) a[i * n + j] = kernelAt(k, points[i], points[j]);
    a[i * n + i] += k.sigma ** 2;
  }
  return choleskyInPlace(a, n) ? a : undefined;
}

/** Log marginal likelihood of every series' residuals under the kernel (h integrated out). */
export function krigingLogLikelihood(k: KrigingKernel, series: readonly KrigingSeries[]): number {
  let total = 0;
  for (const s of series) {
    const n = s.points.length;
    if (n === 0) continue;
    const l = factor(k, s.points);
    if (!l) return Number.NEGATIVE_INFINITY;
    const y = Float64Array.from(s.residuals);
    forward(l, n, y);
    let quad = 0;
    let logDet = 0;
    for (let i = 0; i < n; i++) { quad += y[i] * y[i]; logDet += 2 * Math.log(l[i * n + i]); }
    total += -0.5 * (quad + logDet + n * Math.log(2 * Math.PI));
  }
  return total;
}

/** A series' posterior: the factor and weights K^-1 r its predictions use. */
export interface KrigingPosterior {
  points: readonly KrigingPoint[];
  chol: Float64Array;
  alpha: Float64Array;
  /** the factor (>= 1) on the predictive sd from the points' leave-one-out check (1 without kernel.residualDof) */
  scale: number;
}

/** Points a series' posterior reads at most (evenly spaced among its records above that). */
export const KRIGING_MAX_POSTERIOR_POINTS = 400;

/** The posterior of h given a series' points and residuals (undefined for no points). */
export function krigingPosterior(k: KrigingKernel, given: Pick<KrigingSeries, 'key' | 'points' | 'residuals'>): KrigingPosterior | undefined {
  if (given.residuals.length !== given.points.length) throw new EnergyLensError('INVALID_DATA', `series ${given.key}: ${given.points.length} points but ${given.residuals.length} residuals`);
  const s = thinned(given, KRIGING_MAX_POSTERIOR_POINTS);
  const n = s.points.length;
  if (n === 0) return undefined;
  const chol = factor(k, s.points);
  if (!chol) throw new EnergyLensError('INVALID_DATA', `series ${s.key}: its kriging covariance is singular`);
  const alpha = Float64Array.from(s.residuals);
  forward(chol, n, alpha);
  backward(chol, n, alpha);
  return { points: s.points, chol, alpha, scale: k.residualDof === undefined ? 1 : looScale(chol, alpha, n, k.residualDof) };
}

/**
 * The leave-one-out scale: each point's error predicted from the others, standardised, is alpha_i / sqrt((K^-1)_ii)
 * (the Gaussian process's closed form); sqrt(max(1, (dof + sum z^2) / (dof + n))).
 */
function looScale(chol: Float64Array, alpha: Float64Array, n: number, dof: number): number {
  // (K^-1)_ii = sum_j (L^-1)_ji^2: column i of L^-1 by forward substitution of e_i
  let z2 = 0;
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    e.fill(0);
    e[i] = 1;
    forward(chol, n, e);
    let d = 0;
    for (let j = i; j < n; j++) d += e[j] * e[j];
    z2 += (alpha[i] * alpha[i]) / d;
  }
  return Math.sqrt(Math.max(1, (dof + z2) / (dof + n)));
}

/** The log shift h(x) and the predictive sd (h's posterior and the noise) at a point; no posterior: the prior. */
export function krigingAt(k: KrigingKernel, post: KrigingPosterior | undefined, x: KrigingPoint): { shift: number; sd: number; effectSd: number } {
  const prior = kernelAt(k, x, x);
  if (!post) return { shift: 0, sd: Math.sqrt(prior + k.sigma ** 2), effectSd: Math.sqrt(prior) };
  const n = post.points.length;
  const kx = Float64Array.from(post.points, (p) => kernelAt(k, p, x));
  let shift = 0;
  for (let i = 0; i < n; i++) shift += kx[i] * post.alpha[i];
  forward(post.chol, n, kx);
  let explained = 0;
  for (let i = 0; i < n; i++) explained += kx[i] * kx[i];
  const v = Math.max(0, prior - explained);
  return { shift, sd: Math.sqrt(v + k.sigma ** 2) * post.scale, effectSd: Math.sqrt(v) * post.scale };
}

/** Points of a series the estimation reads at most (evenly spaced among its records above that). */
export const KRIGING_MAX_POINTS = 120;

const MIN_LENGTH = 0.05;
const MAX_LENGTH = 20;
const MIN_SPREAD = 1e-3;
const MAX_SPREAD = 5;

/** Up to `max` of a series' points, evenly spaced (deterministic). */
export function thinned(s: KrigingSeries, max = KRIGING_MAX_POINTS): KrigingSeries {
  const n = s.points.length;
  if (n <= max) return s;
  const idx = Array.from({ length: max }, (_, i) => Math.floor((i * n) / max));
  return { key: s.key, points: idx.map((i) => s.points[i]), residuals: idx.map((i) => s.residuals[i]) };
}

export interface KrigingEstimateOptions {
  /** Nelder-Mead iterations (default 600) */
  iterations?: number;
  /** the kernel's residualDof: the leave-one-out scale on a series' sd (default: none; DEFAULT_RESIDUAL_DOF is the effects') */
  residualDof?: number;
}

/**
 * The kernel by maximum marginal likelihood over the series (each thinned to KRIGING_MAX_POINTS), started from the
 * series effects' components (`start`: spread = sigma, every length 1) so a smooth term the data do not support
 * ends near zero spread. The Gamma(2) boundary-avoiding prior of series-effects.ts is put on each spread.
 */
export function estimateKrigingKernel(series: readonly KrigingSeries[], features: readonly KrigingFeature[], center: number, start: VarianceComponents, options: KrigingEstimateOptions = {}): KrigingKernel {
  const used = series.filter((s) => s.points.length > 0).map((s) => thinned(s));
  const clampS = (v: number): number => Math.min(MAX_SPREAD, Math.max(MIN_SPREAD, v));
  const clampL = (v: number): number => Math.min(MAX_LENGTH, Math.max(MIN_LENGTH, v));
  const d = features.length;
  const kernelOf = (x: number[]): KrigingKernel => ({
    features: [...features], center,
    level: clampS(Math.exp(x[0])), slope: clampS(Math.exp(x[1])), setting: clampS(Math.exp(x[2])), spread: clampS(Math.exp(x[3])), sigma: clampS(Math.exp(x[4])),
    lengths: x.slice(5, 5 + d).map((v) => clampL(Math.exp(v))),
  });
  // boundary-avoiding Gamma(2, rate 1/scale) prior on each spread: log tau - tau / scale
  const scale = Math.max(start.tauLevel, start.sigma, 0.05) * 4;
  const objective = (x: number[]): number => {
    const k = kernelOf(x);
    const ll = krigingLogLikelihood(k, used);
    if (!Number.isFinite(ll)) return Number.POSITIVE_INFINITY;
    const prior = [k.level, k.slope, k.setting, k.spread].reduce((a, t) => a + Math.log(t) - t / scale, 0);
    return -(ll + prior);
  };
  const x0 = [start.tauLevel, start.tauSlope, start.tauSetting, start.sigma, start.sigma].map((v) => Math.log(clampS(v))).concat(new Array<number>(d).fill(0));
  const best = nelderMead(objective, x0, 0.5, options.iterations ?? 600);
  // the layout term is constant within every training series (none shows two layouts when it is set): left out of
  // the estimate (it would be the level's), added for series whose records span layouts
  // no residualDof: the leave-one-out scale is left off (on v3 it pushed coverage to 97.5-98.7 %; README)
  return { ...kernelOf(best), ...(start.layoutSpread !== undefined ? { layout: start.layoutSpread } : {}), ...(options.residualDof !== undefined ? { residualDof: options.residualDof } : {}) };
}
