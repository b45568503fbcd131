/**
 * Fitting the parameters of a parametric model (parametric.ts) to rows of several kinds by Levenberg-Marquardt
 * on the kernel's Jacobian: residuals in log space (log p - log y, the default) or linear space (p - y), each
 * times sqrt(weight); bounds by projection; extra starts from perturbed values drawn by a seeded generator (the
 * best wins); then iteratively reweighted refits with Huber weights on the residuals (scale: 1.4826 x the median
 * absolute deviation), so a few rows far from the rest do not pull the fit. Covariance s^2 (J^T W J)^-1 over the
 * free parameters at the solution with the rows' own weights, s^2 = SSE / (n - free); standard errors are its
 * diagonal. Work per iteration is linear in the rows.
 *
 *   const fit = fitParametric(compileParametric(spec), { main: { X, nRows, y } }, { space: 'linear', seed: 1 });
 *   fit.values; fit.standardErrors; fit.covariance; fit.kinds[0].residualSd
 */
import { SrError } from '../errors.js';
import { solveLinear } from '../search/constants.js';
import { createRng } from '../util/rng.js';
import { parameterCovariance } from './covariance.js';
import { ParametricEvaluator, type ParametricData, type ParametricEvaluatorOptions } from './evaluate.js';
import { startValues, type ParametricModel } from './parametric.js';
import { DEFAULT_SAMPLE_ROWS, sampleRows } from './sample.js';

export type FitSpace = 'log' | 'linear';

export interface ParametricFitOptions extends ParametricEvaluatorOptions {
  /** residual space: 'log' (relative errors; targets and predictions must be > 0) or 'linear'; default 'log' */
  space?: FitSpace;
  /** extra starts from perturbed values; default 8 */
  restarts?: number;
  /** per start; default 200 */
  maxIterations?: number;
  /** seeds the perturbed starts; default 0 */
  seed?: number;
  /** Huber-reweighted refits after the first fit; default 3 (0: plain weighted least squares) */
  robustRounds?: number;
  /** Huber's tuning constant in units of the robust residual scale; default 1.345 (95 % efficiency) */
  huberK?: number;
  /** stop when the relative decrease of the sum of squares falls below this; default 1e-14 */
  tolerance?: number;
  /** starting values, one per parameter (held parameters keep their held value); default: each start */
  initial?: ArrayLike<number>;
  /** hold free parameters whose derivative is zero on every row at the start (the data cannot move them) */
  holdUnidentified?: boolean;
  /**
   * fitParametric on more rows than this: the starts and robust rounds run on a seeded sample of this many rows,
   * then one Huber-weighted run on every row from the sample's solution; default DEFAULT_SAMPLE_ROWS (0: never)
   */
  sampleRows?: number;
  /**
   * `initial` is already a fit: no plain run and no restarts; the robust rounds start from it (with one round,
   * a one-step M-estimator)
   */
  refine?: boolean;
}

export interface KindFit {
  kind: string;
  nRows: number;
  predictions: Float64Array;
  /** unweighted residuals in the fit space (log p - log y, or p - y) */
  residuals: Float64Array;
  /** sqrt(sum residual^2 / max(1, rows - free parameters this kind's expression uses)) */
  residualSd: number;
}

export interface ParametricFit {
  space: FitSpace;
  /** one per parameter (held ones at their held value) */
  values: Float64Array;
  /** indexes of the fitted parameters: the rows and columns of `covariance` */
  free: number[];
  /** parameters held because the data do not move them (holdUnidentified), by index */
  unidentified: number[];
  /**
   * covariance of the free parameters, row-major (the pseudo-inverse over the directions the data determine when
   * J^T W J is singular); null when rows <= free or J^T W J carries no information
   */
  covariance: Float64Array | null;
  /** one per parameter; null for held parameters, without covariance, or for a parameter the data do not determine on its own */
  standardErrors: (number | null)[];
  /** groups of parameters (indexes) the data cannot tell apart: only a combination of each group is determined */
  confounded: number[][];
  /** weighted mean squared residual (the rows' own weights) */
  loss: number;
  sse: number;
  iterations: number;
  /** kernel passes over the rows (one per kind per evaluation) */
  evaluations: number;
  kinds: KindFit[];
}

export const DEFAULT_FIT_OPTIONS = { space: 'log', restarts: 8, maxIterations: 200, seed: 0, robustRounds: 3, huberK: 1.345, tolerance: 1e-14 } as const;

/** A linearisation: residuals and, with the Jacobian, the normal equations A = J^T J, g = J^T r over the free parameters. */
interface State { values: Float64Array; r: Float64Array; A: Float64Array; g: Float64Array; moves: boolean[]; sse: number }

/** Rows per block when the normal equations are accumulated (the Jacobian of a block, not of every row, is held). */
const ROW_BLOCK = 1024;

/** Median of a copy (O(n log n)). */
export function medianOf(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Robust scale of residuals: 1.4826 x the median absolute deviation from the median. */
export function robustScale(residuals: ArrayLike<number>): number {
  const m = medianOf(residuals);
  return 1.4826 * medianOf(Float64Array.from(residuals, (x) => Math.abs(x - m)));
}

function checkOptions(o: ParametricFitOptions): void {
  for (const k of ['restarts', 'maxIterations', 'robustRounds', 'seed', 'sampleRows'] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new SrError('INVALID_OPTION', `options.${k} must be a non-negative integer, got ${v}`);
  }
  if (o.space !== undefined && o.space !== 'log' && o.space !== 'linear') throw new SrError('INVALID_OPTION', `options.space must be "log" or "linear", got ${JSON.stringify(o.space)}`);
  if (o.huberK !== undefined && !(o.huberK > 0)) throw new SrError('INVALID_OPTION', `options.huberK must be > 0, got ${o.huberK}`);
}

/**
 * Fits the free parameters of `model` to `data` (every kind with rows must carry y). Above `sampleRows` rows the
 * starts and robust rounds run on a seeded sample and one Huber-weighted run on every row refines their solution
 * (a one-step M-estimator from a consistent start), so time grows as one run over the rows instead of
 * (restarts + robust rounds + 2) runs; fits on fewer rows are unchanged.
 */
export function fitParametric(model: ParametricModel, data: ParametricData, options: ParametricFitOptions = {}): ParametricFit {
  checkOptions(options);
  const limit = options.sampleRows ?? DEFAULT_SAMPLE_ROWS;
  const total = Object.values(data).reduce((a, d) => a + d.nRows, 0);
  const restarts = options.restarts ?? DEFAULT_FIT_OPTIONS.restarts;
  const rounds = options.robustRounds ?? DEFAULT_FIT_OPTIONS.robustRounds;
  if (limit === 0 || total <= limit || options.refine || (restarts === 0 && rounds === 0)) return fitOn(model, data, options);
  const first = fitOn(model, sampleRows(data, limit, (options.seed ?? 0) ^ 0x53a3), options);
  const polished = fitOn(model, data, { ...options, initial: first.values, restarts: 0, robustRounds: Math.min(rounds, 1), refine: rounds > 0 });
  return { ...polished, iterations: first.iterations + polished.iterations, evaluations: first.evaluations + polished.evaluations };
}

function fitOn(model: ParametricModel, data: ParametricData, options: ParametricFitOptions): ParametricFit {
  const ev = new ParametricEvaluator(model, data, options);
  try {
    return fitWith(ev, options);
  } finally {
    ev.dispose();
  }
}

/** As fitParametric, on an evaluator that already holds the rows. */
export function fitWith(ev: ParametricEvaluator, options: ParametricFitOptions = {}): ParametricFit {
  checkOptions(options);
  const o = { ...DEFAULT_FIT_OPTIONS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof DEFAULT_FIT_OPTIONS & ParametricFitOptions;
  const model = ev.model;
  const kinds = ev.kinds;
  const P = model.parameters.length;
  const log = o.space === 'log';
  // the rows, concatenated over kinds
  const offsets: number[] = [];
  let n = 0;
  for (const kind of kinds) { offsets.push(n); n += ev.rows.get(kind.name)!.nRows; }
  if (n === 0) throw new SrError('EMPTY_DATA', 'no rows to fit');
  const y = new Float64Array(n);
  const baseWeights = new Float64Array(n).fill(1);
  kinds.forEach((kind, i) => {
    const rows = ev.rows.get(kind.name)!;
    if (!rows.y) throw new SrError('INVALID_DATA', `rows of kind "${kind.name}" have no targets (y)`);
    for (let r = 0; r < rows.nRows; r++) {
      const v = rows.y[r];
      if (!Number.isFinite(v) || (log && !(v > 0))) throw new SrError('INVALID_DATA', `rows of kind "${kind.name}", row ${r + 1}: target ${v} must be ${log ? '> 0 (log-space fit)' : 'finite'}`);
      y[offsets[i] + r] = v;
      if (rows.weights) baseWeights[offsets[i] + r] = rows.weights[r];
    }
  });
  const logY = log ? y.map(Math.log) : y;
  const lower = Float64Array.from(model.parameters, (p) => p.lower ?? -Infinity);
  const upper = Float64Array.from(model.parameters, (p) => p.upper ?? Infinity);
  const start = startValues(model);
  if (o.initial) {
    if (o.initial.length !== P) throw new SrError('INVALID_OPTION', `options.initial must have one value per parameter (${P}), got ${o.initial.length}`);
    model.parameters.forEach((p, k) => { if (!p.held) start[k] = Math.min(upper[k], Math.max(lower[k], o.initial![k])); });
  }
  let free = [...model.free];
  const unidentified: number[] = [];
  let evaluations = 0;

  // fit-space residuals and, with jac, the normal equations over the free parameters for these weights,
  // accumulated block by block of rows (J itself, free x rows, is never held)
  const linearise = (values: Float64Array, sw: Float64Array, withJac: boolean): State | null => {
    const F = free.length;
    const r = new Float64Array(n);
    const A = new Float64Array(withJac ? F * F : 0);
    const g = new Float64Array(withJac ? F : 0);
    const moves = new Array<boolean>(withJac ? F : 0).fill(false);
    const block = new Float64Array(withJac ? F * ROW_BLOCK : 0);
    const scale = new Float64Array(withJac ? ROW_BLOCK : 0);
    let sse = 0;
    for (let i = 0; i < kinds.length; i++) {
      evaluations++;
      const off = offsets[i];
      const kind = kinds[i];
      const j = withJac ? ev.constantJacobian(kind, values) : null;
      const pred = j ? j.predictions : ev.predict(kind, values);
      if (j && !j.finite) return null;
      const m = pred.length;
      for (let row = 0; row < m; row++) {
        const p = pred[row];
        const v = (log ? Math.log(p) - logY[off + row] : p - y[off + row]) * sw[off + row];
        r[off + row] = v;
        sse += v * v;
      }
      if (!j) continue;
      const jac = j.jac;
      // the constants that are each free parameter
      const consts = free.map((k) => { const cs: number[] = []; kind.occurrences.forEach((q, c) => { if (q === k) cs.push(c); }); return cs; });
      for (let b0 = 0; b0 < m; b0 += ROW_BLOCK) {
        const len = Math.min(ROW_BLOCK, m - b0);
        // d fit-residual / d prediction of each row: sqrt(weight) (/ prediction in log space)
        for (let t = 0; t < len; t++) scale[t] = log ? sw[off + b0 + t] / pred[b0 + t] : sw[off + b0 + t];
        for (let a = 0; a < F; a++) {
          const at = a * ROW_BLOCK;
          block.fill(0, at, at + len);
          for (const c of consts[a]) {
            const base = c * m + b0;
            for (let t = 0; t < len; t++) block[at + t] += jac[base + t];
          }
          let any = false;
          for (let t = 0; t < len; t++) {
            const v = block[at + t] * scale[t];
            block[at + t] = v;
            if (v !== 0) any = true;
          }
          if (any) moves[a] = true;
          let ga = 0;
          for (let t = 0; t < len; t++) ga += block[at + t] * r[off + b0 + t];
          g[a] += ga;
        }
        for (let a = 0; a < F; a++) {
          const at = a * ROW_BLOCK;
          for (let b = a; b < F; b++) {
            const bt = b * ROW_BLOCK;
            let s2 = 0;
            for (let t = 0; t < len; t++) s2 += block[at + t] * block[bt + t];
            A[a * F + b] += s2;
          }
        }
      }
    }
    for (let a = 0; a < free.length; a++) for (let b = 0; b < a; b++) A[a * free.length + b] = A[b * free.length + a];
    return Number.isFinite(sse) ? { values, r, A, g, moves, sse } : null;
  };

  const normal = (s: State): { A: Float64Array; g: Float64Array } => ({ A: s.A, g: s.g });

  const project = (v: Float64Array): Float64Array => {
    for (const k of free) v[k] = Math.min(upper[k], Math.max(lower[k], v[k]));
    return v;
  };

  const run = (from: Float64Array, sw: Float64Array): { s: State | null; iterations: number } => {
    let s = linearise(project(from.slice()), sw, true);
    if (!s) return { s: null, iterations: 0 };
    const F = free.length;
    let lambda = 1e-3;
    let it = 0;
    const floor = s.sse * 1e-28;
    // converged: the last step's relative decrease was below the tolerance (the count stays the iterations done)
    let converged = false;
    for (; it < o.maxIterations && s.sse > floor && F > 0 && !converged; it++) {
      const { A, g } = normal(s);
      let improved = false;
      for (let tries = 0; tries < 8 && lambda < 1e16; tries++) {
        const D = A.slice();
        for (let k = 0; k < F; k++) D[k * F + k] += lambda * Math.max(A[k * F + k], 1e-12);
        const delta = solveLinear(D, g.map((v) => -v), F);
        if (!delta) { lambda *= 10; continue; }
        const next = s.values.slice();
        free.forEach((k, a) => { next[k] += delta[a]; });
        project(next);
        const trial = linearise(next, sw, false);
        if (trial && trial.sse < s.sse) {
          const rel = (s.sse - trial.sse) / s.sse;
          const lin = linearise(next, sw, true);
          if (!lin) { lambda *= 10; continue; }
          s = lin;
          lambda = Math.max(lambda / 3, 1e-12);
          improved = true;
          if (rel < o.tolerance) converged = true;
          break;
        }
        lambda *= 4;
      }
      if (!improved) break;
    }
    return { s, iterations: it };
  };

  const sqrtBase = baseWeights.map(Math.sqrt);
  const ONES = new Float64Array(n).fill(1);
  if (o.holdUnidentified && free.length > 0) {
    const s = linearise(project(start.slice()), sqrtBase, true);
    if (s) {
      const moves = s.moves;
      unidentified.push(...free.filter((_, a) => !moves[a]));
      free = free.filter((_, a) => moves[a]);
    }
  }

  let best = o.refine ? { s: linearise(project(start.slice()), sqrtBase, true), iterations: 0 } : run(start, sqrtBase);
  let iterations = best.iterations;
  const rng = createRng(o.seed);
  for (let k = 0; k < (o.refine ? 0 : o.restarts) && free.length > 0; k++) {
    const base = best.s?.values ?? start;
    const from = base.slice();
    // two draws per parameter, held ones included, so a start does not depend on which parameters are held
    for (let q = 0; q < P; q++) {
      const a = rng.normal();
      const b = rng.normal();
      if (free.includes(q)) from[q] = base[q] * (1 + 0.5 * a) + 0.1 * b;
    }
    const attempt = run(from, sqrtBase);
    iterations += attempt.iterations;
    if (attempt.s && (!best.s || attempt.s.sse < best.s.sse)) best = attempt;
  }
  if (!best.s) throw new SrError('INVALID_DATA', 'the expression is not finite (or not positive, in a log-space fit) on the rows at any start: no fit');
  let solution: State = best.s;
  for (let round = 0; round < o.robustRounds && free.length > 0; round++) {
    const raw = linearise(solution.values, ONES, false)?.r;
    if (!raw) break;
    const scale = robustScale(raw) || 1e-12;
    const sw = Float64Array.from(raw, (x, i) => Math.sqrt(baseWeights[i] * Math.min(1, (o.huberK * scale) / Math.max(Math.abs(x), 1e-300))));
    const refit = run(solution.values, sw);
    iterations += refit.iterations;
    if (!refit.s) break;
    solution = refit.s;
  }
  const values = solution.values;
  // at the solution, with the rows' own weights
  const final = linearise(values, sqrtBase, true);
  if (!final) throw new SrError('INVALID_DATA', 'the fitted expression is not finite on the rows');
  const F = free.length;
  const cov = F > 0 && n > F ? parameterCovariance(normal(final).A, F, final.sse / (n - F)) : null;
  const covariance = cov?.covariance ?? null;
  const standardErrors = model.parameters.map((_, k) => {
    const at = free.indexOf(k);
    return cov && at >= 0 ? cov.standardErrors[at] : null;
  });
  const confounded = (cov?.confounded ?? []).map((group) => group.map((at) => free[at]));
  const weightSum = baseWeights.reduce((a, w) => a + w, 0);
  const kindFits = kinds.map((kind, i): KindFit => {
    const m = ev.rows.get(kind.name)!.nRows;
    const predictions = ev.predict(kind, values);
    evaluations++;
    const residuals = Float64Array.from(predictions, (p, row) => (log ? Math.log(p) - logY[offsets[i] + row] : p - y[offsets[i] + row]));
    const used = free.filter((k) => kind.uses[k]).length;
    const ss = residuals.reduce((a, v) => a + v * v, 0);
    return { kind: kind.name, nRows: m, predictions, residuals, residualSd: Math.sqrt(ss / Math.max(1, m - used)) };
  });
  return {
    space: o.space, values, free, unidentified, covariance, standardErrors, confounded,
    loss: weightSum > 0 ? final.sse / weightSum : Number.NaN, sse: final.sse, iterations, evaluations, kinds: kindFits,
  };
}
