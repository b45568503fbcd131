/**
 * Fitting the closed form: Levenberg-Marquardt in log space (the engine's fitConstants with the msle loss, on the
 * WASM kernel's Jacobian), bounds from PARAMETERS, several starts; standard errors from the Jacobian at the
 * solution; parameters the data cannot identify are held at their documented starting value (and say so).
 *
 * Reductions (docs/energy-model.md): no pipeline parallelism in the data holds tau_pp; no expert parallelism holds
 * tau_a2a; no collective traffic (neither tensor nor expert parallelism) holds e_comm; no mixture-of-experts model holds k_expert; no measured time per output token holds p_static (the step-time
 * parameters then carry the static power's scale); no prompt lengths uses the workload's assumed prompt.
 */
import { EnergyLensError } from '../../errors.js';
import { compile, createRng, createWasmEvaluator, fitConstants, invertMatrix, parseExpression, type Evaluator, type FitConstantsResult, type Program } from '../../sr/index.js';
import type { Catalog } from '../catalog/catalog.js';
import { medianAbsoluteDeviation } from '../stats.js';
import { closedFormExpression, MODEL_COLUMNS, PARAMETERS } from './closed-form.js';
import { modelColumns, toDataset, type DesignRow } from './design.js';
import { recordFeatures, type ConfigurationInput, type EnergyFeatures } from './features.js';
import { ENERGY_MODEL_FORMAT, ENERGY_MODEL_VERSION, type EnergyModel, type FittedParameter, type TrainingRanges } from './model-file.js';

export interface FitRecord extends ConfigurationInput {
  energy_j: number;
  tpot_s?: number;
  prefill_energy_j?: number;
}

export interface FitEnergyOptions {
  catalog?: Catalog;
  /** assumed prompt tokens per workload for records without input_tokens */
  inputTokens?: Readonly<Record<string, number>>;
  /** fit latency rows from tpot_s where records have it (default true) */
  useLatency?: boolean;
  /** weight of a latency row against an energy row (default 0.5) */
  latencyWeight?: number;
  /** extra Levenberg-Marquardt starts from perturbed values (default 8) */
  restarts?: number;
  maxIterations?: number;
  seed?: number;
  /** calibration: start from this model and refit only `refit` (the others keep the model's values) */
  base?: EnergyModel;
  refit?: readonly string[];
  /** iteratively reweighted refits with Huber weights on the log residuals (default 3; 0: plain least squares) */
  robustRounds?: number;
  /** file name for error messages */
  file?: string;
  /** called between the stages of the fit with the fraction done (0..1) and what comes next */
  onProgress?: (fraction: number, stage: string) => void;
}

/**
 * Above this many rows, the Levenberg-Marquardt restarts and the robust rounds run on a seeded sample of this
 * many rows, and one run on every row refines their solution (see fitEnergyModel). Below it, every run sees
 * every row.
 */
export const START_SAMPLE_ROWS = 5_000;

/** `k` distinct indices of 0..n-1, drawn by a seeded partial Fisher-Yates shuffle, in ascending order. */
function sampleIndices(n: number, k: number, seed: number): number[] {
  const rng = createRng(seed);
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i]; idx[i] = idx[j]; idx[j] = t;
  }
  return Array.from(idx.subarray(0, k)).sort((a, b) => a - b);
}

/** Huber's tuning constant: 95 % efficiency under normal residuals. */
const HUBER_K = 1.345;

/** Standard-normal quantile of a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

/** The compiled closed form with these parameter values (constants in PARAMETERS order). */
export function closedFormProgram(values: readonly number[]): Program {
  const p = compile(parseExpression(closedFormExpression(values), MODEL_COLUMNS));
  if (p.consts.length !== PARAMETERS.length) throw new EnergyLensError('INVALID_PROGRAM', `the closed form compiled to ${p.consts.length} constants; expected ${PARAMETERS.length}`);
  return p;
}

export function designRows(records: readonly FitRecord[], features: readonly EnergyFeatures[], useLatency: boolean): DesignRow[] {
  const rows: DesignRow[] = [];
  records.forEach((r, i) => {
    rows.push({ kind: 'energy', record: i, columns: modelColumns(features[i], 'energy'), y: r.energy_j / r.output_tokens });
    if (useLatency && r.tpot_s !== undefined && r.tpot_s > 0) rows.push({ kind: 'latency', record: i, columns: modelColumns(features[i], 'latency'), y: r.tpot_s });
    if (r.prefill_energy_j !== undefined && r.prefill_energy_j > 0 && r.input_tokens !== undefined && r.input_tokens > 0) {
      rows.push({ kind: 'prefill', record: i, columns: modelColumns(features[i], 'prefill'), y: r.prefill_energy_j / r.output_tokens });
    }
  });
  return rows;
}

function ranges(records: readonly FitRecord[], features: readonly EnergyFeatures[]): TrainingRanges {
  // a loop, not Math.min(...xs): spreading hundreds of thousands of arguments overflows the stack
  const span = (xs: number[]): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of xs) { if (x < lo) lo = x; if (x > hi) hi = x; }
    return [lo, hi];
  };
  return {
    batch: span(features.map((f) => f.batch)),
    gpus: span(features.map((f) => f.gpus)),
    tensorDegree: span(features.map((f) => f.tensorDegree)),
    pipelineDegree: span(features.map((f) => f.pipelineDegree)),
    outputTokens: span(features.map((f) => f.outputTokens)),
    inputTokens: span(features.map((f) => f.inputTokens)),
    weightGBPerGpu: span(features.map((f) => f.weightBytesPerGpu / 1e9)),
    hardware: [...new Set(records.map((r) => r.hardware))].sort(),
    models: [...new Set(records.map((r) => r.model))].sort(),
  };
}

/** Which parameters these rows cannot identify, with the reason (they are held at their starting value). */
export function unidentified(rows: readonly DesignRow[]): Map<string, string> {
  const held = new Map<string, string>();
  const allZero = (col: string): boolean => rows.every((r) => r.columns[col as keyof DesignRow['columns']] === 0);
  if (!rows.some((r) => r.kind === 'latency')) held.set('p_static', 'no measured time per output token: held at its starting value; step times carry the static-power scale');
  if (allZero('pipeline_hops')) held.set('tau_pp', 'no pipeline parallelism in the data');
  if (allZero('expert_hops_k')) held.set('tau_a2a', 'no expert parallelism in the data');
  if (allZero('expert_ms')) held.set('k_expert', 'no mixture-of-experts model in the data');
  if (allZero('comm_gb_per_token')) held.set('e_comm', 'no collective traffic in the data');
  return held;
}

/** Jacobian of log(prediction) for the given rows (rows x parameters, row-major), and the predictions. */
export function logJacobian(ev: Evaluator, program: Program, nRows: number): { jac: Float64Array; pred: Float64Array } {
  const j = ev.jacobian(program);
  const P = PARAMETERS.length;
  const jac = new Float64Array(nRows * P);
  for (let r = 0; r < nRows; r++) for (let k = 0; k < P; k++) jac[r * P + k] = j.jac[k * nRows + r] / j.predictions[r];
  return { jac, pred: j.predictions };
}

export function fitEnergyModel(records: readonly FitRecord[], options: FitEnergyOptions = {}): EnergyModel {
  const started = performance.now();
  if (records.length === 0) throw new EnergyLensError('EMPTY_DATA', `${options.file ?? 'training data'}: no records to fit`);
  records.forEach((r, i) => {
    if (!(r.energy_j > 0) || !(r.output_tokens > 0)) {
      throw new EnergyLensError('INVALID_RECORD', `${options.file ?? 'training data'}, row ${i + 1}: energy_j and output_tokens must be > 0 (got ${r.energy_j}, ${r.output_tokens})`);
    }
  });
  const progress = options.onProgress ?? ((): void => {});
  progress(0, 'features');
  const features = recordFeatures(records, { catalog: options.catalog, inputTokens: options.inputTokens }, options.file);
  const rows = designRows(records, features, options.useLatency ?? true);
  const P = PARAMETERS.length;
  const baseValues = options.base ? options.base.parameters.map((p) => p.value) : PARAMETERS.map((p) => p.initial);
  const held = unidentified(rows);
  if (options.refit) {
    for (const name of options.refit) if (!PARAMETERS.some((p) => p.name === name)) throw new EnergyLensError('INVALID_OPTION', `refit: unknown parameter "${name}" (known: ${PARAMETERS.map((p) => p.name).join(', ')})`);
    for (const p of PARAMETERS) if (!options.refit.includes(p.name) && !held.has(p.name)) held.set(p.name, 'kept from the base model (calibration)');
  }
  const free = PARAMETERS.map((p, k) => k).filter((k) => !held.has(PARAMETERS[k].name));
  if (free.length === 0) throw new EnergyLensError('INVALID_OPTION', 'no parameter is left to fit');
  if (rows.length <= free.length) {
    throw new EnergyLensError('INVALID_DATA', `${options.file ?? 'training data'}: ${rows.length} rows for ${free.length} free parameters; need more rows than parameters`);
  }
  const lower = PARAMETERS.map((p, k) => (held.has(p.name) ? baseValues[k] : p.lower));
  const upper = PARAMETERS.map((p, k) => (held.has(p.name) ? baseValues[k] : p.upper));
  const lw = options.latencyWeight ?? 0.5;
  const weights = Float64Array.from(rows, (r) => (r.kind === 'latency' ? lw : 1));
  const data = toDataset(rows, weights);
  progress(0.1, 'starts');
  const ev = createWasmEvaluator();
  try {
    ev.setDataset(data);
    const rng = createRng(options.seed ?? 0);
    const maxIterations = options.maxIterations ?? 200;
    // the closed form is parsed once; each refit and the final evaluation only change its constants
    const compiled = closedFormProgram(baseValues);
    const withValues = (values: Float64Array): Program => ({ ...compiled, consts: values });
    const restarts = options.restarts ?? 8;
    const robustRounds = options.robustRounds ?? 3;
    // robust refits (Huber weights on log residuals, iteratively reweighted): a few runs that were not in
    // steady state must not pull the structure everyone else follows
    const huberWeights = (evaluator: Evaluator, target: readonly DesignRow[], base: Float64Array, values: Float64Array): Float64Array => {
      const pred = evaluator.predict(withValues(values));
      const res = Float64Array.from(target, (r, i) => Math.log(pred[i] / r.y));
      const scale = 1.4826 * medianAbsoluteDeviation(res) || 1e-12;
      return Float64Array.from(res, (x, i) => base[i] * Math.min(1, (HUBER_K * scale) / Math.max(Math.abs(x), 1e-300)));
    };
    const irls = (evaluator: Evaluator, target: readonly DesignRow[], y: Float64Array, base: Float64Array, first: FitConstantsResult): FitConstantsResult => {
      let f = first;
      for (let round = 0; round < robustRounds; round++) {
        const robust = huberWeights(evaluator, target, base, f.constants);
        f = fitConstants(withValues(f.constants), evaluator, { y, weights: robust }, { loss: 'msle', lower, upper, restarts: 0, maxIterations, rng });
      }
      return f;
    };
    let fit: FitConstantsResult;
    if (rows.length > START_SAMPLE_ROWS && (restarts > 0 || robustRounds > 0)) {
      // many rows: the starts and the robust rounds run on a seeded sample of the rows; then one
      // Levenberg-Marquardt run on every row, with the Huber weights of that solution (a one-step M-estimator
      // from a consistent start, asymptotically as efficient as iterating to the end). Time stays linear in the
      // rows instead of (restarts + robust rounds + 1) times them
      const sampleRows = sampleIndices(rows.length, START_SAMPLE_ROWS, (options.seed ?? 0) ^ 0x53a3).map((i) => rows[i]);
      const sampleWeights = Float64Array.from(sampleRows, (r) => (r.kind === 'latency' ? lw : 1));
      const sampleData = toDataset(sampleRows, sampleWeights);
      const evSample = createWasmEvaluator();
      let start: FitConstantsResult;
      try {
        evSample.setDataset(sampleData);
        start = fitConstants(compiled, evSample, { y: sampleData.y, weights: sampleWeights }, { loss: 'msle', lower, upper, restarts, maxIterations, rng });
        progress(0.3, 'robust rounds');
        start = irls(evSample, sampleRows, sampleData.y, sampleWeights, start);
      } finally {
        evSample.dispose();
      }
      progress(0.4, 'every row');
      const robust = robustRounds > 0 ? huberWeights(ev, rows, weights, start.constants) : weights;
      fit = fitConstants(withValues(start.constants), ev, { y: data.y, weights: robust }, { loss: 'msle', lower, upper, restarts: 0, maxIterations, rng });
    } else {
      fit = fitConstants(compiled, ev, { y: data.y, weights }, { loss: 'msle', lower, upper, restarts, maxIterations, rng });
      progress(0.5, 'robust rounds');
      fit = irls(ev, rows, data.y, weights, fit);
    }
    const values = Array.from(fit.constants);
    // covariance of the free parameters: s^2 (J^T W J)^-1 on log residuals
    progress(0.9, 'standard errors');
    const { jac, pred } = logJacobian(ev, withValues(fit.constants), rows.length);
    const logResiduals = rows.map((r, i) => Math.log(pred[i] / r.y));
    const sdOf = (kind: string): number | null => {
      const idx = rows.map((r, i) => (r.kind === kind ? i : -1)).filter((i) => i >= 0);
      if (idx.length === 0) return null;
      return Math.sqrt(idx.reduce((a, i) => a + logResiduals[i] ** 2, 0) / Math.max(1, idx.length - (kind === 'energy' ? free.length : 0)));
    };
    const sse = logResiduals.reduce((a, x, i) => a + weights[i] * x * x, 0);
    const s2 = sse / Math.max(1, rows.length - free.length);
    const F = free.length;
    const jtj = new Float64Array(F * F);
    for (let r = 0; r < rows.length; r++) {
      for (let a = 0; a < F; a++) for (let b = 0; b < F; b++) jtj[a * F + b] += weights[r] * jac[r * P + free[a]] * jac[r * P + free[b]];
    }
    const inv = invertMatrix(jtj, F);
    const covariance = inv ? Array.from(inv, (x) => x * s2) : null;
    const parameters: FittedParameter[] = PARAMETERS.map((p, k) => {
      const at = free.indexOf(k);
      const se = covariance && at >= 0 ? Math.sqrt(Math.max(0, covariance[at * F + at])) : null;
      const value = values[k];
      return {
        name: p.name, meaning: p.meaning, unit: p.unit, value, standardError: se,
        low: se === null ? value : Math.max(p.lower, value - Z95 * se), high: se === null ? value : Math.min(p.upper, value + Z95 * se),
        held: held.has(p.name), ...(held.has(p.name) ? { reason: held.get(p.name) } : {}),
      };
    });
    return {
      format: ENERGY_MODEL_FORMAT, version: ENERGY_MODEL_VERSION, parameters, free, covariance,
      residualSd: { energy: sdOf('energy') ?? 0, latency: sdOf('latency') },
      training: { records: records.length, latencyRows: rows.filter((r) => r.kind === 'latency').length, ranges: ranges(records, features) },
      inputTokens: { ...(options.inputTokens ?? {}) },
      fit: { loss: fit.loss, iterations: fit.iterations, evaluations: fit.evaluations, seconds: (performance.now() - started) / 1000 },
    };
  } finally {
    ev.dispose();
  }
}
