/**
 * Fitting an energy model: a structure (structure.ts; default the built-in `physics`) fitted to records by the
 * engine's parametric fit (robust Levenberg-Marquardt in log space on the WASM kernel's Jacobian, several starts,
 * Huber refits), on energy rows (energy per output token), latency rows (time per output token, where measured)
 * and prefill rows (prefill energy per output token, where measured) sharing the parameters.
 *
 * Parameters the data cannot identify are held at their starting value and say so: a parameter whose derivative
 * is zero on every training row (physics: no pipeline parallelism holds tau_pp, no expert parallelism tau_a2a, no
 * collective traffic e_comm, no mixture-of-experts model k_expert), and, without any measured time per output
 * token, p_static (the step-time parameters then carry the static power's scale).
 */
import { EnergyLensError } from '../../errors.js';
import { compileParametric, fitParametric, Z95, type KindRows, type ParametricFit } from '../../sr/index.js';
import type { Catalog } from '../catalog/catalog.js';
import type { RowKind } from './design.js';
import { recordFeatures, type ConfigurationInput, type EnergyFeatures } from './features.js';
import { DEFAULT_FALLBACK_COLUMNS, outsideScope, scopesOf, stacksOf } from './structure-cv-groups.js';
import { ENERGY_MODEL_FORMAT, ENERGY_MODEL_VERSION, fallbackModel, stackScope, type EnergyModel, type FittedParameter, type StructureSelection, type TrainingRanges } from './model-file.js';
import { featureMatrix } from './structure-features.js';
import { PHYSICS_STRUCTURE } from './structure-physics.js';
import { ROW_KINDS, structureSpec, type Structure } from './structure.js';

export { Z95 };
export { designRows, unidentified } from './legacy-rows.js';

export interface FitRecord extends ConfigurationInput {
  energy_j: number;
  tpot_s?: number;
  prefill_energy_j?: number;
}

export interface FitEnergyOptions {
  catalog?: Catalog;
  /** assumed prompt tokens per workload for records without input_tokens */
  inputTokens?: Readonly<Record<string, number>>;
  /** the structure to fit (default: the base model's for a calibration, else the built-in physics) */
  structure?: Structure;
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
  /** how the structure was chosen, stored in the model file */
  selection?: StructureSelection;
  /** file name for error messages */
  file?: string;
  /** told each stage as it starts (a progress bar: the fit itself is one synchronous stretch) */
  onStage?: (stage: 'features' | 'fitting') => void;
  /** above this many rows, starts and robust rounds on a seeded sample of them (the engine's fitParametric; 0: never) */
  sampleRows?: number;
}

/** Why a physics parameter whose derivative is zero on every row cannot be fitted, in the field's words. */
const ZERO_REASONS: Readonly<Record<string, string>> = {
  tau_pp: 'no pipeline parallelism in the data',
  tau_a2a: 'no expert parallelism in the data',
  k_expert: 'no mixture-of-experts model in the data',
  e_comm: 'no collective traffic in the data',
};
const NO_LATENCY_REASON = 'no measured time per output token: held at its starting value; step times carry the static-power scale';

/** The rows of each kind the records give (energy always; latency and prefill where measured and expressed). */
export interface EnergyRows {
  data: Record<string, KindRows>;
  /** record index of each row, per kind */
  records: Record<string, number[]>;
}

export function energyRows(structure: Structure, records: readonly FitRecord[], features: readonly EnergyFeatures[], names: readonly string[], options: { useLatency?: boolean; latencyWeight?: number } = {}): EnergyRows {
  const pick: Record<RowKind, (r: FitRecord) => number | null> = {
    energy: (r) => r.energy_j / r.output_tokens,
    latency: (r) => ((options.useLatency ?? true) && r.tpot_s !== undefined && r.tpot_s > 0 ? r.tpot_s : null),
    prefill: (r) => (r.prefill_energy_j !== undefined && r.prefill_energy_j > 0 && r.input_tokens !== undefined && r.input_tokens > 0 ? r.prefill_energy_j / r.output_tokens : null),
  };
  const data: Record<string, KindRows> = {};
  const rowRecords: Record<string, number[]> = {};
  for (const kind of ROW_KINDS) {
    if (structure.expressions[kind] === undefined) continue;
    const idx = records.map((r, i) => (pick[kind](r) !== null ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) continue;
    const weight = kind === 'latency' ? (options.latencyWeight ?? 0.5) : 1;
    data[kind] = {
      X: featureMatrix(idx.map((i) => features[i]), kind, names), nRows: idx.length,
      y: Float64Array.from(idx, (i) => pick[kind](records[i])!), weights: new Float64Array(idx.length).fill(weight), groups: Int32Array.from(idx),
    };
    rowRecords[kind] = idx;
  }
  return { data, records: rowRecords };
}

function ranges(records: readonly FitRecord[], features: readonly EnergyFeatures[]): TrainingRanges {
  // one pass per field over the distinct features objects (records of one configuration share one)
  const distinct = [...new Set(features)];
  const span = (of: (f: EnergyFeatures) => number): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const f of distinct) { const x = of(f); if (x < lo) lo = x; if (x > hi) hi = x; }
    return [lo, hi];
  };
  const names = (of: (r: FitRecord) => string): string[] => {
    const seen = new Set<string>();
    for (const r of records) seen.add(of(r));
    return [...seen].sort();
  };
  return {
    batch: span((f) => f.batch),
    gpus: span((f) => f.gpus),
    tensorDegree: span((f) => f.tensorDegree),
    pipelineDegree: span((f) => f.pipelineDegree),
    outputTokens: span((f) => f.outputTokens),
    inputTokens: span((f) => f.inputTokens),
    weightGBPerGpu: span((f) => f.weightBytesPerGpu / 1e9),
    hardware: names((r) => r.hardware),
    models: names((r) => r.model),
  };
}

export function checkFitRecords(records: readonly FitRecord[], file = 'training data'): void {
  if (records.length === 0) throw new EnergyLensError('EMPTY_DATA', `${file}: no records to fit`);
  records.forEach((r, i) => {
    if (!(r.energy_j > 0) || !(r.output_tokens > 0)) {
      throw new EnergyLensError('INVALID_RECORD', `${file}, row ${i + 1}: energy_j and output_tokens must be > 0 (got ${r.energy_j}, ${r.output_tokens})`);
    }
  });
}

/** The structure as fitted on these rows: calibration holds and the no-latency hold applied. */
export function structureForFit(structure: Structure, data: Record<string, KindRows>, options: Pick<FitEnergyOptions, 'base' | 'refit'> = {}): Structure {
  const names = structure.parameters.map((p) => p.name);
  const baseValues = options.base ? options.base.parameters.map((p) => p.value) : undefined;
  if (options.refit) {
    for (const name of options.refit) if (!names.includes(name)) throw new EnergyLensError('INVALID_OPTION', `refit: unknown parameter "${name}" (known: ${names.join(', ')})`);
  }
  const parameters = structure.parameters.map((p, k) => {
    const start = baseValues ? baseValues[k] : p.start;
    if (p.held) return { ...p, start: p.held.value };
    if (options.refit && !options.refit.includes(p.name)) return { ...p, start, held: { value: start, reason: 'kept from the base model (calibration)' } };
    if (p.name === 'p_static' && structure.expressions.latency !== undefined && !data.latency) return { ...p, start, held: { value: start, reason: NO_LATENCY_REASON } };
    return { ...p, start };
  });
  return { ...structure, parameters };
}

/**
 * Records made ready for the fit: their rows of each kind on feature-major columns (the features computed once per
 * configuration), the structure as fitted and the training section. A fit of the shared structure with per-record
 * log offsets on the energies (the series effects' backfitting) reuses them instead of recomputing every feature.
 */
export interface PreparedEnergyFit {
  records: readonly FitRecord[];
  structure: Structure;
  fitted: Structure;
  rows: EnergyRows;
  training: EnergyModel['training'];
}

export function prepareEnergyFit(records: readonly FitRecord[], options: FitEnergyOptions = {}): PreparedEnergyFit {
  checkFitRecords(records, options.file ?? 'training data');
  const structure = options.structure ?? options.base?.structure ?? PHYSICS_STRUCTURE;
  if (options.base && options.structure && options.base.structure.name !== options.structure.name) {
    throw new EnergyLensError('INVALID_OPTION', `calibration: the base model's structure is "${options.base.structure.name}", not "${options.structure.name}"`);
  }
  options.onStage?.('features');
  const features = recordFeatures(records, { catalog: options.catalog, inputTokens: options.inputTokens }, options.file);
  const rows = energyRows(structure, records, features, structureSpec(structure).features, options);
  const fitted = structureForFit(structure, rows.data, options);
  return { records, structure, fitted, rows, training: { records: records.length, latencyRows: rows.data.latency?.nRows ?? 0, ranges: ranges(records, features) } };
}

/** Row kinds whose targets are energies (a log offset on a record's energies moves them); latency rows are times. */
const ENERGY_KINDS: Readonly<Record<string, (r: FitRecord) => number | undefined>> = {
  energy: (r) => r.energy_j,
  prefill: (r) => r.prefill_energy_j,
};

/**
 * The rows with each record's energies divided by exp(logOffsets[record]) (times as measured): exactly the rows
 * of records whose energy_j and prefill_energy_j are so scaled, without a copy or view of any record.
 */
export function offsetRows(prepared: PreparedEnergyFit, logOffsets: ArrayLike<number>): Record<string, KindRows> {
  const out: Record<string, KindRows> = {};
  for (const [kind, d] of Object.entries(prepared.rows.data)) {
    const energy = ENERGY_KINDS[kind];
    if (!energy) { out[kind] = d; continue; }
    const idx = prepared.rows.records[kind];
    const y = new Float64Array(idx.length);
    for (let j = 0; j < idx.length; j++) {
      const r = prepared.records[idx[j]];
      const shift = logOffsets[idx[j]];
      // as the scaled record gives it: (energy * exp(-shift)) / output_tokens, unscaled when the shift is 0
      y[j] = (shift === 0 ? (energy(r) as number) : (energy(r) as number) * Math.exp(-shift)) / r.output_tokens;
    }
    out[kind] = { ...d, y };
  }
  return out;
}

export function fitEnergyModel(records: readonly FitRecord[], options: FitEnergyOptions = {}): EnergyModel {
  const started = performance.now();
  return fitPreparedEnergy(prepareEnergyFit(records, options), options, undefined, started);
}

/**
 * The model fitted on prepared rows; with `logOffsets` (one per record), on the records' energies with their
 * offsets taken out (offsetRows), as fitEnergyModel on so scaled records would fit them.
 */
export function fitPreparedEnergy(prepared: PreparedEnergyFit, options: FitEnergyOptions = {}, logOffsets?: ArrayLike<number>, started = performance.now()): EnergyModel {
  const file = options.file ?? 'training data';
  const { structure, fitted, rows } = prepared;
  const data = logOffsets ? offsetRows(prepared, logOffsets) : rows.data;
  const nRows = Object.values(data).reduce((a, d) => a + d.nRows, 0);
  options.onStage?.('fitting');
  const run = (s: Structure, initial?: Float64Array): ParametricFit => {
    const model = compileParametric(structureSpec(s));
    if (model.free.length === 0) throw new EnergyLensError('INVALID_OPTION', 'no parameter is left to fit');
    try {
      return fitParametric(model, data, {
        space: 'log', restarts: options.restarts ?? 8, maxIterations: options.maxIterations ?? 200, seed: options.seed ?? 0,
        robustRounds: options.robustRounds ?? 3, holdUnidentified: true, ...(options.sampleRows !== undefined ? { sampleRows: options.sampleRows } : {}),
        ...(initial ? { initial } : {}),
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'INVALID_DATA') throw new EnergyLensError('INVALID_DATA', `${file}: ${(err as Error).message}`);
      throw err;
    }
  };
  let current = fitted;
  let fit = run(current);
  // a discovered parameter the records cannot tell apart from others (a constant factor on a phase whose only other
  // scale is p_static, say) is held and the rest refitted from the fit's values: the same predictions, every other
  // parameter determined. A log constant factor is held at 0 when the others can take it over within their bounds
  // (the refit is as good), else, like any other, at its fitted value.
  for (let round = 0; round < 3 && fit.confounded.length > 0; round++) {
    const k = confoundedToHold(current, fit);
    if (k < 0) break;
    const tries = /constant factor/.test(current.parameters[k].meaning) ? [0, fit.values[k]] : [fit.values[k]];
    let done = false;
    for (const value of tries) {
      const held = holdParameter(current, k, value, fit);
      const refit = run(held, fit.values.map((v, q) => (q === k ? value : v)));
      if (refit.sse <= fit.sse * (1 + 1e-6) + 1e-12) {
        current = held;
        fit = refit;
        done = true;
        break;
      }
    }
    if (!done) break;
  }
  if (nRows <= fit.free.length) {
    throw new EnergyLensError('INVALID_DATA', `${file}: ${nRows} rows for ${fit.free.length} free parameters; need more rows than parameters`);
  }
  const parameters: FittedParameter[] = current.parameters.map((p, k) => {
    const at = fit.free.indexOf(k);
    const se = fit.standardErrors[k];
    const group = fit.confounded.find((g) => g.includes(k));
    const confoundedWith = group ? group.filter((q) => q !== k).map((q) => current.parameters[q].name) : undefined;
    const value = fit.values[k];
    const reason = p.held?.reason ?? (fit.unidentified.includes(k) ? (ZERO_REASONS[p.name] ?? 'the data do not move it (its derivative is zero on every training row)') : undefined);
    return {
      name: p.name, meaning: p.meaning, unit: p.unit, value, standardError: se,
      low: se === null ? value : Math.max(p.lower, value - Z95 * se), high: se === null ? value : Math.min(p.upper, value + Z95 * se),
      held: at < 0, ...(reason ? { reason } : {}), ...(confoundedWith?.length ? { confoundedWith } : {}), lower: p.lower, upper: p.upper, phase: p.phase, origin: p.origin,
    };
  });
  const sdOf = (kind: string): number | null => fit.kinds.find((k) => k.kind === kind)?.residualSd ?? null;
  return {
    format: ENERGY_MODEL_FORMAT, version: ENERGY_MODEL_VERSION, structure, parameters, free: fit.free,
    covariance: fit.covariance ? Array.from(fit.covariance) : null,
    residualSd: { energy: sdOf('energy') ?? 0, latency: sdOf('latency') },
    training: prepared.training,
    inputTokens: { ...(options.inputTokens ?? {}) },
    fit: { loss: fit.loss, iterations: fit.iterations, evaluations: fit.evaluations, seconds: (performance.now() - started) / 1000 },
    ...(options.selection ? { selection: options.selection } : {}),
  };
}

/** A discovered parameter of a confounded group to hold (a log constant factor first), or -1 when no group has one. */
function confoundedToHold(s: Structure, fit: ParametricFit): number {
  for (const group of fit.confounded) {
    const discovered = group.filter((k) => s.parameters[k].origin === 'discovered');
    if (discovered.length > 0) return discovered.find((q) => /constant factor/.test(s.parameters[q].meaning)) ?? discovered[discovered.length - 1];
  }
  return -1;
}

/** The structure with parameter k held at value, and why (physics parameters confounded among themselves are reported, not held). */
function holdParameter(s: Structure, k: number, value: number, fit: ParametricFit): Structure {
  const group = fit.confounded.find((g) => g.includes(k)) ?? [k];
  const others = group.filter((q) => q !== k).map((q) => s.parameters[q].name).join(', ');
  const reason = `confounded with ${others}: the records fix only their combination, so it is held and ${others} carr${group.length > 2 ? 'y' : 'ies'} it`;
  return { ...s, parameters: s.parameters.map((q, i) => (i === k ? { ...q, held: { value, reason } } : q)) };
}

/** Whether a structure carries a discovered correction (a parameter of origin "discovered"). */
export function carriesCorrection(structure: Structure): boolean {
  return structure.parameters.some((p) => p.origin === 'discovered');
}

/** Options of the fallback section: the serving-stack column and the further scope columns. */
export interface FallbackOptions {
  /** the column naming a record's serving stack (stacksOf; default the column grouped CV uses; 'none': no stack scope) */
  stackColumn?: string;
  /** further columns the correction is limited to (scopesOf; default DEFAULT_FALLBACK_COLUMNS, the hardware; []: none) */
  fallbackColumns?: readonly string[];
}

/**
 * The model with its fallback section (model-file.ts StackFallback): when its structure carries a discovered
 * correction, the plain physics structure fitted on the same records with the same options rides along for rows
 * outside what the records validated the correction on: a serving stack the records do not hold (stacksOf:
 * `stackColumn`, default the column grouped CV uses), or a value of a further scope column they do not hold
 * (scopesOf: `fallbackColumns`, default the hardware). A correction learnt on some stacks did not carry to another
 * (llm-inference-bench, one framework left out: physics x exp(g) 25.7 % MAPE against physics 21.8 %), nor one
 * learnt on one GPU to another (README, discovered structures). Else the model as it is.
 */
export function withStackFallback(model: EnergyModel, records: readonly FitRecord[], options: FitEnergyOptions & FallbackOptions = {}): EnergyModel {
  if (!carriesCorrection(model.structure)) return model;
  const stacks = stacksOf(records, options.stackColumn);
  const scopes = scopesOf(records, options.fallbackColumns ?? DEFAULT_FALLBACK_COLUMNS, options.catalog).filter((s) => s.column !== stacks?.column);
  if (!stacks && scopes.length === 0) return model;
  const { selection: _, base: __, refit: ___, stackColumn: ____, fallbackColumns: _____, ...plain } = options;
  const p = fitEnergyModel(records, { ...plain, structure: PHYSICS_STRUCTURE });
  return {
    ...model,
    stackFallback: {
      ...(stacks ?? {}), ...(scopes.length > 0 ? { scopes } : {}),
      model: { structure: p.structure, parameters: p.parameters, free: p.free, covariance: p.covariance, residualSd: p.residualSd, fit: p.fit },
    },
  };
}

/**
 * The model a calibration on `records` starts from: a model whose fallback section does not cover every record (a
 * new GPU, say) calibrates its physics fit, for the correction was not validated there; else the model itself.
 */
export function calibrationBase(model: EnergyModel, records: readonly object[], catalog?: Catalog): EnergyModel {
  const fb = model.stackFallback;
  if (!fb) return model;
  const stack = stackScope(fb);
  return records.some((r) => outsideScope(r, stack, fb.scopes ?? [], catalog) !== null) ? fallbackModel(model) : model;
}
