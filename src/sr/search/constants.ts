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
  const M = A.slice();
  const x = b.slice();
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r * n + col]) > Math.abs(M[piv * n + col])) piv = r;
    const p = M[piv * n + col];
    if (!(Math.abs(p) > 1e-300)) return null;
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
  return x.every(Number.isFinite) ? x : null;
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

interface State { c: Float64Array; r: Float64Array; J: Float64Array; sse: number }

/** Fits the constants of `expression` (a tree or a compiled program) to `target` by Levenberg-Marquardt. */
/**
 * The Gauss-Newton normal equations of a linearised least-squares problem: A = J^T J and g = J^T r, with J
 * parameter-major (`J[k * nRows + row]`). Shared by the search's constant fitting and the parametric fit.
 */
export function normalEquations(J: Float64Array, r: Float64Array, nParams: number, nRows: number): { A: Float64Array; g: Float64Array } {
  const A = new Float64Array(nParams * nParams);
  const g = new Float64Array(nParams);
  for (let a = 0; a < nParams; a++) {
    const Ja = J.subarray(a * nRows, (a + 1) * nRows);
    let ga = 0;
    for (let i = 0; i < nRows; i++) ga += Ja[i] * r[i];
    g[a] = ga;
    for (let b = a; b < nParams; b++) {
      const Jb = J.subarray(b * nRows, (b + 1) * nRows);
      let v = 0;
      for (let i = 0; i < nRows; i++) v += Ja[i] * Jb[i];
      A[a * nParams + b] = v;
      A[b * nParams + a] = v;
    }
  }
  return { A, g };
}

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
  const sw = target.weights ? target.weights.map(Math.sqrt) : undefined;
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const w = sw ? sw[i] : 1;
    scale[i] = loss === 'mape' ? w / Math.abs(target.y[i]) : w;
  }
  const logY = loss === 'msle' ? target.y.map(Math.log) : undefined;
  const project = (c: Float64Array): Float64Array => {
    for (let k = 0; k < nC; k++) {
      if (lower && c[k] < lower[k]) c[k] = lower[k];
      if (upper && c[k] > upper[k]) c[k] = upper[k];
    }
    return c;
  };
  const withConsts = (c: Float64Array): Program => ({ ...program, consts: c });

  // unweighted mse/mae: every scale is 1, so the residuals' Jacobian is the kernel's (no copy; x * 1 === x)
  const unitScale = !logY && scale.every((v) => v === 1);
  // residuals (and the Jacobian of the residuals when jac is given)
  const residuals = (pred: Float64Array, jac?: Float64Array): { r: Float64Array; J?: Float64Array; sse: number } => {
    const r = new Float64Array(n);
    let sse = 0;
    for (let i = 0; i < n; i++) {
      const v = logY ? (Math.log(pred[i]) - logY[i]) * scale[i] : (pred[i] - target.y[i]) * scale[i];
      r[i] = v;
      sse += v * v;
    }
    if (!Number.isFinite(sse)) return { r, sse: Infinity };
    if (!jac) return { r, sse };
    if (unitScale) return { r, J: jac, sse };
    const J = new Float64Array(nC * n);
    for (let k = 0; k < nC; k++) {
      for (let i = 0; i < n; i++) J[k * n + i] = jac[k * n + i] * (logY ? scale[i] / pred[i] : scale[i]);
    }
    return { r, J, sse };
  };

  const linearise = (c: Float64Array): State | null => {
    evaluations++;
    const { predictions, jac, finite } = evaluator.jacobian(withConsts(c));
    if (predictions.length !== n) {
      throw new SrError('LENGTH_MISMATCH', `target.y has ${n} values; the evaluator's dataset has ${predictions.length} rows`);
    }
    if (!finite) return null;
    const { r, J, sse } = residuals(predictions, jac);
    return J && Number.isFinite(sse) ? { c, r, J, sse } : null;
  };

  const normal = (s: State): { A: Float64Array; g: Float64Array } => normalEquations(s.J, s.r, nC, n);

  const run = (start: Float64Array): { s: State | null; iterations: number } => {
    let s = linearise(project(start.slice()));
    if (!s) return { s: null, iterations: 0 };
    let lambda = 1e-3;
    let it = 0;
    const floor = s.sse * 1e-28;
    // converged: the last step's relative decrease was below the tolerance (the count stays the iterations done)
    let converged = false;
    for (; it < maxIterations && s.sse > floor && !converged; it++) {
      const { A, g } = normal(s);
      let improved = false;
      for (let tries = 0; tries < 8 && lambda < 1e16; tries++) {
        const D = A.slice();
        for (let k = 0; k < nC; k++) D[k * nC + k] += lambda * Math.max(A[k * nC + k], 1e-12);
        const delta = solveLinear(D, g.map((v) => -v), nC);
        if (!delta) { lambda *= 10; continue; }
        const c2 = project(s.c.map((v, k) => v + delta[k]));
        evaluations++;
        const { sse } = residuals(evaluator.predict(withConsts(c2)));
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
    const inv = invertMatrix(normal(best.s).A, nC);
    if (inv) {
      const s2 = best.s.sse / (n - nC);
      standardErrors = Float64Array.from({ length: nC }, (_, k) => Math.sqrt(Math.max(0, s2 * inv[k * nC + k])));
    }
  }
  return { constants, loss: finalLoss, sse: best.s.sse, iterations, evaluations, standardErrors };
}
