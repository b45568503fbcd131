/**
 * Levenberg-Marquardt on the constants of a fixed expression, with the kernel's forward-mode Jacobian.
 *
 * Residuals are taken in the loss's natural space: plain (mse, and mae as its smooth proxy), relative (mape:
 * (p - y) / |y|) or logarithmic (msle: log p - log y), each times sqrt(weight). The reported loss is the
 * evaluator's own loss of the final constants. Bounds are enforced by projection. Standard errors come from
 * s^2 (J^T J)^-1 at the solution, s^2 = SSE / (n - p).
 *
 * Usage (the evaluator must already hold the dataset whose `y` and `weights` are passed as the target):
 *
 *   const fit = fitConstants(parseExpression('1 * x0 ^ 2'), evaluator, { y },
 *     { loss: 'mse', lower: [0], upper: [10], restarts: 3 });
 *   fit.constants, fit.loss, fit.standardErrors
 *
 * Constants are numbered in postfix order (the order `compile` and `constantNodes` use).
 */
import { SrError } from '../errors.js';
import { compile, type Program } from '../expression/compile.js';
import type { Node } from '../expression/node.js';
import type { Evaluator, LossName } from '../eval/types.js';
import { createRng, type Rng } from '../util/rng.js';

export interface FitConstantsOptions {
  /** default 'mse' */
  loss?: LossName;
  /** starting values (default: the expression's own constants) */
  initial?: readonly number[];
  maxIterations?: number;
  /** extra starts from perturbed constants (the best result wins); default 0 */
  restarts?: number;
  /** draws the perturbed starts (default: a fixed seed, so a fit is reproducible) */
  rng?: Rng;
  /** per-constant bounds (projected after every step); use -Infinity / Infinity for an open side */
  lower?: readonly number[];
  upper?: readonly number[];
  /** stop when the relative decrease of the sum of squares falls below this */
  tolerance?: number;
}

export interface FitConstantsResult {
  constants: Float64Array;
  loss: number;
  /** sum of squared (transformed, weighted) residuals */
  sse: number;
  iterations: number;
  /** kernel calls made (each evaluates the expression over the whole dataset once) */
  evaluations: number;
  /** one per constant; null when there are no more rows than constants or J^T J is singular */
  standardErrors: Float64Array | null;
}

export interface FitTarget {
  y: Float64Array;
  weights?: Float64Array;
}

/** Solves A x = b (n x n, row-major) by Gaussian elimination with partial pivoting; null if singular. */
export function solveLinear(A: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const x = b.slice();
  return solveInPlace(A.slice(), x, n) ? x : null;
}

/**
 * solveLinear on its own storage: M (n x n, row-major) is overwritten and x holds b on entry, the solution on
 * return. Returns false when M is singular or the solution not finite.
 */
function solveInPlace(M: Float64Array, x: Float64Array, n: number): boolean {
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r * n + col]) > Math.abs(M[piv * n + col])) piv = r;
    const p = M[piv * n + col];
    if (!(Math.abs(p) > 1e-300)) return false;
    if (piv !== col) {
      for (let k = 0; k < n; k++) { const t = M[col * n + k]; M[col * n + k] = M[piv * n + k]; M[piv * n + k] = t; }
      const t = x[col]; x[col] = x[piv]; x[piv] = t;
    }
    for (let r = col + 1; r < n; r++) {
      const f = M[r * n + col] / p;
      if (f === 0) continue;
      for (let k = col; k < n; k++) M[r * n + k] -= f * M[col * n + k];
      x[r] -= f * x[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= M[r * n + k] * x[k];
    x[r] = s / M[r * n + r];
  }
  for (let k = 0; k < n; k++) if (!Number.isFinite(x[k])) return false;
  return true;
}

/** Inverse of a symmetric positive definite matrix, or null. */
export function invertMatrix(A: Float64Array, n: number): Float64Array | null {
  const inv = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const e = new Float64Array(n);
    e[c] = 1;
    const col = solveLinear(A, e, n);
    if (!col) return null;
    for (let r = 0; r < n; r++) inv[r * n + c] = col[r];
  }
  return inv;
}

/**
 * The Gauss-Newton normal equations of a linearised least-squares problem: A = J^T J and g = J^T r, with J
 * parameter-major (`J[k * nRows + row]`). Shared by the search's constant fitting and the parametric fit.
 */
export function normalEquations(J: Float64Array, r: Float64Array, nParams: number, nRows: number): { A: Float64Array; g: Float64Array } {
  const A = new Float64Array(nParams * nParams);
  const g = new Float64Array(nParams);
  normalEquationsInto(J, r, nParams, nRows, A, g);
  return { A, g };
}

/** normalEquations written into A (nParams x nParams) and g (nParams), by offsets into J (no views made). */
function normalEquationsInto(J: Float64Array, r: Float64Array, nParams: number, nRows: number, A: Float64Array | number[], g: Float64Array | number[]): void {
  for (let a = 0; a < nParams; a++) {
    const ja = a * nRows;
    let ga = 0;
    for (let i = 0; i < nRows; i++) ga += J[ja + i] * r[i];
    g[a] = ga;
    for (let b = a; b < nParams; b++) {
      const jb = b * nRows;
      let v = 0;
      for (let i = 0; i < nRows; i++) v += J[ja + i] * J[jb + i];
      A[a * nParams + b] = v;
      A[b * nParams + a] = v;
    }
  }
}

/**
 * A linearisation: the constants and the normal equations of their residuals (A = J^T J, g = J^T r) with the sum
 * of squares. The residuals and J themselves live in the evaluator's scratch, so a state stays small.
 */
interface State { c: Float64Array; A: number[]; g: number[]; sse: number }

/**
 * Row-sized work arrays of Levenberg-Marquardt, one set per evaluator, reused by every fit on it (a fit allocated
 * them on every step before: arrays of this size live outside V8's heap, and their allocation and collection cost
 * the search more than the arithmetic). Fits are synchronous, so one set per evaluator is never shared by two.
 */
interface Scratch { rows: Float64Array; consts: Float64Array }
const scratchOf = new WeakMap<Evaluator, Scratch>();

/** Views of the evaluator's scratch: predictions, residuals, scale and log y (n each), the kernel's and the residuals' Jacobians (nC x n each). */
function workArrays(evaluator: Evaluator, n: number, nC: number): { pred: Float64Array; r: Float64Array; scale: Float64Array; logY: Float64Array; jac: Float64Array; J: Float64Array } {
  let s = scratchOf.get(evaluator);
  if (!s || s.rows.length < 4 * n || s.consts.length < 2 * nC * n) {
    s = { rows: new Float64Array(Math.max(4 * n, s?.rows.length ?? 0)), consts: new Float64Array(Math.max(2 * nC * n, s?.consts.length ?? 0)) };
    scratchOf.set(evaluator, s);
  }
  const { rows, consts } = s;
  return {
    pred: rows.subarray(0, n), r: rows.subarray(n, 2 * n), scale: rows.subarray(2 * n, 3 * n), logY: rows.subarray(3 * n, 4 * n),
    jac: consts.subarray(0, nC * n), J: consts.subarray(nC * n, 2 * nC * n),
  };
}

/** Fits the constants of `expression` (a tree or a compiled program) to `target` by Levenberg-Marquardt. */
export function fitConstants(expression: Node | Program, evaluator: Evaluator, target: FitTarget, options: FitConstantsOptions = {}): FitConstantsResult {
  const compiled = 'kind' in expression ? compile(expression) : expression;
  if (options.initial && options.initial.length !== compiled.consts.length) {
    throw new SrError('INVALID_OPTION', `initial must have one value per constant (${compiled.consts.length}), got ${options.initial.length}`);
  }
  const program: Program = options.initial ? { ...compiled, consts: Float64Array.from(options.initial) } : compiled;
  for (const [name, v] of [['maxIterations', options.maxIterations], ['restarts', options.restarts]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new SrError('INVALID_OPTION', `${name} must be a non-negative integer, got ${v}`);
  }
  const loss = options.loss ?? 'mse';
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-14;
  const nC = program.consts.length;
  const n = target.y.length;
  const lower = options.lower;
  const upper = options.upper;
  if ((lower && lower.length !== nC) || (upper && upper.length !== nC)) {
    throw new SrError('INVALID_OPTION', `bounds must have one value per constant (${nC})`);
  }
  let evaluations = 0;
  const y = target.y;
  const weights = target.weights;
  const work = workArrays(evaluator, n, nC);
  const { pred, r, scale } = work;
  let unitScale = true;
  for (let i = 0; i < n; i++) {
    const w = weights ? Math.sqrt(weights[i]) : 1;
    const v = loss === 'mape' ? w / Math.abs(y[i]) : w;
    scale[i] = v;
    if (v !== 1) unitScale = false;
  }
  const logY = loss === 'msle' ? work.logY : undefined;
  if (logY) for (let i = 0; i < n; i++) logY[i] = Math.log(y[i]);
  // unweighted mse/mae: every scale is 1, so the residuals' Jacobian is the kernel's (no copy; x * 1 === x)
  if (logY) unitScale = false;
  const J = unitScale ? work.jac : work.J;
  const project = (c: Float64Array): Float64Array => {
    for (let k = 0; k < nC; k++) {
      if (lower && c[k] < lower[k]) c[k] = lower[k];
      if (upper && c[k] > upper[k]) c[k] = upper[k];
    }
    return c;
  };
  // the program with other constants: one object whose constants are swapped (evaluators copy what they are
  // given and keep no reference, so a new object per evaluation would only feed the garbage collector)
  const current: { -readonly [K in keyof Program]: Program[K] } = { ...program };
  const withConsts = (c: Float64Array): Program => { current.consts = c; return current; };
  const lengthCheck = (rows: number): void => {
    if (rows !== n) throw new SrError('LENGTH_MISMATCH', `target.y has ${n} values; the evaluator's dataset has ${rows} rows`);
  };

  // the sum of squared residuals of the predictions in `pred` (with `keep`, the residuals are stored in r)
  const sumOfSquares = (keep: boolean): number => {
    let sse = 0;
    for (let i = 0; i < n; i++) {
      const v = logY ? (Math.log(pred[i]) - logY[i]) * scale[i] : (pred[i] - y[i]) * scale[i];
      if (keep) r[i] = v;
      sse += v * v;
    }
    return Number.isFinite(sse) ? sse : Infinity;
  };

  // unit-weight residuals p - y (unweighted mse and mae): the evaluator can sum them where it computed the
  // predictions and the Jacobian (the same sums in the same order as sumOfSquares and normalEquationsInto here)
  const inKernel = unitScale && evaluator.normalEquationsInto !== undefined && evaluator.sumOfSquaresOf !== undefined;

  const linearise = (c: Float64Array): State | null => {
    evaluations++;
    if (inKernel) {
      const A = new Array<number>(nC * nC).fill(0);
      const g = new Array<number>(nC).fill(0);
      const sse = evaluator.normalEquationsInto?.(withConsts(c), y, A, g) ?? Infinity;
      return Number.isFinite(sse) ? { c, A, g, sse } : null;
    }
    let finite: boolean;
    if (evaluator.jacobianInto) {
      finite = evaluator.jacobianInto(withConsts(c), pred, work.jac);
    } else {
      const j = evaluator.jacobian(withConsts(c));
      lengthCheck(j.predictions.length);
      pred.set(j.predictions);
      work.jac.set(j.jac);
      finite = j.finite;
    }
    if (!finite) return null;
    const sse = sumOfSquares(true);
    if (!Number.isFinite(sse)) return null;
    if (!unitScale) {
      const jac = work.jac;
      for (let k = 0; k < nC; k++) {
        for (let i = 0; i < n; i++) J[k * n + i] = jac[k * n + i] * (logY ? scale[i] / pred[i] : scale[i]);
      }
    }
    // (plain arrays: V8 keeps them on its heap, where a typed array of more than 8 values would not be)
    const A = new Array<number>(nC * nC).fill(0);
    const g = new Array<number>(nC).fill(0);
    normalEquationsInto(J, r, nC, n, A, g);
    return { c, A, g, sse };
  };

  const trialSse = (c: Float64Array): number => {
    evaluations++;
    if (inKernel) return evaluator.sumOfSquaresOf?.(withConsts(c), y) ?? Infinity;
    if (evaluator.predictInto) evaluator.predictInto(withConsts(c), pred);
    else {
      const p = evaluator.predict(withConsts(c));
      lengthCheck(p.length);
      pred.set(p);
    }
    return sumOfSquares(false);
  };

  const D = new Float64Array(nC * nC);
  const delta = new Float64Array(nC);
  const run = (start: Float64Array): { s: State | null; iterations: number } => {
    let s = linearise(project(start.slice()));
    if (!s) return { s: null, iterations: 0 };
    let lambda = 1e-3;
    let it = 0;
    const floor = s.sse * 1e-28;
    // converged: the last step's relative decrease was below the tolerance (the count stays the iterations done)
    let converged = false;
    for (; it < maxIterations && s.sse > floor && !converged; it++) {
      const { A, g } = s;
      let improved = false;
      for (let tries = 0; tries < 8 && lambda < 1e16; tries++) {
        D.set(A);
        for (let k = 0; k < nC; k++) D[k * nC + k] += lambda * Math.max(A[k * nC + k], 1e-12);
        for (let k = 0; k < nC; k++) delta[k] = -g[k];
        if (!solveInPlace(D, delta, nC)) { lambda *= 10; continue; }
        const c2 = new Float64Array(nC);
        for (let k = 0; k < nC; k++) c2[k] = s.c[k] + delta[k];
        project(c2);
        const sse = trialSse(c2);
        if (sse < s.sse) {
          const rel = (s.sse - sse) / s.sse;
          const next = linearise(c2);
          if (!next) { lambda *= 10; continue; }
          s = next;
          lambda = Math.max(lambda / 3, 1e-12);
          improved = true;
          if (rel < tolerance) converged = true;
          break;
        }
        lambda *= 4;
      }
      if (!improved) break;
    }
    return { s, iterations: it };
  };

  let best = run(Float64Array.from(program.consts));
  let iterations = best.iterations;
  const restarts = options.restarts ?? 0;
  if (restarts > 0 && nC > 0) {
    const rng = options.rng ?? createRng(0x5eed);
    for (let k = 0; k < restarts; k++) {
      const from = (best.s?.c ?? program.consts).map((v) => v * (1 + 0.5 * rng.normal()) + 0.1 * rng.normal());
      const attempt = run(Float64Array.from(from));
      iterations += attempt.iterations;
      if (attempt.s && (!best.s || attempt.s.sse < best.s.sse)) best = attempt;
    }
  }
  if (!best.s) {
    evaluations++;
    const l = evaluator.losses([program], loss)[0];
    return { constants: Float64Array.from(program.consts), loss: l, sse: Infinity, iterations, evaluations, standardErrors: null };
  }
  const constants = best.s.c;
  evaluations++;
  const finalLoss = evaluator.losses([withConsts(constants)], loss)[0];
  let standardErrors: Float64Array | null = null;
  if (n > nC && nC > 0) {
    const inv = invertMatrix(Float64Array.from(best.s.A), nC);
    if (inv) {
      const s2 = best.s.sse / (n - nC);
      standardErrors = Float64Array.from({ length: nC }, (_, k) => Math.sqrt(Math.max(0, s2 * inv[k * nC + k])));
    }
  }
  return { constants, loss: finalLoss, sse: best.s.sse, iterations, evaluations, standardErrors };
}
