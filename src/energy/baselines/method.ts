/**
 * One interface for every way of predicting the energy of a serving configuration: the closed form and the
 * baselines it is compared with (latency proxy, analytical models, ensemble ML). A method is fitted on profiling
 * records and predicts energy per output token (J) of configurations; the evaluation protocols
 * (evaluation/protocols.ts) see nothing else, so every method is judged on the same splits and the same metrics.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { ConfigurationInput } from '../model/features.js';
import type { FitRecord } from '../model/fit.js';
import type { DecodedTree } from '../model/residual-trees.js';

/** A configuration to predict; `tpot_s` where it was measured (only the latency proxy reads it). */
export interface PredictInput extends ConfigurationInput {
  tpot_s?: number;
  /** serving framework (records of several frameworks: a categorical feature of the ensembles) */
  framework?: string;
}

/** A training record (energy_j per request, tpot_s where measured) with the columns the baselines may read. */
export type TrainRecord = FitRecord & PredictInput;

export interface MethodContext {
  /** seed of anything random in the fit (restarts, bagging, subsampling) */
  seed?: number;
  catalog?: Catalog;
  /** assumed prompt tokens per workload for records without input_tokens */
  inputTokens?: Readonly<Record<string, number>>;
}

export interface FittedMethod {
  readonly method: string;
  /** predicted energy per output token (J) of each configuration, in order; always > 0 */
  predict(configs: readonly PredictInput[]): number[];
  /**
   * Calibration to a new setting (hardware extrapolation) from a few records of it. Methods without their own
   * calibration are refitted on the training records plus these (the protocol does that).
   */
  calibrate?(records: readonly TrainRecord[], ctx?: MethodContext): FittedMethod;
  /** the reductions this fit used (fallbacks, held parameters), in words */
  readonly notes: readonly string[];
  /** releases native memory (the gradient-boosting booster) */
  dispose?(): void;
  /** a tree ensemble's trees and the feature columns they read (gradient boosting), for a model file */
  trees?(): TreeExport;
}

/** What a tree ensemble's fit gives a model file: its trees, the columns they split on, the starting value. */
export interface TreeExport {
  features: string[];
  baseScore: number;
  trees: DecodedTree[];
}

export interface EnergyMethod {
  /** stable name, used by `energylens evaluate --methods` */
  readonly name: string;
  /** short label for tables and charts */
  readonly label: string;
  readonly kind: 'closed form' | 'latency proxy' | 'analytical' | 'ensemble ML';
  readonly description: string;
  fit(records: readonly TrainRecord[], ctx?: MethodContext): FittedMethod;
  /**
   * Asynchronous work on a training set before `fit` on it (the discovered method's residual discovery, whose
   * searches run in worker threads); evaluateMethods awaits it for every training set of every split.
   */
  prepare?(records: readonly TrainRecord[], ctx?: MethodContext): Promise<void>;
}

/** Measured energy per output token (J) of a record. */
export const energyPerTokenJ = (r: { energy_j: number; output_tokens: number }): number => r.energy_j / r.output_tokens;

/** Geometric mean of positive numbers (NaN for none). */
export function geometricMean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  return Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
}
