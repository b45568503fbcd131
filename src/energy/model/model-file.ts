/**
 * The fitted energy model as a file: its structure (expressions and every parameter with name, meaning, unit,
 * bounds, value and standard error), its version, and reading it back with clear errors. Version 2 files (the
 * twelve-parameter closed form before structures) still load: they are the physics structure. A model fitted on
 * records of several series carries a `series` section (series-effects.ts): the grouping, the batch centre, the
 * spreads of the effects and each series' sufficient statistics, from which every series' effect is recomputed
 * on reading. The section is optional, so the version stays 3: files without it are pooled models, as before.
 */
import { EnergyLensError } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { parseJsonText, readTextFile } from '../../util/read-text.js';
import { PARAMETERS } from './closed-form.js';
import type { LatencyEffects, SeriesModel } from './series-effects.js';
import { validateKriging, type KrigingSection } from './series-kriging-file.js';
import { validateStructureShape, type Structure, type StructureParameter } from './structure.js';
import { PHYSICS_STRUCTURE } from './structure-physics.js';
import { unpackResidualTrees, type ResidualTrees } from './residual-trees.js';
import { unknownColumn } from '../baselines/tabular-columns.js';
import { FALLBACK_COLUMNS, type FallbackScope } from './structure-cv-groups.js';
import { jsonText } from '../../util/json-text.js';

export const ENERGY_MODEL_FORMAT = 'energylens-energy-model';
export const ENERGY_MODEL_VERSION = 3; // 2: e_gpu replaced tau_sync; 3: the model carries its structure
const LEGACY_VERSION = 2;

export interface FittedParameter {
  name: string;
  meaning: string;
  unit: string;
  value: number;
  /** null when held, or when J^T J is singular */
  standardError: number | null;
  /** 95 % interval (value +- 1.96 standard errors, within the bounds) */
  low: number;
  high: number;
  held: boolean;
  reason?: string;
  /**
   * the other parameters this one is confounded with: the records fix only a combination of them (e.g. two constant
   * factors on the same term), so this one has no standard error of its own (standardError null, low = high = value)
   */
  confoundedWith?: string[];
  /** bounds of the fit */
  lower: number;
  upper: number;
  phase: StructureParameter['phase'];
  origin: StructureParameter['origin'];
}

/** What to show instead of a 95 % interval for a fitted parameter that has none, or null when it has one. */
export function missingIntervalText(p: FittedParameter): string | null {
  if (p.held || p.standardError !== null) return null;
  if (p.confoundedWith?.length) return `not determined alone: the records fix only its combination with ${p.confoundedWith.join(', ')}`;
  return 'interval unknown (J^T J singular)';
}

export interface TrainingRanges {
  batch: [number, number];
  gpus: [number, number];
  tensorDegree: [number, number];
  pipelineDegree: [number, number];
  outputTokens: [number, number];
  inputTokens: [number, number];
  weightGBPerGpu: [number, number];
  hardware: string[];
  models: string[];
}

/** One structure `fit` considered, with its cross-validated score on the training records. */
export interface StructureCandidate {
  name: string;
  /** "built-in", a file path, or the module that proposed it */
  source: string;
  freeParameters: number;
  /** root mean squared held-out log error of energy per output token; null when the candidate failed */
  cvRmsLog: number | null;
  /** mean absolute percentage error of held-out energy per output token */
  cvMape: number | null;
  /** why a candidate could not be scored */
  error?: string;
  /** with leave-group-out CV (selection.groups): RMS log error and MAPE with one group held out at a time */
  groupedRmsLog?: number | null;
  groupedMape?: number | null;
  /** the same, group by group */
  byGroup?: GroupScore[];
}

/** Held-out scores of one group in leave-group-out cross-validation. */
export interface GroupScore {
  group: string;
  records: number;
  rmsLog: number | null;
  mape: number | null;
}

export interface StructureSelection {
  /** how the structure was chosen: forced (--structure NAME|FILE) or by cross-validation (auto) */
  mode: 'forced' | 'auto';
  chosen: string;
  folds: number;
  seed: number;
  candidates: StructureCandidate[];
  /** in plain words, why this structure */
  reason: string;
  /** leave-group-out CV besides K-fold: the column and its groups (a candidate must not lose on held-out groups) */
  groups?: { column: string; names: string[] };
}

export interface EnergyModel {
  format: typeof ENERGY_MODEL_FORMAT;
  version: typeof ENERGY_MODEL_VERSION;
  /** the expressions and parameter definitions (starts, bounds, held) the model was fitted with */
  structure: Structure;
  /** fitted values, one per structure parameter, in the structure's order */
  parameters: FittedParameter[];
  /** indexes (structure order) of the fitted parameters, the rows and columns of `covariance` */
  free: number[];
  /** covariance of the free parameters in log space, row-major (null when it could not be computed) */
  covariance: number[] | null;
  /** standard deviation of log(measured / predicted) on the training rows */
  residualSd: { energy: number; latency: number | null };
  training: { records: number; latencyRows: number; ranges: TrainingRanges };
  /** the per-workload prompt assumptions the model was fitted with (empty: the built-in ones) */
  inputTokens: Record<string, number>;
  fit: { loss: number; iterations: number; evaluations: number; seconds: number };
  /** how the structure was chosen (absent for calibrations and version 2 files) */
  selection?: StructureSelection;
  /** per-series effects on top of the shared parameters (absent: a pooled model) */
  series?: ModelSeries;
  /** a structure with a discovered correction applies to the serving stacks its records hold; others get this physics fit */
  stackFallback?: StackFallback;
  /** whether fit added series effects and why (series-choice.ts; absent in files written before the rule) */
  seriesChoice?: SeriesChoice;
  /**
   * the stacked residual model (residual-trees.ts): trees g on the shared structure's log residuals, exp(g) a factor
   * on the shared prediction, the series effects estimated on what g leaves (absent: no trees, as before)
   */
  residualTrees?: ResidualTrees;
}

/** fit's decision on series effects: the rule, and under `cv` both fits' held-out scores on the training records. */
export interface SeriesChoice {
  rule: 'cv' | 'always' | 'never' | 'replicated';
  used: boolean;
  /** series the training records hold */
  series: number;
  reason: string;
  /** records: the size of the seeded sample cross-validated, when the file was larger */
  cv?: { folds: number; seed: number; records?: number; pooledRmsLog: number; seriesRmsLog: number; pooledMape: number; seriesMape: number };
}

/**
 * The fallback section of a model file whose structure carries a discovered correction: where the training records
 * validated the correction, and the plain physics structure fitted on the same records for every other row. Its
 * scopes: the serving stack (`column`, the column naming it, and `seen`, the stacks of the training records) and
 * `scopes`, further columns (hardware: the training records' GPUs; model, when asked). A row gets the chosen
 * structure only when its value of every scope is one the training records hold. Optional, so the version stays 3;
 * files written before `scopes` carry the stack alone and predict as before; a file without a stack column carries
 * `scopes` alone. A reader that ignores the section applies the chosen structure everywhere.
 */
export interface StackFallback {
  /** the column naming a serving stack (absent: the records name none) */
  column?: string;
  /** the stacks of the training records (with `column`) */
  seen?: string[];
  /** further columns the correction is limited to (absent in older files: the stack alone) */
  scopes?: FallbackScope[];
  model: Pick<EnergyModel, 'structure' | 'parameters' | 'free' | 'covariance' | 'residualSd' | 'fit'>;
}

/** The fallback's serving-stack scope, or null when the file names no stack column. */
export function stackScope(fb: StackFallback): { column: string; seen: string[] } | null {
  return fb.column !== undefined && fb.seen !== undefined ? { column: fb.column, seen: fb.seen } : null;
}

/** Every scope of a fallback in the order rows are checked: the serving stack first, then `scopes`. */
export function fallbackScopes(fb: StackFallback): FallbackScope[] {
  const stack = stackScope(fb);
  return [...(stack ? [stack] : []), ...(fb.scopes ?? [])];
}

/** The stack fallback's physics fit as a whole model (the chosen model's training, prompts and series kept). */
export function fallbackModel(m: EnergyModel, fb: StackFallback = m.stackFallback!): EnergyModel {
  // the residual trees were learnt on the chosen structure's residuals: the physics fit goes without them
  const { stackFallback: _, selection: __, residualTrees: ____, ...rest } = m;
  // the physics fit is itself pooled: a new series of another stack gets it at effect 0, not the chosen structure's pooled fit
  if (rest.series?.pooled) {
    const { pooled: ___, ...series } = rest.series;
    rest.series = series;
  }
  return { ...rest, ...fb.model };
}

/** The series section of a model file. */
export interface ModelSeries extends SeriesModel {
  /** set by `fit --base`: the user's records that updated the series (the shared parameters and spreads are the base's) */
  calibration?: { base: string; records: number; series: string[] };
  /**
   * The same structure fitted on the same records without series effects: rows of a series the model has not seen
   * (and knows nothing of through crossed factors) are predicted by it, not by the shared parameters at effect 0
   * (hierarchical.ts `HierarchicalFit.pooled` says why). Absent in files written before it: such rows then get the
   * shared parameters, as before.
   */
  pooled?: PooledFit;
  /**
   * Kriging series effects (series-kriging.ts, fit --series-kriging): the kernel and every series' points; a series
   * with points is predicted by its Gaussian-process posterior in place of its level, slope and setting effects.
   * Absent: the series effects alone.
   */
  kriging?: KrigingSection;
}

/** A fit of the model's structure without series effects (the series section's `pooled`). */
export type PooledFit = Pick<EnergyModel, 'parameters' | 'free' | 'covariance' | 'residualSd'>;

/** The series section's pooled fit as a whole model without series effects (undefined when the file has none). */
export function pooledModel(m: EnergyModel): EnergyModel | undefined {
  const p = m.series?.pooled;
  if (!p) return undefined;
  const { series: _, stackFallback: __, residualTrees: ___, ...rest } = m;
  return { ...rest, ...p };
}

/** Checks the series section's shape (a hand-edited or truncated file gets a message naming the field). */
function validateSeries(s: unknown, bad: (what: string) => never): void {
  const x = s as Partial<ModelSeries> | null;
  const strings = (v: unknown): boolean => Array.isArray(v) && v.every((c) => typeof c === 'string');
  if (typeof x !== 'object' || x === null) bad('series is not an object');
  if (!x.by || !strings(x.by.series) || x.by.series.length === 0 || !strings(x.by.setting)) bad('series.by must list the series and setting columns');
  if (typeof x.center !== 'number' || !Number.isFinite(x.center)) bad('series.center must be a finite number');
  validateEffects(x, 'series', bad, strings);
  if (x.crossed !== undefined) validateCrossed(x as ModelSeries, bad, strings);
  if (x.latency !== undefined) validateEffects(x.latency, 'series.latency', bad, strings);
  if (x.kriging !== undefined) validateKriging(x.kriging, bad);
}

/** The crossed effects (absent in older files: the series' own effects only): factors, spreads, each series' levels. */
function validateCrossed(x: ModelSeries, bad: (what: string) => never, strings: (v: unknown) => boolean): void {
  const c = x.crossed as Partial<NonNullable<ModelSeries['crossed']>> | null;
  if (typeof c !== 'object' || c === null) bad('series.crossed is not an object');
  const factors = c.factors as string[];
  if (!strings(factors) || factors.length === 0) bad('series.crossed.factors must list the crossed columns');
  if (typeof c.slope !== 'boolean') bad('series.crossed.slope must be true or false');
  const spreads = (v: unknown, n: number): boolean => Array.isArray(v) && v.length === n && v.every((t) => typeof t === 'number' && t > 0);
  if (!spreads(c.tauLevel, factors.length)) bad('series.crossed.tauLevel must hold one positive spread per factor');
  if (!spreads(c.tauSlope, c.slope ? factors.length : 0)) bad('series.crossed.tauSlope must hold one positive spread per factor with slope, none without');
  const levels = c.levels as Record<string, unknown> | undefined;
  if (typeof levels !== 'object' || levels === null) bad('series.crossed.levels must map each series to its factors\' values');
  for (const st of x.stats) {
    const v = levels[st.key];
    if (!strings(v) || (v as string[]).length !== factors.length) bad(`series.crossed.levels has no values of the ${factors.length} factors for series "${st.key}"`);
  }
}

/** The components and statistics of a set of effects (on energy, or on latency). */
function validateEffects(x: Partial<LatencyEffects>, at: string, bad: (what: string) => never, strings: (v: unknown) => boolean): void {
  if (typeof x !== 'object' || x === null) bad(`${at} is not an object`);
  const c = x.components;
  for (const k of ['sigma', 'tauLevel', 'tauSlope', 'tauSetting'] as const) {
    if (!c || typeof c[k] !== 'number' || !(c[k] > 0)) bad(`${at}.components.${k} must be a positive number`);
  }
  if (c?.residualDof !== undefined && !(typeof c.residualDof === 'number' && c.residualDof > 0)) bad(`${at}.components.residualDof, when present, must be a positive number`);
  if (c?.layoutSpread !== undefined && !(typeof c.layoutSpread === 'number' && c.layoutSpread > 0)) bad(`${at}.components.layoutSpread, when present, must be a positive number`);
  if (c?.slopeWithinRange !== undefined && typeof c.slopeWithinRange !== 'boolean') bad(`${at}.components.slopeWithinRange, when present, must be true or false`);
  if (!Array.isArray(x.stats)) bad(`${at}.stats must be a list`);
  x.stats.forEach((st, i) => {
    const m = 2 + (Array.isArray(st?.settings) ? st.settings.length : 0);
    if (typeof st?.key !== 'string' || !strings(st.settings) || !(st.n >= 0) || typeof st.rr !== 'number'
      || !Array.isArray(st.zr) || st.zr.length !== m || !Array.isArray(st.zz) || st.zz.length !== m * m) {
      bad(`${at}.stats[${i}] is malformed (key, settings, n, rr, zr of 2 + settings, zz of its square)`);
    }
    if (st.range !== undefined && !(Array.isArray(st.range) && st.range.length === 2 && st.range.every((v) => typeof v === 'number' && Number.isFinite(v)) && st.range[0] <= st.range[1])) {
      bad(`${at}.stats[${i}].range, when present, must be [lowest, highest] centred log batch`);
    }
  });
}

/** Checks the fallback section: its stack column and seen stacks, its scopes, and its physics fit by the rules of a whole model. */
function validateStackFallback(m: EnergyModel, file: string, bad: (what: string) => never): void {
  const fb = m.stackFallback as Partial<StackFallback> | null;
  if (typeof fb !== 'object' || fb === null) bad('stackFallback is not an object');
  const values = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
  if (fb.column !== undefined || fb.seen !== undefined || fb.scopes === undefined) {
    if (typeof fb.column !== 'string' || fb.column === '') bad('stackFallback.column must name the stack column');
    if (!values(fb.seen)) bad('stackFallback.seen must list the stacks of the training records');
  }
  if (fb.scopes !== undefined) {
    if (!Array.isArray(fb.scopes) || fb.scopes.length === 0) bad('stackFallback.scopes, when present, must list at least one scope');
    const columns = new Set<string>(fb.column !== undefined ? [fb.column] : []);
    fb.scopes.forEach((s, i) => {
      if (typeof s !== 'object' || s === null || !FALLBACK_COLUMNS.includes(s.column)) bad(`stackFallback.scopes[${i}].column must be one of ${FALLBACK_COLUMNS.join(', ')}`);
      if (columns.has(s.column)) bad(`stackFallback.scopes[${i}].column "${s.column}" is already a scope`);
      columns.add(s.column);
      if (!values(s.seen)) bad(`stackFallback.scopes[${i}].seen must list the ${s.column} values of the training records`);
    });
  }
  if (typeof fb.model !== 'object' || fb.model === null) bad('stackFallback.model is missing');
  validateEnergyModel({ ...fallbackModel(m, fb as StackFallback), version: ENERGY_MODEL_VERSION }, `${file}: stackFallback.model`);
}

/** Checks the residual trees: their shape and nodes (residual-trees.ts) and that every column is one the encoder writes. */
function validateResidualTrees(section: unknown, bad: (what: string) => never): void {
  const e = unpackResidualTrees(section, (what) => bad(`${what}; refit the model with energylens fit`));
  for (const column of e.features) {
    const why = unknownColumn(column);
    if (why) bad(`residualTrees.features: ${why}; refit the model with energylens fit`);
  }
}

/** Checks the series section's pooled fit by the rules of a whole model of the same structure. */
function validatePooled(m: EnergyModel, file: string, bad: (what: string) => never): void {
  const p = m.series!.pooled as Partial<PooledFit> | null;
  if (typeof p !== 'object' || p === null) bad('series.pooled is not an object');
  validateEnergyModel({ ...pooledModel(m), version: ENERGY_MODEL_VERSION }, `${file}: series.pooled`);
}

/** A version 2 file (the closed form before structures) as a version 3 model of the physics structure. */
function fromLegacy(m: Record<string, unknown>, bad: (what: string) => never): EnergyModel {
  const params = m.parameters as Record<string, unknown>[] | undefined;
  if (!Array.isArray(params) || params.length !== PARAMETERS.length) bad(`expected ${PARAMETERS.length} parameters (a version ${LEGACY_VERSION} model file); refit the model with energylens fit`);
  const parameters = PARAMETERS.map((spec, i): FittedParameter => {
    const p = params![i];
    if (p?.name !== spec.name) bad(`parameter ${i + 1} is ${JSON.stringify(p?.name)}; expected ${spec.name}: refit the model with energylens fit`);
    return { ...(p as unknown as FittedParameter), lower: spec.lower, upper: spec.upper, phase: spec.phase, origin: 'physics' };
  });
  return { ...(m as unknown as EnergyModel), version: ENERGY_MODEL_VERSION, structure: PHYSICS_STRUCTURE, parameters };
}

/** Checks the shape of a parsed model file; throws INVALID_MODEL_FILE naming the file and what is wrong. */
export function validateEnergyModel(value: unknown, file = 'model'): EnergyModel {
  const bad = (what: string): never => { throw new EnergyLensError('INVALID_MODEL_FILE', `${file}: ${what}`); };
  if (typeof value !== 'object' || value === null) bad('not a JSON object');
  const raw = value as Record<string, unknown>;
  if (raw.format !== ENERGY_MODEL_FORMAT) bad(`format is ${JSON.stringify(raw.format)}; expected "${ENERGY_MODEL_FORMAT}" (is this an energylens energy model, made by energylens fit?)`);
  if (raw.version !== ENERGY_MODEL_VERSION && raw.version !== LEGACY_VERSION) bad(`version ${JSON.stringify(raw.version)}; this energylens reads versions ${LEGACY_VERSION} and ${ENERGY_MODEL_VERSION}: refit the model with energylens fit`);
  const m = raw.version === LEGACY_VERSION ? fromLegacy(raw, bad) : (raw as unknown as EnergyModel);
  if (raw.version === ENERGY_MODEL_VERSION) {
    try {
      validateStructureShape(m.structure, `${file}: structure`);
    } catch (err) {
      bad(`${(err as Error).message.replace(`${file}: `, '')}; refit the model with energylens fit`);
    }
  }
  const defs = m.structure.parameters;
  if (!Array.isArray(m.parameters) || m.parameters.length !== defs.length) bad(`expected ${defs.length} parameters (one per structure parameter)`);
  m.parameters.forEach((p, i) => {
    if (p?.name !== defs[i].name) bad(`parameter ${i + 1} is ${JSON.stringify(p?.name)}; expected ${defs[i].name}`);
    if (typeof p.value !== 'number' || !Number.isFinite(p.value) || p.value < defs[i].lower || p.value > defs[i].upper) {
      bad(`parameter ${p.name} has value ${JSON.stringify(p.value)}; expected a finite number within [${defs[i].lower}, ${defs[i].upper}]`);
    }
  });
  if (!Array.isArray(m.free) || m.free.some((k) => !Number.isInteger(k) || k < 0 || k >= defs.length)) bad('free is missing or names no parameter');
  if (m.covariance !== null && (!Array.isArray(m.covariance) || m.covariance.length !== m.free.length ** 2)) bad('covariance does not match free');
  if (!m.residualSd || typeof m.residualSd.energy !== 'number') bad('residualSd.energy is missing');
  if (!m.training?.ranges) bad('training.ranges is missing');
  if (m.series !== undefined) validateSeries(m.series, bad);
  if (m.series?.pooled !== undefined) validatePooled(m, file, bad);
  if (m.stackFallback !== undefined) validateStackFallback(m, file, bad);
  if (m.residualTrees !== undefined) validateResidualTrees(m.residualTrees, bad);
  return m;
}

export function readEnergyModel(path: string): EnergyModel {
  return validateEnergyModel(parseJsonText(readTextFile(path, 'model file', 'INVALID_MODEL_FILE'), path, 'INVALID_MODEL_FILE'), path);
}

/**
 * The model file's text, as `fit` writes it (the web workbench's download is the same bytes): indented JSON, each
 * array of numbers on one line (half the size of one number a line with kriging).
 */
export function energyModelText(model: EnergyModel): string {
  return `${jsonText(model)}\n`;
}

export function writeEnergyModel(path: string, model: EnergyModel): void {
  writeFileAtomic(path, energyModelText(model));
}
