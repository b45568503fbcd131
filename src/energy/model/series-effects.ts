/**
 * Per-series effects on top of any fitted structure: a hierarchical (mixed) model of the log residuals.
 *
 *   log y_j = log f(x_j; theta) + u_g + v_g * c_j + w_{g,l} + e_j,     c_j = log(batch_j) - center
 *   u_g ~ N(0, tauLevel^2),  v_g ~ N(0, tauSlope^2),  w_{g,l} ~ N(0, tauSetting^2),  e_j ~ N(0, sigma^2)
 *
 * g is a series (by default one model on one accelerator at one precision: a deployment), l a setting nested in it
 * (by default the parallel layout and the workload). The variance components are estimated from the data by
 * maximising the marginal likelihood (empirical Bayes: the effects integrated out), so the shrinkage is learned
 * from the public records, not chosen by hand. Given the components, each series' effects have a Gaussian
 * posterior (Bayesian linear regression with the components as the prior): with no record of a series its
 * prediction is the shared model's with the prior's spread; with many it is the series' own.
 *
 * Everything runs on per-series sufficient statistics (n, r'r, Z'r, Z'Z with Z the effects' design), so the cost
 * is linear in the records and a model file can store them and update a series exactly when records arrive.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { EnergyLensError } from '../../errors.js';
import { nelderMead } from './nelder-mead.js';

/** How records are grouped: the series' columns, and the columns of the setting nested in a series. */
export interface SeriesBy {
  series: readonly string[];
  setting: readonly string[];
}

/** Default grouping: one model on one accelerator at one precision and serving stack; a setting is a layout on a workload. */
export const DEFAULT_SERIES_BY: SeriesBy = {
  series: ['model', 'hardware', 'precision', 'framework'],
  setting: ['tp', 'pp', 'ep', 'dp', 'num_gpus', 'workload'],
};

export interface VarianceComponents {
  /** residual spread of log energy within a setting */
  sigma: number;
  /** spread of series levels (log energy) */
  tauLevel: number;
  /** spread of series slopes in log batch */
  tauSlope: number;
  /** spread of setting levels within a series */
  tauSetting: number;
  /**
   * Prior degrees of freedom of a series' own residual spread (absent: every series has the pooled sigma). A series'
   * records scale its predictive spread up when they scatter more about its effects than sigma says:
   * scale^2 = max(1, (dof sigma^2 + SSR) / ((dof + n) sigma^2)), SSR its records' squared residuals about the
   * posterior effects (a scaled-inverse-chi-square prior on the series' variance, centred on sigma^2).
   */
  residualDof?: number;
  /**
   * Set when no training series showed two layouts (a layout: the setting's columns but the workload): tauSetting
   * was then learnt from workloads alone and says nothing about how a layout moves a series. A seen series' record
   * at a setting its records lack gets this spread (the spread of series levels, withLayoutSpread) in place of
   * tauSetting when its layout is one the series' records lack, or when those records span several layouts (the
   * mean has no effect per layout). Absent: tauSetting covers every unseen setting, as before.
   */
  layoutSpread?: number;
  /**
   * A series' slope in log batch holds only within the batch range of its own records (SeriesStats.range): a record
   * beyond it gets the series' effect at the nearer end of the range, and the slope's prior spread (tauSlope) over
   * the distance past that end in its interval (the records say nothing of how the series bends out there). Absent:
   * the slope is extrapolated as a line (model files written before; a series without a stored range).
   */
  slopeWithinRange?: boolean;
}

/**
 * The setting key's layout: its columns but `workload` (a series' records at one layout and several workloads
 * share it).
 */
export function layoutKeyOf(settingKey: string, by: SeriesBy): string {
  const w = by.setting.indexOf('workload');
  if (w < 0) return settingKey;
  return settingKey.split('|').filter((_, i) => i !== w).join('|');
}

/**
 * The components with `layoutSpread` set when no series of `stats` holds records at two or more layouts (nothing
 * to learn a layout's spread from): a layout a seen series' records lack then gets tauLevel, the spread of series
 * levels, in its interval. Records of several layouts in some series: the components as they are.
 */
export function withLayoutSpread(c: VarianceComponents, stats: readonly SeriesStats[], by: SeriesBy): VarianceComponents {
  const { layoutSpread: _, ...rest } = c;
  if (!by.setting.some((col) => col !== 'workload')) return rest;
  const varies = stats.some((st) => new Set(st.settings.map((k) => layoutKeyOf(k, by))).size > 1);
  return varies ? rest : { ...rest, layoutSpread: c.tauLevel };
}

/**
 * The default prior degrees of freedom of a series' residual spread: 4, chosen on half the eligible ML.ENERGY v3
 * series (seeded split; 2, 4 and 8 tried) for interval coverage, and checked on the other half (README).
 */
export const DEFAULT_RESIDUAL_DOF = 4;

/** The crossed part of a series model (stored in the model file's series section). */
export interface CrossedEffects {
  /** columns constant within a series whose levels get effects shared by the series that have them */
  factors: string[];
  /** each level also has a slope in log batch */
  slope: boolean;
  /** spread of each factor's level effects (log energy), in the order of `factors` */
  tauLevel: number[];
  /** spread of each factor's slopes in log batch (empty without `slope`) */
  tauSlope: number[];
  /** each series' value of every factor, by series key */
  levels: Record<string, string[]>;
}

/** The crossed effects' part of a series' prediction: their sum (level, slope) and its covariance. */
export interface CrossedShift {
  d: [number, number];
  /** covariance of d, row-major 2x2 */
  vd: [number, number, number, number];
}

/** A series posterior with crossed effects: its own effects are conditional on them (see effectFor). */
export interface CrossedSeriesPosterior extends SeriesPosterior {
  crossed?: CrossedShift & {
    /** A^-1 Z'W / sigma^2, m x 2 row-major: how the series' own effects move against the crossed ones */
    g: number[];
  };
}

/** The posteriors of every series, and the crossed prior of a series not seen (from its factors' levels). */
export interface PosteriorMap extends Map<string, SeriesPosterior> {
  crossedPrior?: (record: RecordLike) => CrossedShift;
}

/** What the effects part of a hierarchical model holds (stored in a model file beside the shared parameters). */
export interface SeriesModel {
  by: SeriesBy;
  center: number;
  components: VarianceComponents;
  stats: SeriesStats[];
  /** effects of factors shared across series (model, hardware, ...) under the series' own (crossed-effects.ts) */
  crossed?: CrossedEffects;
  /** the same effects on log time per output token (same grouping and centre), when the model predicts latency */
  latency?: LatencyEffects;
}

/** Per-series effects on the latency residuals (log measured over predicted time per output token). */
export interface LatencyEffects {
  components: VarianceComponents;
  stats: SeriesStats[];
}

/** One series' sufficient statistics: effects design [1, c, one-hot of its settings]. */
export interface SeriesStats {
  key: string;
  settings: string[];
  n: number;
  rr: number;
  /** Z'r, length 2 + settings */
  zr: number[];
  /** Z'Z row-major, (2 + settings)^2 */
  zz: number[];
  /**
   * Leave-one-out check of the series' predictive spread (calibrateSeries): the sum of squared standardised errors
   * of its calibration records, each predicted from the series' other records, and how many. Absent: no check.
   */
  loo?: { z2: number; n: number };
  /** smallest and largest centred log batch of the series' records (absent in model files written before) */
  range?: [number, number];
}

/** A series' posterior: effects mean and covariance (order: level, slope, settings...). */
export interface SeriesPosterior {
  key: string;
  records: number;
  settings: string[];
  mean: number[];
  covariance: number[];
  /** factor (>= 1) on the predictive sd from the series' own residual spread (1 without components.residualDof) */
  residualScale: number;
  /** the series' records' centred log batch range (SeriesStats.range), where known */
  range?: [number, number];
}

export interface EffectPrediction {
  /** log-space shift added to the shared model's log prediction */
  shift: number;
  /** log-space predictive standard deviation (effects' posterior and the residual spread) */
  sd: number;
  /** the residual spread's part of sd (sigma, times the series' residual scale) */
  residualSd: number;
  /** which series effect applied ('' when the series is unseen) and from how many records */
  series: string;
  records: number;
  /** the setting's own level was known from records */
  settingSeen: boolean;
  /**
   * an unseen series' prediction carries no information of its own (no crossed factor level known): the shared
   * model at effect 0, which a pooled fit predicts better (`HierarchicalFit.pooled`, `ModelSeries.pooled`)
   */
  uninformed?: boolean;
}

/** What grouping reads of a record: its batch, and any column by name (typed fields or pass-through `extra`). */
export interface RecordLike { readonly batch: number }

function column(record: RecordLike, c: string): unknown {
  const r = record as unknown as Record<string, unknown> & { extra?: Record<string, string> };
  return r[c] ?? r.extra?.[c];
}

/**
 * Text key of a record under some columns (an absent column counts as empty, so data without it still group);
 * `names`: the model and hardware names to use instead of the record's (the catalog's, say).
 */
export function groupKey(record: RecordLike, columns: readonly string[], names?: { model: string; hardware: string }): string {
  return columns.map((c) => {
    const v = names && (c === 'model' || c === 'hardware') ? names[c] : column(record, c);
    return v === undefined || v === null ? '' : String(v);
  }).join('|');
}

/**
 * Checks that a grouping names only columns some record carries (a column no record has is a mistake). A default
 * column (framework) may be absent unless `explicit` (the user named the columns).
 */
export function checkSeriesBy(records: readonly RecordLike[], by: SeriesBy, file = 'the records', explicit = false): void {
  if (by.series.length === 0) throw new EnergyLensError('INVALID_OPTION', 'series-by must name at least one column');
  const has = (c: string): boolean => records.some((r) => {
    const v = column(r, c);
    return v !== undefined && v !== null && v !== '';
  });
  const missing = by.series.filter((c) => (explicit || !DEFAULT_SERIES_BY.series.includes(c)) && !has(c));
  if (missing.length > 0 && records.length > 0) {
    throw new EnergyLensError('INVALID_OPTION', `series-by names ${missing.map((c) => `"${c}"`).join(', ')}, a column no record of ${file} has`);
  }
}

/** Mean log batch of the records: the slope's centre, fixed once so the level means energy at a typical batch. */
export function logBatchCenter(records: readonly RecordLike[]): number {
  if (records.length === 0) return 0;
  return records.reduce((a, r) => a + Math.log(r.batch), 0) / records.length;
}

/** Sufficient statistics per series of log residuals (measured over predicted). */
export function seriesStats(records: readonly RecordLike[], logResiduals: ArrayLike<number>, by: SeriesBy, center: number, keyOf: (r: RecordLike, i: number) => string = (r) => groupKey(r, by.series)): SeriesStats[] {
  const groups = new Map<string, { settings: Map<string, number>; rows: { c: number; s: number; r: number }[] }>();
  records.forEach((rec, i) => {
    const key = keyOf(rec, i);
    const g = groups.get(key) ?? { settings: new Map<string, number>(), rows: [] as { c: number; s: number; r: number }[] };
    groups.set(key, g);
    const sk = groupKey(rec, by.setting);
    if (!g.settings.has(sk)) g.settings.set(sk, g.settings.size);
    g.rows.push({ c: Math.log(rec.batch) - center, s: g.settings.get(sk) as number, r: logResiduals[i] });
  });
  return [...groups].map(([key, g]) => {
    const m = 2 + g.settings.size;
    const zr = new Array<number>(m).fill(0);
    const zz = new Array<number>(m * m).fill(0);
    let rr = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const { c, s, r } of g.rows) {
      lo = Math.min(lo, c);
      hi = Math.max(hi, c);
      const idx = [0, 1, 2 + s];
      const val = [1, c, 1];
      rr += r * r;
      for (let a = 0; a < 3; a++) {
        zr[idx[a]] += val[a] * r;
        for (let b = 0; b < 3; b++) zz[idx[a] * m + idx[b]] += val[a] * val[b];
      }
    }
    return { key, settings: [...g.settings.keys()], n: g.rows.length, rr, zr, zz, range: [lo, hi] as [number, number] };
  });
}

/** The prior's diagonal for a series with this many settings. */
function priorVariances(c: VarianceComponents, settings: number): number[] {
  return [c.tauLevel ** 2, c.tauSlope ** 2, ...new Array<number>(settings).fill(c.tauSetting ** 2)];
}

/** A = D^-1 + Z'Z / sigma^2 and b = Z'r / sigma^2 of a series. */
function precisionSystem(s: SeriesStats, c: VarianceComponents): { A: Matrix; b: Matrix; prior: number[] } {
  const m = 2 + s.settings.length;
  const s2 = c.sigma ** 2;
  const prior = priorVariances(c, s.settings.length);
  const A = new Matrix(m, m);
  const b = new Matrix(m, 1);
  for (let i = 0; i < m; i++) {
    b.set(i, 0, s.zr[i] / s2);
    for (let j = 0; j < m; j++) A.set(i, j, s.zz[i * m + j] / s2 + (i === j ? 1 / prior[i] : 0));
  }
  return { A, b, prior };
}

/** Log marginal likelihood of the series' residuals with the effects integrated out (Woodbury identities). */
export function logMarginalLikelihood(stats: readonly SeriesStats[], c: VarianceComponents): number {
  let total = 0;
  for (const s of stats) {
    const { A, b, prior } = precisionSystem(s, c);
    const chol = new CholeskyDecomposition(A);
    if (!chol.isPositiveDefinite()) return Number.NEGATIVE_INFINITY;
    const L = chol.lowerTriangularMatrix;
    let logDetA = 0;
    for (let i = 0; i < L.rows; i++) logDetA += 2 * Math.log(L.get(i, i));
    const x = chol.solve(b);
    let bAb = 0;
    for (let i = 0; i < L.rows; i++) bAb += b.get(i, 0) * x.get(i, 0);
    const logDetD = prior.reduce((a, v) => a + Math.log(v), 0);
    const s2 = c.sigma ** 2;
    total += -0.5 * (s.n * Math.log(2 * Math.PI * s2) + logDetD + logDetA + s.rr / s2 - bAb);
  }
  return total;
}

/** Smallest spread a component may take (log space): below it the effect is off, and the algebra stays finite. */
export const MIN_SPREAD = 1e-3;
const MAX_SPREAD = 5;

const clampSpread = (v: number): number => Math.min(MAX_SPREAD, Math.max(MIN_SPREAD, v));

/** How the variance components are estimated besides the marginal likelihood (estimateComponents). */
export interface SpreadOptions {
  /**
   * Free parameters of the shared fit the residuals come from (p). Restricted likelihood (REML): the marginal
   * likelihood of residuals that p fitted parameters have already pulled toward zero underestimates the spreads
   * (the residual sum of squares lacks about p records' worth of variance). REML adds -1/2 log|X'V^-1 X|; with the
   * fixed effects' information approximated as X'X over a record's marginal variance v (exact when every series
   * has one record), that is +p/2 log v, v = sigma^2 + tauLevel^2 + tauSetting^2 + tauSlope^2 E[c^2].
   */
  sharedParameters?: number;
  /**
   * A Gamma(2, rate -> 0) prior on each effect spread (tauLevel, tauSlope, tauSetting), posterior mode: adds
   * log tau per spread, so no spread is estimated at zero when the records are too few to tell it from the noise
   * (Chung, Rabe-Hesketh, Dorie, Gelman and Liu 2013, a boundary-avoiding prior for hierarchical models).
   */
  boundaryAvoiding?: boolean;
  /** hold the spread of series slopes in log batch at MIN_SPREAD (no slope effects) */
  withoutSlope?: boolean;
  /**
   * slope effects only when at least this many series have three or more records at more than one batch size (a
   * series' slope is told from its records' noise and settings only from a third record on); fewer: as withoutSlope
   */
  slopeMinSeries?: number;
  /** the estimated components carry slopeWithinRange (VarianceComponents): slopes held within each series' batch range */
  slopeWithinRange?: boolean;
}

/** Series whose records could tell a slope in log batch from noise: three or more records, batch sizes that vary. */
export function slopeSeries(stats: readonly SeriesStats[]): number {
  return stats.filter((s) => {
    if (s.n < 3) return false;
    const m = 2 + s.settings.length;
    const meanC = s.zz[1] / s.n;
    return s.zz[m + 1] / s.n - meanC * meanC > 1e-9;
  }).length;
}

/** The log-likelihood terms SpreadOptions add (0 without options). */
function spreadPenalty(c: VarianceComponents, options: SpreadOptions, meanC2: number): number {
  let extra = 0;
  if (options.sharedParameters !== undefined && options.sharedParameters > 0) {
    const v = c.sigma ** 2 + c.tauLevel ** 2 + c.tauSetting ** 2 + c.tauSlope ** 2 * meanC2;
    extra += 0.5 * options.sharedParameters * Math.log(v);
  }
  if (options.boundaryAvoiding) extra += Math.log(c.tauLevel) + (options.withoutSlope ? 0 : Math.log(c.tauSlope)) + Math.log(c.tauSetting);
  return extra;
}

/**
 * Empirical Bayes: the variance components that maximise the marginal likelihood of the series' residuals. A
 * component the data do not support goes to MIN_SPREAD (the slope where no series varies its batch, the setting
 * level where every series has one setting).
 */
export function estimateComponents(stats: readonly SeriesStats[], options: SpreadOptions = {}): VarianceComponents {
  const n = stats.reduce((a, s) => a + s.n, 0);
  if (n === 0) throw new EnergyLensError('INVALID_DATA', 'series effects need at least one record');
  if (options.slopeMinSeries !== undefined && !options.withoutSlope && slopeSeries(stats) < options.slopeMinSeries) options = { ...options, withoutSlope: true };
  const rms = Math.sqrt(stats.reduce((a, s) => a + s.rr, 0) / n) || 0.1;
  // mean squared centred log batch (Z'Z's slope entry): a record's slope variance is tauSlope^2 times it on average
  const meanC2 = stats.reduce((a, s) => a + s.zz[(2 + s.settings.length) + 1], 0) / n;
  const toComponents = (x: number[]): VarianceComponents => ({
    sigma: clampSpread(Math.exp(x[0])), tauLevel: clampSpread(Math.exp(x[1])), tauSlope: options.withoutSlope ? MIN_SPREAD : clampSpread(Math.exp(x[2])), tauSetting: clampSpread(Math.exp(x[3])),
  });
  const objective = (x: number[]): number => {
    if (x.some((v) => v < Math.log(MIN_SPREAD) - 1 || v > Math.log(MAX_SPREAD) + 1)) return Number.POSITIVE_INFINITY;
    const c = toComponents(x);
    const ll = logMarginalLikelihood(stats, c) + spreadPenalty(c, options, meanC2);
    return Number.isFinite(ll) ? -ll : Number.POSITIVE_INFINITY;
  };
  const l = Math.log(clampSpread(rms / 2));
  // two starts (effects large, effects small): the likelihood can have a shallow second mode at zero spread
  const starts = [[l, l, Math.log(0.05), l], [Math.log(clampSpread(rms)), Math.log(0.01), Math.log(0.01), Math.log(0.01)]];
  let best = starts[0];
  let bestF = Number.POSITIVE_INFINITY;
  for (const s of starts) {
    let x = s;
    for (let round = 0; round < 3; round++) x = nelderMead(objective, x, 0.5 / (round + 1), 400);
    const fx = objective(x);
    if (fx < bestF) { bestF = fx; best = x; }
  }
  return { ...toComponents(best), residualDof: DEFAULT_RESIDUAL_DOF, ...(options.slopeWithinRange ? { slopeWithinRange: true } : {}) };
}

/** The posterior of each series' effects given its statistics and the components. */
export function posteriorOf(s: SeriesStats, c: VarianceComponents): SeriesPosterior {
  const { A, b } = precisionSystem(s, c);
  const chol = new CholeskyDecomposition(A);
  if (!chol.isPositiveDefinite()) throw new EnergyLensError('INVALID_DATA', `series ${s.key}: its effects' posterior is singular`);
  const mean = chol.solve(b).to1DArray();
  const cov = chol.solve(Matrix.eye(A.rows)).to1DArray();
  return { key: s.key, records: s.n, settings: [...s.settings], mean, covariance: cov, residualScale: residualScaleOf(s, mean, c), ...(s.range ? { range: [s.range[0], s.range[1]] as [number, number] } : {}) };
}

/** The series' own residual spread against sigma (see VarianceComponents.residualDof); 1 without a dof. */
export function residualScaleOf(s: SeriesStats, mean: readonly number[], c: VarianceComponents): number {
  const dof = c.residualDof;
  if (dof === undefined || s.n === 0) return 1;
  // the leave-one-out check (records each predicted from the others, most of them at a setting the others lack):
  // the same prior on the scale, updated by their squared standardised errors; the larger of the two scales applies
  const loo = s.loo && s.loo.n > 0 ? Math.sqrt(Math.max(1, (dof + s.loo.z2) / (dof + s.loo.n))) : 1;
  // SSR = r'r - 2 m'Z'r + m'Z'Z m, from the sufficient statistics
  const m = mean.length;
  let ssr = s.rr;
  for (let i = 0; i < m; i++) {
    ssr -= 2 * mean[i] * s.zr[i];
    for (let j = 0; j < m; j++) ssr += mean[i] * s.zz[i * m + j] * mean[j];
  }
  const s2 = c.sigma ** 2;
  return Math.max(loo, Math.sqrt(Math.max(1, (dof * s2 + Math.max(0, ssr)) / ((dof + s.n) * s2))));
}

/** Series statistics with fresh ones added: a known series' statistics grow, a new series joins the list. */
export function mergeSeriesStats(known: readonly SeriesStats[], fresh: readonly SeriesStats[]): SeriesStats[] {
  const stats = new Map(known.map((s) => [s.key, s]));
  for (const s of fresh) stats.set(s.key, stats.has(s.key) ? mergeStats(stats.get(s.key) as SeriesStats, s) : s);
  return [...stats.values()];
}

/** Adds two series' statistics (a base model's series and the user's new records of it). */
export function mergeStats(a: SeriesStats, b: SeriesStats): SeriesStats {
  const settings = [...a.settings, ...b.settings.filter((s) => !a.settings.includes(s))];
  const m = 2 + settings.length;
  const zr = new Array<number>(m).fill(0);
  const zz = new Array<number>(m * m).fill(0);
  for (const s of [a, b]) {
    const ms = 2 + s.settings.length;
    const map = [0, 1, ...s.settings.map((k) => 2 + settings.indexOf(k))];
    for (let i = 0; i < ms; i++) {
      zr[map[i]] += s.zr[i];
      for (let j = 0; j < ms; j++) zz[map[i] * m + map[j]] += s.zz[i * ms + j];
    }
  }
  const loo = a.loo || b.loo ? { z2: (a.loo?.z2 ?? 0) + (b.loo?.z2 ?? 0), n: (a.loo?.n ?? 0) + (b.loo?.n ?? 0) } : undefined;
  const range = mergedRange(a, b);
  return { key: a.key, settings, n: a.n + b.n, rr: a.rr + b.rr, zr, zz, ...(loo ? { loo } : {}), ...(range ? { range } : {}) };
}

/**
 * The batch range of two series' statistics added: the span of both. Statistics taken out (n < 0, withoutStats)
 * leave the range as it was (a range cannot be subtracted: it stays the whole series', a little wide). Undefined
 * when a part with records carries no range (statistics from a model file written before ranges were stored).
 */
function mergedRange(a: SeriesStats, b: SeriesStats): [number, number] | undefined {
  const parts = [a, b].filter((s) => s.n > 0);
  if (parts.length === 0 || parts.some((s) => !s.range)) return undefined;
  return [Math.min(...parts.map((s) => (s.range as [number, number])[0])), Math.max(...parts.map((s) => (s.range as [number, number])[1]))];
}

/** A series' statistics with one record's taken out (`one`: that record's statistics alone). */
export function withoutStats(all: SeriesStats, one: SeriesStats): SeriesStats {
  const negated: SeriesStats = { key: one.key, settings: one.settings, n: -one.n, rr: -one.rr, zr: one.zr.map((v) => -v), zz: one.zz.map((v) => -v) };
  const out = mergeStats(all, negated);
  delete out.loo;
  return out;
}

/** The effect for one record: its series' posterior (or the prior when unseen) at its centred log batch and setting (`key`: its series when known). */
export function effectFor(record: RecordLike, by: SeriesBy, center: number, c: VarianceComponents, posteriors: ReadonlyMap<string, SeriesPosterior>, key = resolveSeriesKey(record, by.series, posteriors)): EffectPrediction {
  const cb = Math.log(record.batch) - center;
  const post = posteriors.get(key);
  if (!post) {
    const cp = (posteriors as PosteriorMap).crossedPrior?.(record);
    const crossedVar = cp ? cp.vd[0] + 2 * cb * cp.vd[1] + cb * cb * cp.vd[3] : 0;
    const variance = c.tauLevel ** 2 + cb * cb * c.tauSlope ** 2 + c.tauSetting ** 2 + c.sigma ** 2 + crossedVar;
    return { shift: cp ? cp.d[0] + cb * cp.d[1] : 0, sd: Math.sqrt(variance), residualSd: c.sigma, series: '', records: 0, settingSeen: false, ...(cp ? {} : { uninformed: true }) };
  }
  const m = post.mean.length;
  const si = post.settings.indexOf(groupKey(record, by.setting));
  // beyond the series' batch range (slopeWithinRange): its effect at the nearer end, the slope's prior over the rest
  const within = c.slopeWithinRange && post.range ? Math.min(post.range[1], Math.max(post.range[0], cb)) : cb;
  const z = new Array<number>(m).fill(0);
  z[0] = 1;
  z[1] = within;
  if (si >= 0) z[2 + si] = 1;
  let shift = 0;
  let settingVar = si >= 0 ? 0 : c.tauSetting ** 2;
  if (si < 0 && c.layoutSpread !== undefined) {
    const layout = layoutKeyOf(groupKey(record, by.setting), by);
    // a layout its records lack, or any setting they lack when they span several layouts (the mean has no effect per
    // layout, so such a record may sit at its layout's offset, for which the training series gave no spread)
    const layouts = new Set(post.settings.map((k) => layoutKeyOf(k, by)));
    if (!layouts.has(layout) || layouts.size > 1) settingVar = Math.max(settingVar, c.layoutSpread ** 2);
  }
  let variance = c.sigma ** 2 + settingVar + (cb - within) ** 2 * c.tauSlope ** 2;
  for (let a = 0; a < m; a++) {
    shift += z[a] * post.mean[a];
    for (let b = 0; b < m; b++) variance += z[a] * post.covariance[a * m + b] * z[b];
  }
  const cr = (post as CrossedSeriesPosterior).crossed;
  if (cr) {
    // the crossed effects' sum d, and the series' own effects moving against it: L = w - G'z
    const l0 = 1 - z.reduce((a, v, i) => a + v * cr.g[i * 2], 0);
    const l1 = cb - z.reduce((a, v, i) => a + v * cr.g[i * 2 + 1], 0);
    shift += cr.d[0] + cb * cr.d[1];
    variance += l0 * l0 * cr.vd[0] + 2 * l0 * l1 * cr.vd[1] + l1 * l1 * cr.vd[3];
  }
  const scale = post.residualScale ?? 1;
  return { shift, sd: Math.sqrt(variance) * scale, residualSd: c.sigma * scale, series: key, records: post.records, settingSeen: si >= 0 };
}

/**
 * The series a record belongs to among known ones: its own key when known; else, when the record lacks some of the
 * series' columns (a configuration to select has no framework), the known series that agrees on every column it
 * has (the one with most records when several do); else its own key (a new series).
 */
export function resolveSeriesKey(record: RecordLike, columns: readonly string[], known: ReadonlyMap<string, { records: number }>): string {
  const own = groupKey(record, columns);
  if (known.has(own)) return own;
  const parts = own.split('|');
  if (!parts.some((p) => p === '')) return own;
  let best: string | undefined;
  let bestN = -1;
  for (const [key, v] of known) {
    const kp = key.split('|');
    if (kp.length === parts.length && parts.every((p, i) => p === '' || p === kp[i]) && v.records > bestN) { best = key; bestN = v.records; }
  }
  return best ?? own;
}
