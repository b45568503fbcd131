/**
 * Predictions of a fitted parametric model with delta-method prediction intervals: the variance of a prediction
 * (in the fit space) is g' C g + sd^2, g the gradient of the prediction (of its log, in log space) with respect
 * to the free parameters, C their covariance and sd the residual spread of new rows. In log space the interval is
 * p x exp(+-z sqrt(var)); in linear space p +- z sqrt(var).
 */
import { EnergyLensError } from '../../errors.js';
import type { ParametricEvaluator } from './evaluate.js';
import type { FitSpace } from './levenberg-marquardt.js';
import { kindOf } from './parametric.js';

/** Standard-normal quantile of a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

export interface IntervalOptions {
  space: FitSpace;
  /** indexes of the free parameters (rows and columns of covariance) */
  free: readonly number[];
  /** covariance of the free parameters, row-major (null: parameter uncertainty unknown, ignored) */
  covariance: ArrayLike<number> | null;
  /** residual standard deviation of a new row, in the fit space (default 0: a confidence interval) */
  residualSd?: number;
  /** default Z95 */
  z?: number;
}

export interface IntervalPrediction {
  predictions: Float64Array;
  low: Float64Array;
  high: Float64Array;
  /** standard deviation of each prediction in the fit space */
  sd: Float64Array;
}

export function predictParametric(ev: ParametricEvaluator, kindName: string, values: ArrayLike<number>): Float64Array {
  return ev.predict(kindOf(ev.model, kindName), values);
}

export function predictWithIntervals(ev: ParametricEvaluator, kindName: string, values: ArrayLike<number>, o: IntervalOptions): IntervalPrediction {
  const F = o.free.length;
  if (o.covariance && o.covariance.length !== F * F) throw new EnergyLensError('LENGTH_MISMATCH', `covariance has ${o.covariance.length} values; expected ${F} x ${F}`);
  const { predictions, jac } = ev.jacobian(kindOf(ev.model, kindName), values);
  const n = predictions.length;
  const z = o.z ?? Z95;
  const base = (o.residualSd ?? 0) ** 2;
  const low = new Float64Array(n);
  const high = new Float64Array(n);
  const sd = new Float64Array(n);
  const g = new Float64Array(F);
  for (let r = 0; r < n; r++) {
    const p = predictions[r];
    let variance = base;
    if (o.covariance) {
      for (let a = 0; a < F; a++) g[a] = jac[o.free[a] * n + r] / (o.space === 'log' ? p : 1);
      for (let a = 0; a < F; a++) {
        let row = 0;
        for (let b = 0; b < F; b++) row += o.covariance[a * F + b] * g[b];
        variance += g[a] * row;
      }
    }
    sd[r] = Math.sqrt(Math.max(0, variance));
    const half = z * sd[r];
    low[r] = o.space === 'log' ? p * Math.exp(-half) : p - half;
    high[r] = o.space === 'log' ? p * Math.exp(half) : p + half;
  }
  return { predictions, low, high, sd };
}
