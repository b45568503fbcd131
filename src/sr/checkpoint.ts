/**
 * Checkpoints: the search state in a JSON file, written atomically (a temporary file in the same folder,
 * flushed to disk, then renamed over the old one), so a crash never leaves a half-written checkpoint.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EnergyLensError } from '../errors.js';
import type { SearchOptions } from './search/options.js';
import type { SearchState } from './search/search.js';

export const CHECKPOINT_VERSION = 1;

export interface Checkpoint {
  format: 'energylens-sr-checkpoint';
  version: number;
  savedAt: string;
  dataset: string;
  featureNames: string[];
  options: SearchOptions;
  state: SearchState;
}

/** Writes `text` to `path` atomically. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new EnergyLensError('INVALID_OPTION', `could not write ${path}: ${(err as Error).message}`);
  }
}

export function saveCheckpoint(path: string, checkpoint: Omit<Checkpoint, 'format' | 'version' | 'savedAt'>): void {
  const full: Checkpoint = { format: 'energylens-sr-checkpoint', version: CHECKPOINT_VERSION, savedAt: new Date().toISOString(), ...checkpoint };
  writeFileAtomic(path, JSON.stringify(full));
}

/** The checkpoint at `path`, checked against the dataset and options of the run that wants to resume it. */
export function loadCheckpoint(path: string, expect: { dataset: string; options: SearchOptions }): Checkpoint {
  let parsed: Checkpoint;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') throw new EnergyLensError('FILE_NOT_FOUND', `checkpoint ${path} does not exist`);
    throw new EnergyLensError('CHECKPOINT_INVALID', `checkpoint ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed?.format !== 'energylens-sr-checkpoint') throw new EnergyLensError('CHECKPOINT_INVALID', `${path} is not an energylens checkpoint`);
  if (parsed.version !== CHECKPOINT_VERSION) {
    throw new EnergyLensError('CHECKPOINT_INVALID', `${path} is a version ${parsed.version} checkpoint; this version reads version ${CHECKPOINT_VERSION}`);
  }
  if (parsed.dataset !== expect.dataset) {
    throw new EnergyLensError('CHECKPOINT_INVALID', `${path} was written for another dataset (fingerprint ${parsed.dataset}, this data is ${expect.dataset})`);
  }
  // stop conditions may change on resume; everything that shapes the search may not
  const shape = (o: SearchOptions): string => JSON.stringify({ ...o, maxTime: null, maxEvaluations: null, maxGenerations: null, targetLoss: null });
  if (shape(parsed.options) !== shape(expect.options)) {
    throw new EnergyLensError('CHECKPOINT_INVALID', `${path} was written with other search options; resume with the same options (only the stop conditions may change)`);
  }
  return parsed;
}
