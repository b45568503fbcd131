/** The fitted energy model as a file: its shape, its version, and reading it back with clear errors. */
import { existsSync, readFileSync } from 'node:fs';
import { EnergyLensError } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { PARAMETERS } from './closed-form.js';

export const ENERGY_MODEL_FORMAT = 'energylens-energy-model';
export const ENERGY_MODEL_VERSION = 2; // 2: e_gpu replaced tau_sync

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

export interface EnergyModel {
  format: typeof ENERGY_MODEL_FORMAT;
  version: typeof ENERGY_MODEL_VERSION;
  parameters: FittedParameter[];
  /** indexes (PARAMETERS order) of the fitted parameters, the rows and columns of `covariance` */
  free: number[];
  /** covariance of the free parameters, row-major (null when it could not be computed) */
  covariance: number[] | null;
  /** standard deviation of log(measured / predicted) on the training rows */
  residualSd: { energy: number; latency: number | null };
  training: { records: number; latencyRows: number; ranges: TrainingRanges };
  /** the per-workload prompt assumptions the model was fitted with (empty: the built-in ones) */
  inputTokens: Record<string, number>;
  fit: { loss: number; iterations: number; evaluations: number; seconds: number };
}

/** Checks the shape of a parsed model file; throws INVALID_MODEL_FILE naming the file and what is wrong. */
export function validateEnergyModel(value: unknown, file = 'model'): EnergyModel {
  const bad = (what: string): never => { throw new EnergyLensError('INVALID_MODEL_FILE', `${file}: ${what}`); };
  if (typeof value !== 'object' || value === null) bad('not a JSON object');
  const m = value as Partial<EnergyModel>;
  if (m.format !== ENERGY_MODEL_FORMAT) bad(`format is ${JSON.stringify(m.format)}; expected "${ENERGY_MODEL_FORMAT}" (is this an energylens energy model, made by energylens fit?)`);
  if (m.version !== ENERGY_MODEL_VERSION) bad(`version ${JSON.stringify(m.version)}; this energylens reads version ${ENERGY_MODEL_VERSION}: refit the model with this version`);
  if (!Array.isArray(m.parameters) || m.parameters.length !== PARAMETERS.length) bad(`expected ${PARAMETERS.length} parameters`);
  m.parameters!.forEach((p, i) => {
    if (p?.name !== PARAMETERS[i].name) bad(`parameter ${i + 1} is ${JSON.stringify(p?.name)}; expected ${PARAMETERS[i].name}`);
    if (typeof p.value !== 'number' || !Number.isFinite(p.value) || p.value < 0) bad(`parameter ${p.name} has value ${JSON.stringify(p.value)}; expected a finite number >= 0`);
  });
  if (!Array.isArray(m.free)) bad('free is missing');
  if (m.covariance !== null && (!Array.isArray(m.covariance) || m.covariance.length !== m.free!.length ** 2)) bad('covariance does not match free');
  if (!m.residualSd || typeof m.residualSd.energy !== 'number') bad('residualSd.energy is missing');
  if (!m.training?.ranges) bad('training.ranges is missing');
  return m as EnergyModel;
}

export function readEnergyModel(path: string): EnergyModel {
  if (!existsSync(path)) throw new EnergyLensError('FILE_NOT_FOUND', `${path}: no such model file`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new EnergyLensError('INVALID_MODEL_FILE', `${path}: not valid JSON (${(err as Error).message})`);
  }
  return validateEnergyModel(parsed, path);
}

export function writeEnergyModel(path: string, model: EnergyModel): void {
  writeFileAtomic(path, `${JSON.stringify(model, null, 2)}\n`);
}
