/**
 * The physics closed form times exp(g), fitted jointly: every physics parameter (closed-form.ts) and every
 * constant of the corrections in one Levenberg-Marquardt fit in log space, on the engine's kernel. Energy rows
 * are multiplied by exp(g_energy), prefill rows by exp(g_prefill), latency rows by nothing (the corrections are
 * energy corrections; the step time stays physics). Positive by construction: the physics part is positive for
 * non-negative parameters and exp(.) is.
 *
 * Used to score candidate corrections by K-fold cross-validation (cv.ts) and to give the chosen structure its
 * starting values. Each physics parameter appears once in the expression, so the fitted constants are, in
 * order, the twelve physics parameters, then g_energy's constants, then g_prefill's.
 */
import { EnergyLensError } from '../../../errors.js';
import { compile, createRng, createWasmEvaluator, fitConstants, parseExpression, toInfix, type Evaluator, type Node, type Program } from '../../../sr/index.js';
import { median } from '../../stats.js';
import { closedFormExpression, MODEL_COLUMNS, PARAMETERS } from '../closed-form.js';
import { modelColumns, type DesignRow } from '../design.js';
import type { EnergyFeatures } from '../features.js';
import { designRows, unidentified, type FitRecord } from '../fit.js';
import { CORRECTION_FEATURES } from './correction-features.js';

/** A correction: trees over the kept correction features (indexes into `columns`), null for none. */
export interface Correction {
  energy: Node | null;
  prefill: Node | null;
}

export const NO_CORRECTION: Correction = { energy: null, prefill: null };

/** Bounds of a correction constant during the joint fit (exp of a few hundred is out of range anyway). */
export const CORRECTION_BOUND = 50;

export interface JointFitOptions {
  /** indexes into CORRECTION_FEATURES the correction trees read, in the trees' feature order */
  columns: readonly number[];
  /** physics parameters held at 0 (dropped terms), besides those the data cannot identify */
  dropped?: readonly string[];
  /** starting physics values (PARAMETERS order; default: each parameter's documented start) */
  start?: readonly number[];
  restarts?: number;
  robustRounds?: number;
  seed?: number;
  latencyWeight?: number;
}

export interface JointFit {
  /** physics parameters (PARAMETERS order), then the correction constants */
  values: number[];
  /** physics parameters held (not fitted), with the reason */
  held: Map<string, string>;
  /** constants of g_energy and g_prefill */
  energyConstants: number;
  prefillConstants: number;
  /** the fit's loss (msle over the rows, weighted) */
  loss: number;
}

const HUBER_K = 1.345;
const GATES = ['is_energy', 'is_prefill'] as const;

export function jointColumnNames(columns: readonly number[]): string[] {
  return [...MODEL_COLUMNS, ...GATES, ...columns.map((j) => CORRECTION_FEATURES[j].name)];
}

function constantsOf(tree: Node | null): number {
  return tree === null ? 0 : compile(tree).consts.length;
}

/** The joint expression's infix text over jointColumnNames, with the given values as its constants. */
export function jointExpression(physics: readonly number[], correction: Correction, columns: readonly number[]): string {
  const names = columns.map((j) => CORRECTION_FEATURES[j].name);
  const parts: string[] = [];
  if (correction.energy) parts.push(`is_energy * (${toInfix(correction.energy, names, { namedConstants: false })})`);
  if (correction.prefill) parts.push(`is_prefill * (${toInfix(correction.prefill, names, { namedConstants: false })})`);
  const base = closedFormExpression(physics);
  return parts.length ? `(${base}) * exp(${parts.join(' + ')})` : base;
}

export function jointProgram(physics: readonly number[], correction: Correction, columns: readonly number[]): Program {
  const program = compile(parseExpression(jointExpression(physics, correction, columns), jointColumnNames(columns)));
  const expected = PARAMETERS.length + constantsOf(correction.energy) + constantsOf(correction.prefill);
  if (program.consts.length !== expected) throw new EnergyLensError('INVALID_PROGRAM', `the corrected closed form compiled to ${program.consts.length} constants; expected ${expected}`);
  return program;
}

/** Feature-major rows: the physics columns, the two gates, the correction features. */
export function jointDataset(rows: readonly DesignRow[], features: readonly EnergyFeatures[], columns: readonly number[], weights?: Float64Array) {
  const names = jointColumnNames(columns);
  const n = rows.length;
  const X = new Float64Array(names.length * n);
  rows.forEach((row, r) => {
    MODEL_COLUMNS.forEach((c, k) => { X[k * n + r] = row.columns[c]; });
    X[MODEL_COLUMNS.length * n + r] = row.kind === 'energy' ? 1 : 0;
    X[(MODEL_COLUMNS.length + 1) * n + r] = row.kind === 'prefill' ? 1 : 0;
    columns.forEach((j, k) => { X[(MODEL_COLUMNS.length + 2 + k) * n + r] = CORRECTION_FEATURES[j].value(features[row.record]); });
  });
  const y = Float64Array.from(rows, (row) => (Number.isFinite(row.y) && row.y > 0 ? row.y : 1));
  return { X, y, nFeatures: names.length, nRows: n, ...(weights ? { weights } : {}) };
}

/** Fits physics x exp(g) to the records; `ev` is a kernel the caller owns (the dataset is replaced). */
export function fitJoint(records: readonly FitRecord[], features: readonly EnergyFeatures[], correction: Correction, options: JointFitOptions, ev: Evaluator): JointFit {
  const rows = designRows(records, features, true);
  const held = unidentified(rows);
  for (const name of options.dropped ?? []) if (!held.has(name)) held.set(name, 'dropped: cross-validation on the training records did not need it');
  const nE = constantsOf(correction.energy);
  const nP = constantsOf(correction.prefill);
  const start = PARAMETERS.map((p, k) => (options.dropped?.includes(p.name) ? 0 : held.has(p.name) ? p.initial : options.start?.[k] ?? p.initial));
  const program = jointProgram(start, correction, options.columns);
  const lower = [...PARAMETERS.map((p, k) => (held.has(p.name) ? start[k] : p.lower)), ...Array(nE + nP).fill(-CORRECTION_BOUND)];
  const upper = [...PARAMETERS.map((p, k) => (held.has(p.name) ? start[k] : p.upper)), ...Array(nE + nP).fill(CORRECTION_BOUND)];
  const initial = Array.from(program.consts, (v, k) => Math.min(upper[k], Math.max(lower[k], v)));
  const lw = options.latencyWeight ?? 0.5;
  const weights = Float64Array.from(rows, (r) => (r.kind === 'latency' ? lw : 1));
  const data = jointDataset(rows, features, options.columns, weights);
  ev.setDataset(data);
  const rng = createRng(options.seed ?? 0);
  const withValues = (values: Float64Array): Program => ({ ...program, consts: values });
  let fit = fitConstants(program, ev, { y: data.y, weights }, { loss: 'msle', initial, lower, upper, restarts: options.restarts ?? 4, maxIterations: 200, rng });
  for (let round = 0; round < (options.robustRounds ?? 2); round++) {
    const pred = ev.predict(withValues(fit.constants));
    const res = rows.map((r, i) => Math.log(pred[i] / r.y));
    const scale = 1.4826 * median(res.map((x) => Math.abs(x - median(res)))) || 1e-12;
    const robust = Float64Array.from(res, (x, i) => weights[i] * Math.min(1, (HUBER_K * scale) / Math.max(Math.abs(x), 1e-300)));
    fit = fitConstants(withValues(fit.constants), ev, { y: data.y, weights: robust }, { loss: 'msle', lower, upper, restarts: 0, maxIterations: 200, rng });
  }
  return { values: Array.from(fit.constants), held, energyConstants: nE, prefillConstants: nP, loss: fit.loss };
}

/** Predicted energy (or prefill energy) per output token, J, of each configuration under a fitted joint model. */
export function predictJoint(fit: JointFit, features: readonly EnergyFeatures[], correction: Correction, columns: readonly number[], ev: Evaluator, kind: 'energy' | 'prefill' = 'energy'): Float64Array {
  const rows: DesignRow[] = features.map((f, i) => ({ kind, record: i, columns: modelColumns(f, kind), y: Number.NaN }));
  ev.setDataset(jointDataset(rows, features, columns));
  const program = jointProgram(fit.values.slice(0, PARAMETERS.length), correction, columns);
  return ev.predict({ ...program, consts: Float64Array.from(fit.values) });
}

/** A kernel for a block of joint fits, disposed afterwards. */
export function withKernel<T>(f: (ev: Evaluator) => T): T {
  const ev = createWasmEvaluator();
  try {
    return f(ev);
  } finally {
    ev.dispose();
  }
}
