/** What every evaluator (WASM SIMD, WASM scalar, reference) offers. The search knows only this interface. */
import type { Program } from '../expression/compile.js';

export type LossName = 'mse' | 'mae' | 'mape' | 'msle';
/** Arithmetic of loss evaluation: f64 (default) or f32 (f32x4 lanes, the loss still summed in f64). */
export type Precision = 'f64' | 'f32';
export const PRECISIONS: readonly Precision[] = ['f64', 'f32'];
export const LOSS_NAMES: readonly LossName[] = ['mse', 'mae', 'mape', 'msle'];
/**
 * What an evaluator scores: a loss, or 'mse-scaled', the mse of the best a * p + b (weighted least squares in
 * closed form; a = 0 when p has no spread). The search's linear scaling (options.linearScaling) scores with it.
 */
export type KernelLoss = LossName | 'mse-scaled';

/**
 * Loss definitions (w_i = 1 without weights; sums divided by sum of w_i):
 * - mse:  w (p - y)^2
 * - mae:  w |p - y|
 * - mape: w |p - y| / |y|          (rows with y = 0 are rejected when the dataset is set)
 * - msle: w (log(p) - log(y))^2    (needs y > 0; p <= 0 gives +Infinity)
 * Any non-finite prediction or intermediate value gives +Infinity.
 */
export interface Dataset {
  /** feature-major: X[f * nRows + r] */
  readonly X: Float64Array;
  readonly nFeatures: number;
  readonly nRows: number;
  readonly y: Float64Array;
  readonly weights?: Float64Array;
}

export interface JacobianResult {
  /** predictions, length nRows */
  readonly predictions: Float64Array;
  /** d prediction / d constant, constant-major: jac[c * nRows + r]; length nConsts * nRows */
  readonly jac: Float64Array;
  /** true when every prediction and derivative is finite */
  readonly finite: boolean;
}

export interface Evaluator {
  readonly name: string;
  setDataset(data: Dataset): void;
  /** One loss per program. */
  losses(programs: readonly Program[], loss: KernelLoss): Float64Array;
  /** Raw predictions of one program (IEEE values, no early exit). */
  predict(program: Program): Float64Array;
  /** Forward-mode derivatives of the predictions with respect to the program's constants. */
  jacobian(program: Program): JacobianResult;
  /**
   * As `predict`, written into `out` (length nRows) instead of a new array; optional (the WASM evaluator has it).
   * Levenberg-Marquardt uses it to evaluate trial steps without allocating.
   */
  predictInto?(program: Program, out: Float64Array): void;
  /**
   * As `jacobian`, written into `predictions` (length nRows) and `jac` (nConsts x nRows, constant-major); returns
   * `finite`. Optional (the WASM evaluator has it).
   */
  jacobianInto?(program: Program, predictions: Float64Array, jac: Float64Array): boolean;
  /**
   * The sum over rows, in row order, of (prediction - y)^2 (Infinity when not finite), y one value per row.
   * Optional (the WASM evaluator has it): Levenberg-Marquardt's trial steps, without copying predictions out.
   */
  sumOfSquaresOf?(program: Program, y: Float64Array): number;
  /**
   * The normal equations of the residuals r = prediction - y: A = J^T J (nConsts x nConsts, row-major) into `A`,
   * g = J^T r into `g`, each sum over the rows in order; returns the sum of squares of r, or Infinity (A and g
   * untouched) when a prediction, a derivative or the sum is not finite. Optional (the WASM evaluator has it).
   */
  normalEquationsInto?(program: Program, y: Float64Array, A: number[] | Float64Array, g: number[] | Float64Array): number;
  /**
   * Precision of `losses` and `predict` from now on, where the evaluator offers a choice (the WASM SIMD
   * evaluator); Jacobians stay f64. Evaluators without it always compute in f64.
   */
  setPrecision?(precision: Precision): void;
  dispose(): void;
}
