/**
 * The fitted energy model as a file: its structure (expressions and every parameter with name, meaning, unit,
 * bounds, value and standard error), its version, and reading it back with clear errors. Version 2 files (the
 * twelve-parameter closed form before structures) still load: they are the physics structure.
 */
import { EnergyLensError } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { readTextFile } from '../../util/read-text.js';
import { PARAMETERS } from './closed-form.js';
import { validateStructureShape, type Structure, type StructureParameter } from './structure.js';
import { PHYSICS_STRUCTURE } from './structure-physics.js';

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
  /** bounds of the fit */
  lower: number;
  upper: number;
  phase: StructureParameter['phase'];
  origin: StructureParameter['origin'];
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
  return m;
}

export function readEnergyModel(path: string): EnergyModel {
  const text = readTextFile(path, 'model file', 'INVALID_MODEL_FILE');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new EnergyLensError('INVALID_MODEL_FILE', `${path}: not valid JSON (${(err as Error).message})`);
  }
  return validateEnergyModel(parsed, path);
}

export function writeEnergyModel(path: string, model: EnergyModel): void {
  writeFileAtomic(path, `${JSON.stringify(model, null, 2)}\n`);
}
