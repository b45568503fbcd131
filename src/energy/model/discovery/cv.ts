/**
 * K-fold cross-validation of a corrected structure on the training records only: each fold fits physics x
 * exp(g) jointly on the other folds and predicts the energy per output token of its own records. The score of a
 * record is its absolute log error; a structure's score is their mean (records without the target are skipped). Two structures are compared on the same
 * folds, record by record (paired), so the noise of the split cancels.
 */
import { createRequire } from 'node:module';
import { createRng, type Evaluator } from '../../../sr/index.js';
import type { EnergyFeatures } from '../features.js';
import type { FitRecord } from '../fit.js';
import { fitJoint, predictJoint, type Correction } from './joint-fit.js';

export interface CvScore {
  /** mean absolute log error of energy per output token over the held-out records (close to MAPE, robust to outliers) */
  logError: number;
  /** mean absolute percentage error over the held-out records */
  mape: number;
  /** absolute log error per record (training-record order; NaN where the record lacks the target) */
  perRecord: number[];
}

/** Folds of the record indexes: a seeded shuffle cut into k nearly equal parts. */
export function kFolds(n: number, k: number, seed: number): number[][] {
  const rng = createRng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return Array.from({ length: k }, (_, f) => order.filter((_, i) => i % k === f));
}

export interface CvContext {
  records: readonly FitRecord[];
  features: readonly EnergyFeatures[];
  folds: number[][];
  columns: readonly number[];
  seed: number;
  ev: Evaluator;
  /** physics values each fold's fit starts from (the fit on every training record): one start, no restarts */
  start?: readonly number[];
}

/** The measured target of a record for a row kind (J per output token), undefined when it is not measured. */
function measured(r: FitRecord, kind: 'energy' | 'prefill'): number | undefined {
  if (kind === 'energy') return r.energy_j / r.output_tokens;
  return r.prefill_energy_j !== undefined && r.prefill_energy_j > 0 && r.input_tokens !== undefined && r.input_tokens > 0 ? r.prefill_energy_j / r.output_tokens : undefined;
}

/** Cross-validated errors of the rows of one kind (energy per output token, or prefill energy per output token). */
export function crossValidate(ctx: CvContext, correction: Correction, dropped: readonly string[] = [], kind: 'energy' | 'prefill' = 'energy'): CvScore {
  const n = ctx.records.length;
  const perRecord = new Array<number>(n).fill(Number.NaN);
  const ape = new Array<number>(n).fill(Number.NaN);
  for (const test of ctx.folds) {
    const inTest = new Set(test);
    const train = ctx.records.map((_, i) => i).filter((i) => !inTest.has(i));
    const fit = fitJoint(train.map((i) => ctx.records[i]), train.map((i) => ctx.features[i]), correction, { columns: ctx.columns, dropped, seed: ctx.seed, start: ctx.start, restarts: ctx.start ? 0 : 2, robustRounds: 1 }, ctx.ev);
    const pred = predictJoint(fit, test.map((i) => ctx.features[i]), correction, ctx.columns, ctx.ev, kind);
    test.forEach((i, k) => {
      const y = measured(ctx.records[i], kind);
      if (y === undefined) return;
      const p = pred[k];
      // a prediction that is not a positive number counts as a factor-of-e^3 miss (it cannot win)
      perRecord[i] = Number.isFinite(p) && p > 0 ? Math.abs(Math.log(p / y)) : 3;
      ape[i] = Number.isFinite(p) && p > 0 ? Math.abs(p - y) / y : 1;
    });
  }
  const scored = perRecord.map((_, i) => i).filter((i) => !Number.isNaN(perRecord[i]));
  const mean = (xs: number[]): number => scored.reduce((a, i) => a + xs[i], 0) / scored.length;
  return { logError: mean(perRecord), mape: mean(ape), perRecord };
}

/**
 * Standard errors a candidate's paired gain must exceed: the best of several candidates is chosen on the same
 * folds, so one standard error would let noise through (on ML.ENERGY v3 it did: the chosen corrections predicted
 * records outside the training set worse than physics).
 */
export const ACCEPT_STANDARD_ERRORS = 2;

/**
 * Standard errors the best of `candidates` corrections must clear: the one-sided normal quantile at a family-wise
 * 2.5 % (Bonferroni over the candidates scored on the same folds), never less than ACCEPT_STANDARD_ERRORS. One
 * candidate: 2; four: 2.50; ten: 2.81.
 */
export function acceptStandardErrors(candidates: number): number {
  // mathjs is large (two seconds of CPU to load): required here, at first use, not when the CLI starts
  const { erf } = createRequire(import.meta.url)('mathjs') as typeof import('mathjs');
  const tail = 0.025 / Math.max(1, candidates);
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (0.5 * (1 - erf(mid / Math.SQRT2)) > tail) lo = mid;
    else hi = mid;
  }
  return Math.max(ACCEPT_STANDARD_ERRORS, hi);
}

/**
 * Whether `b` beats `a` beyond the noise of the folds: the mean paired difference of the per-record absolute log
 * errors exceeds `threshold` standard errors of that mean (ACCEPT_STANDARD_ERRORS by default).
 */
export function pairedGain(a: CvScore, b: CvScore, threshold = ACCEPT_STANDARD_ERRORS): { gain: number; standardError: number; better: boolean } {
  const d = a.perRecord.map((x, i) => x - b.perRecord[i]).filter((x) => !Number.isNaN(x));
  const n = d.length;
  const mean = d.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1));
  const standardError = sd / Math.sqrt(n);
  return { gain: mean, standardError, better: mean > threshold * standardError };
}
