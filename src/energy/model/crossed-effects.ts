/**
 * Crossed random effects on top of the per-series effects (series-effects.ts): effects of factors that are constant
 * within a series and shared across series (the model, the hardware, the precision), so a new series of a known
 * model on a known GPU starts from their effects instead of from zero.
 *
 *   log y_j = log f(x_j; theta) + sum_f (a_{f, v_f(g)} + b_{f, v_f(g)} * c_j) + u_g + v_g * c_j + w_{g,l} + e_j
 *   a_{f,v} ~ N(0, tauLevel_f^2),  b_{f,v} ~ N(0, tauSlope_f^2)  (slopes only with `slope`)
 *
 * The per-series effects (u, v, w) become the interaction of the factors (the series' own part). All spreads are
 * estimated together by maximising the marginal likelihood (empirical Bayes), still from per-series sufficient
 * statistics: each series enters through 1'B^-1 1, 1'B^-1 c, c'B^-1 c, 1'B^-1 r, c'B^-1 r (B its records'
 * marginal covariance under its own effects), all functions of its Z'Z, Z'r and r'r, and the crossed effects are
 * integrated out by the Woodbury identity. The prediction of a series then uses the joint posterior: its own
 * effects given the crossed ones, and the crossed effects' posterior (their uncertainty enters the interval).
 */
import { EnergyLensError } from '../../errors.js';
import {
  DEFAULT_RESIDUAL_DOF, estimateComponents, groupKey, MIN_SPREAD, posteriorOf,
  type CrossedEffects, type CrossedSeriesPosterior, type CrossedShift, type PosteriorMap,
  type RecordLike, type SeriesPosterior, type SeriesStats, type VarianceComponents,
} from './series-effects.js';
import { nelderMead } from './nelder-mead.js';

/** The factors a grouping may cross: default series columns (constant within a series by construction). */
export const CROSSABLE = ['model', 'hardware', 'precision', 'framework'] as const;

/** A record's value of a factor: one column, or several joined by "+" (an interaction, e.g. precision+hardware). */
export function factorValue(record: RecordLike, factor: string): string {
  return groupKey(record, factor.split('+'));
}

/** Each series' value of every factor (the first record of a series names it). */
export function crossedLevels(records: readonly RecordLike[], factors: readonly string[], keyOf: (r: RecordLike) => string, into: Record<string, string[]> = {}): Record<string, string[]> {
  const out = { ...into };
  for (const r of records) {
    const k = keyOf(r);
    if (!(k in out)) out[k] = factors.map((f) => factorValue(r, f));
  }
  return out;
}

// ---- small dense linear algebra (row-major Float64Array) ----

function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) return undefined;
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  return L;
}

function cholSolve(L: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * y[k];
    y[i] = s / L[i * n + i];
  }
  return y;
}

const logDet = (L: Float64Array, n: number): number => {
  let s = 0;
  for (let i = 0; i < n; i++) s += 2 * Math.log(L[i * n + i]);
  return s;
};

/** One series' pieces under given series components: its own marginal log likelihood and W'B^-1 W, W'B^-1 r. */
interface SeriesPieces {
  ll: number;
  wbw: [number, number, number, number];
  wbr: [number, number];
  /** A^-1 Z'W / sigma^2, m x 2 */
  g: Float64Array;
}

function seriesPieces(s: SeriesStats, c: VarianceComponents): SeriesPieces | undefined {
  const m = 2 + s.settings.length;
  const s2 = c.sigma ** 2;
  const prior = [c.tauLevel ** 2, c.tauSlope ** 2, ...new Array<number>(s.settings.length).fill(c.tauSetting ** 2)];
  const A = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) A[i * m + j] = s.zz[i * m + j] / s2 + (i === j ? 1 / prior[i] : 0);
  const L = cholesky(A, m);
  if (!L) return undefined;
  const x = cholSolve(L, m, s.zr.map((v) => v / s2));
  let bAb = 0;
  for (let i = 0; i < m; i++) bAb += (s.zr[i] / s2) * x[i];
  const logDetD = prior.reduce((a, v) => a + Math.log(v), 0);
  const ll = -0.5 * (s.n * Math.log(2 * Math.PI * s2) + logDetD + logDet(L, m) + s.rr / s2 - bAb);
  const zw0 = Array.from({ length: m }, (_, a) => s.zz[a * m]);
  const zw1 = Array.from({ length: m }, (_, a) => s.zz[a * m + 1]);
  const x0 = cholSolve(L, m, zw0);
  const x1 = cholSolve(L, m, zw1);
  const dot = (u: ArrayLike<number>, v: ArrayLike<number>): number => { let t = 0; for (let i = 0; i < m; i++) t += u[i] * v[i]; return t; };
  const wbw: [number, number, number, number] = [
    s.zz[0] / s2 - dot(zw0, x0) / (s2 * s2), s.zz[1] / s2 - dot(zw0, x1) / (s2 * s2),
    s.zz[m] / s2 - dot(zw1, x0) / (s2 * s2), s.zz[m + 1] / s2 - dot(zw1, x1) / (s2 * s2),
  ];
  const wbr: [number, number] = [s.zr[0] / s2 - dot(zw0, x) / s2, s.zr[1] / s2 - dot(zw1, x) / s2];
  const g = new Float64Array(m * 2);
  for (let a = 0; a < m; a++) { g[a * 2] = x0[a] / s2; g[a * 2 + 1] = x1[a] / s2; }
  return { ll, wbw, wbr, g };
}

/** Index of the crossed effects: level effects of every (factor, value), then their slopes. */
interface CrossedIndex {
  q: number;
  level: Map<string, number>[];
  slope: Map<string, number>[];
  variance: Float64Array;
}

function indexOf(crossed: Pick<CrossedEffects, 'factors' | 'slope' | 'levels'>, stats: readonly SeriesStats[], tauLevel: readonly number[], tauSlope: readonly number[]): CrossedIndex {
  const level = crossed.factors.map(() => new Map<string, number>());
  const slope = crossed.factors.map(() => new Map<string, number>());
  const variance: number[] = [];
  for (const s of stats) {
    const values = crossed.levels[s.key];
    if (!values) throw new EnergyLensError('INVALID_MODEL_FILE', `series ${s.key} has no levels of the crossed factors`);
    values.forEach((v, f) => { if (!level[f].has(v)) { level[f].set(v, variance.length); variance.push(tauLevel[f] ** 2); } });
  }
  if (crossed.slope) {
    level.forEach((lv, f) => { for (const v of lv.keys()) { slope[f].set(v, variance.length); variance.push(tauSlope[f] ** 2); } });
  }
  return { q: variance.length, level, slope, variance: Float64Array.from(variance) };
}

const rowsOf = (ix: CrossedIndex, values: readonly string[]): [number[], number[]] => [
  values.map((v, f) => ix.level[f].get(v)).filter((i): i is number => i !== undefined),
  values.map((v, f) => ix.slope[f].get(v)).filter((i): i is number => i !== undefined),
];

interface CrossedSolution {
  ll: number;
  index: CrossedIndex;
  mean: Float64Array;
  /** posterior covariance of the crossed effects (q x q) */
  cov?: Float64Array;
  pieces: SeriesPieces[];
}

function solveCrossed(stats: readonly SeriesStats[], c: VarianceComponents, crossed: CrossedEffects, withCov: boolean): CrossedSolution | undefined {
  const pieces: SeriesPieces[] = [];
  let ll = 0;
  for (const s of stats) {
    const p = seriesPieces(s, c);
    if (!p) return undefined;
    pieces.push(p);
    ll += p.ll;
  }
  const index = indexOf(crossed, stats, crossed.tauLevel, crossed.tauSlope);
  const { q } = index;
  const M = new Float64Array(q * q);
  const h = new Float64Array(q);
  for (let i = 0; i < q; i++) M[i * q + i] = 1 / index.variance[i];
  stats.forEach((s, gi) => {
    const [r0, r1] = rowsOf(index, crossed.levels[s.key]);
    const { wbw, wbr } = pieces[gi];
    const rows: [number[], number][] = [[r0, 0], ...(crossed.slope ? [[r1, 1] as [number[], number]] : [])];
    for (const [ri, a] of rows) {
      for (const i of ri) {
        h[i] += wbr[a];
        for (const [rj, b] of rows) for (const j of rj) M[i * q + j] += wbw[a * 2 + b];
      }
    }
  });
  const L = cholesky(M, q);
  if (!L) return undefined;
  const mean = cholSolve(L, q, h);
  let hm = 0;
  for (let i = 0; i < q; i++) hm += h[i] * mean[i];
  const logDetG = index.variance.reduce((a, v) => a + Math.log(v), 0);
  ll -= 0.5 * (logDetG + logDet(L, q) - hm);
  let cov: Float64Array | undefined;
  if (withCov) {
    cov = new Float64Array(q * q);
    const e = new Float64Array(q);
    for (let j = 0; j < q; j++) {
      e.fill(0);
      e[j] = 1;
      const col = cholSolve(L, q, e);
      for (let i = 0; i < q; i++) cov[i * q + j] = col[i];
    }
  }
  return { ll, index, mean, cov, pieces };
}

/** Log marginal likelihood of the series' residuals with the series' own and the crossed effects integrated out. */
export function crossedLogLikelihood(stats: readonly SeriesStats[], c: VarianceComponents, crossed: CrossedEffects): number {
  return solveCrossed(stats, c, crossed, false)?.ll ?? Number.NEGATIVE_INFINITY;
}

const MAX_SPREAD = 5;
const clampSpread = (v: number): number => Math.min(MAX_SPREAD, Math.max(MIN_SPREAD, v));

/**
 * Empirical Bayes for the series' own and the crossed spreads together (maximum marginal likelihood), starting
 * from the series-only estimate. A factor whose levels do not differ beyond what the series' own spread explains
 * goes to MIN_SPREAD (its effects are off).
 */
export function estimateCrossed(stats: readonly SeriesStats[], factors: readonly string[], slope: boolean, levels: Record<string, string[]>): { components: VarianceComponents; crossed: CrossedEffects } {
  const base = estimateComponents(stats);
  const nf = factors.length;
  const build = (x: number[]): { c: VarianceComponents; crossed: CrossedEffects } => ({
    c: { sigma: clampSpread(Math.exp(x[0])), tauLevel: clampSpread(Math.exp(x[1])), tauSlope: clampSpread(Math.exp(x[2])), tauSetting: clampSpread(Math.exp(x[3])) },
    crossed: {
      factors: [...factors], slope, levels,
      tauLevel: x.slice(4, 4 + nf).map((v) => clampSpread(Math.exp(v))),
      tauSlope: slope ? x.slice(4 + nf, 4 + 2 * nf).map((v) => clampSpread(Math.exp(v))) : [],
    },
  });
  const objective = (x: number[]): number => {
    if (x.some((v) => v < Math.log(MIN_SPREAD) - 1 || v > Math.log(MAX_SPREAD) + 1)) return Number.POSITIVE_INFINITY;
    const { c, crossed } = build(x);
    const ll = crossedLogLikelihood(stats, c, crossed);
    return Number.isFinite(ll) ? -ll : Number.POSITIVE_INFINITY;
  };
  const own = [base.sigma, base.tauLevel, base.tauSlope, base.tauSetting].map(Math.log);
  const starts = [
    [...own, ...new Array<number>(nf).fill(Math.log(Math.max(base.tauLevel / 2, 0.01))), ...(slope ? new Array<number>(nf).fill(Math.log(0.02)) : [])],
    [...own, ...new Array<number>(nf).fill(Math.log(0.01)), ...(slope ? new Array<number>(nf).fill(Math.log(0.005)) : [])],
  ];
  let best = starts[0];
  let bestF = Number.POSITIVE_INFINITY;
  for (const s of starts) {
    let x = s;
    for (let round = 0; round < 3; round++) x = nelderMead(objective, x, 0.5 / (round + 1), 600);
    const fx = objective(x);
    if (fx < bestF) { bestF = fx; best = x; }
  }
  const { c, crossed } = build(best);
  return { components: { ...c, residualDof: base.residualDof ?? DEFAULT_RESIDUAL_DOF }, crossed };
}

/** The crossed shift of a set of factor values: known levels by their posterior, unknown ones by their prior. */
function shiftOf(sol: CrossedSolution, crossed: CrossedEffects, values: readonly string[]): CrossedShift {
  const { index, mean } = sol;
  const cov = sol.cov as Float64Array;
  const q = index.q;
  const [r0, r1] = rowsOf(index, values);
  const sum = (rows: number[]): number => rows.reduce((a, i) => a + mean[i], 0);
  const covOf = (ra: number[], rb: number[]): number => ra.reduce((a, i) => a + rb.reduce((b, j) => b + cov[i * q + j], 0), 0);
  let unknownLevel = 0;
  let unknownSlope = 0;
  values.forEach((v, f) => {
    if (!index.level[f].has(v)) unknownLevel += crossed.tauLevel[f] ** 2;
    if (crossed.slope && !index.slope[f].has(v)) unknownSlope += crossed.tauSlope[f] ** 2;
  });
  const s1 = crossed.slope ? r1 : [];
  const c01 = covOf(r0, s1);
  return { d: [sum(r0), sum(s1)], vd: [covOf(r0, r0) + unknownLevel, c01, c01, covOf(s1, s1) + unknownSlope] };
}

/**
 * Each series' posterior under the joint model: its own effects given the crossed effects' posterior mean (the
 * statistics of its residuals with the crossed shift taken out), plus what its prediction needs to carry the crossed
 * effects' uncertainty. The map's `crossedPrior` gives a series not seen its factors' effects.
 */
export function crossedPosteriors(stats: readonly SeriesStats[], c: VarianceComponents, crossed: CrossedEffects): PosteriorMap {
  const sol = solveCrossed(stats, c, crossed, true);
  if (!sol) throw new EnergyLensError('INVALID_DATA', 'crossed effects: the posterior is singular');
  const map: PosteriorMap = new Map();
  stats.forEach((s, gi) => {
    const sh = shiftOf(sol, crossed, crossed.levels[s.key]);
    const m = 2 + s.settings.length;
    const [d0, d1] = sh.d;
    const zr = s.zr.map((v, a) => v - s.zz[a * m] * d0 - s.zz[a * m + 1] * d1);
    const rr = s.rr - 2 * (d0 * s.zr[0] + d1 * s.zr[1]) + d0 * d0 * s.zz[0] + 2 * d0 * d1 * s.zz[1] + d1 * d1 * s.zz[m + 1];
    const post: CrossedSeriesPosterior = { ...posteriorOf({ ...s, zr, rr }, c), crossed: { ...sh, g: Array.from(sol.pieces[gi].g) } };
    map.set(s.key, post);
  });
  map.crossedPrior = (record) => shiftOf(sol, crossed, crossed.factors.map((f) => factorValue(record, f)));
  return map;
}
