/**
 * Checkpoints: everything needed to continue a search (island states, hall of fame, migrants, counters, the
 * head's RNG), with the options, seed and a fingerprint of the dataset they belong to, in one JSON file.
 *
 * Written atomically: a temporary file in the same folder, flushed to disk (fsync), then renamed over the old
 * one (and the folder flushed), so a crash leaves either the previous checkpoint or the new one, never half a
 * file. Loading refuses (CHECKPOINT_INVALID) a file written for other data or other search options; only the
 * stop conditions may change between a run and its resumption.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write.js';
import { SrError } from './errors.js';
import type { SearchOptions } from './search/options.js';
import type { SearchState } from './search/search.js';

/** the engine's atomic write (temporary file, fsync, rename), also used for its other outputs */
export { writeFileAtomic };

export const CHECKPOINT_FORMAT = 'energylens-sr-checkpoint';
export const CHECKPOINT_VERSION = 2;
/** options that may differ between a run and its resumption */
export const RESUMABLE_OPTION_CHANGES: readonly string[] = ['maxTime', 'maxEvaluations', 'maxGenerations', 'targetLoss'];

export interface CheckpointDataset {
  /** see datasetFingerprint */
  fingerprint: string;
  nRows: number;
  nFeatures: number;
  featureNames: string[];
}

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  savedAt: string;
  seed: number;
  dataset: CheckpointDataset;
  options: SearchOptions;
  state: SearchState;
}

export function saveCheckpoint(path: string, content: { dataset: CheckpointDataset; options: SearchOptions; state: SearchState }): void {
  const full: Checkpoint = {
    format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, savedAt: new Date().toISOString(), seed: content.options.seed, ...content,
  };
  writeFileAtomic(path, JSON.stringify(full));
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x);

/** Names of the options (other than stop conditions) whose values differ, with both values. */
export function optionDifferences(saved: SearchOptions, current: SearchOptions): string[] {
  const a = saved as unknown as Record<string, unknown>;
  const b = current as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !RESUMABLE_OPTION_CHANGES.includes(k)).sort();
  const show = (v: unknown): string => (v === undefined ? '(absent)' : canonical(v));
  return keys.filter((k) => canonical(a[k]) !== canonical(b[k])).map((k) => `${k} (checkpoint ${show(a[k])}, now ${show(b[k])})`);
}

const invalid = (path: string, why: string): never => {
  throw new SrError('CHECKPOINT_INVALID', `checkpoint ${path}: ${why}`);
};

function checkShape(path: string, c: Checkpoint): void {
  if (c?.format !== CHECKPOINT_FORMAT) invalid(path, 'not an energylens search checkpoint');
  if (c.version !== CHECKPOINT_VERSION) invalid(path, `version ${String(c.version)}; this version of energylens reads version ${CHECKPOINT_VERSION}`);
  const d = c.dataset;
  if (!d || typeof d.fingerprint !== 'string' || !Number.isInteger(d.nRows) || !Number.isInteger(d.nFeatures) || !Array.isArray(d.featureNames)) {
    invalid(path, 'the dataset description is missing or damaged');
  }
  if (!c.options || typeof c.options !== 'object') invalid(path, 'the search options are missing');
  const s = c.state as unknown as Record<string, unknown>;
  if (!s || !Array.isArray(s.islands) || !Array.isArray(s.hallOfFame)) invalid(path, 'the search state (islands, hall of fame) is missing or damaged');
  if ((s.islands as unknown[]).some((i) => !i || typeof i !== 'object' || typeof (i as { version?: unknown }).version !== 'number')) {
    invalid(path, 'an island state is damaged');
  }
  for (const k of ['generations', 'evaluations']) {
    if (s[k] !== undefined && !(typeof s[k] === 'number' && (s[k] as number) >= 0)) invalid(path, `state.${k} is not a count`);
  }
}

/**
 * The checkpoint at `path`, checked against the run that wants to resume it: the same data (fingerprint),
 * the same feature names, and the same options except the stop conditions.
 */
export function loadCheckpoint(path: string, expect: { dataset: CheckpointDataset | string; options: SearchOptions }): Checkpoint {
  let c: Checkpoint;
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') throw new SrError('FILE_NOT_FOUND', `checkpoint ${path} does not exist (nothing to resume)`);
    return invalid(path, `not readable JSON (${(err as Error).message.replace(/\s+/g, ' ').trim()})`);
  }
  checkShape(path, c);
  const want = typeof expect.dataset === 'string' ? { fingerprint: expect.dataset } : expect.dataset;
  if (c.dataset.fingerprint !== want.fingerprint) {
    const now = 'nRows' in want ? `${want.nRows} rows x ${want.nFeatures} features, ` : '';
    invalid(path, `written for other data (checkpoint: ${c.dataset.nRows} rows x ${c.dataset.nFeatures} features, fingerprint ${c.dataset.fingerprint}; this run: ${now}fingerprint ${want.fingerprint})`);
  }
  if ('featureNames' in want && canonical(want.featureNames) !== canonical(c.dataset.featureNames)) {
    invalid(path, `written with features ${c.dataset.featureNames.join(', ')}; this run has ${want.featureNames.join(', ')}`);
  }
  const diff = optionDifferences(c.options, expect.options);
  if (diff.length > 0) {
    invalid(path, `written with other search options: ${diff.join('; ')}. Resume with the same options (only ${RESUMABLE_OPTION_CHANGES.join(', ')} may change)`);
  }
  if (c.state.islands.length !== expect.options.populations) {
    invalid(path, `holds ${c.state.islands.length} islands; options.populations is ${expect.options.populations}`);
  }
  return c;
}

/** Saves a checkpoint at most every `everySeconds` (and whenever `save` is called directly). */
export class CheckpointWriter {
  private last: number;
  /** checkpoints written so far */
  written = 0;

  constructor(
    readonly path: string,
    private readonly describe: { dataset: CheckpointDataset; options: SearchOptions },
    readonly everySeconds = 10,
    private readonly now: () => number = () => performance.now() / 1000,
  ) {
    if (!(everySeconds >= 0) || !Number.isFinite(everySeconds)) {
      throw new SrError('INVALID_OPTION', `checkpointEvery must be a non-negative number of seconds, got ${String(everySeconds)}`);
    }
    this.last = this.now();
  }

  /**
   * Saves after the first cycle, then when `everySeconds` have passed since the last save; returns true when
   * it saved. The first save comes at once so that a run killed early can already be resumed.
   */
  maybeSave(state: SearchState): boolean {
    if (this.written > 0 && this.now() - this.last < this.everySeconds) return false;
    this.save(state);
    return true;
  }

  save(state: SearchState): void {
    saveCheckpoint(this.path, { ...this.describe, state });
    this.last = this.now();
    this.written++;
  }
}
