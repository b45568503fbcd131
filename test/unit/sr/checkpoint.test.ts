import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointWriter, loadCheckpoint, optionDifferences, saveCheckpoint, type CheckpointDataset,
} from '../../../src/sr/checkpoint.js';
import { writeFileAtomic } from '../../../src/util/atomic-write.js';
import { resolveOptions } from '../../../src/sr/search/options.js';
import { createIslandState } from '../../../src/sr/search/island.js';
import type { SearchState } from '../../../src/sr/search/search.js';

const dir = mkdtempSync(join(tmpdir(), 'energylens-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = resolveOptions({ populations: 2, seed: 7, maxGenerations: 40, maxTime: null });
const dataset: CheckpointDataset = { fingerprint: 'abc123', nRows: 40, nFeatures: 2, featureNames: ['batch', 'tp'] };
const state: SearchState = {
  islands: [{ ...createIslandState(0, 7), generation: 20 }, { ...createIslandState(1, 8), generation: 20 }], hallOfFame: [], migrants: [[], []],
  rng: [1, 2, 3, 4], generations: 20, evaluations: 1234, seconds: 1.5, cycles: 1,
};
const tmpFiles = () => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('writeFileAtomic', () => {
  it('writes and replaces whole files, leaving no temporary file', () => {
    const p = join(dir, 'a.json');
    writeFileAtomic(p, 'first');
    writeFileAtomic(p, 'second, longer');
    expect(readFileSync(p, 'utf8')).toBe('second, longer');
    expect(tmpFiles()).toEqual([]);
  });

  it('on failure keeps the old file intact and cleans up', () => {
    const target = join(dir, 'occupied');
    mkdirSync(target); // renaming a file over a folder fails after the data was written
    expect(() => writeFileAtomic(target, 'x')).toThrow(/could not write .*occupied/);
    expect(tmpFiles()).toEqual([]);
    expect(() => writeFileAtomic(join(dir, 'no', 'such', 'dir.json'), 'x')).toThrow(expect.objectContaining({ code: 'WRITE_FAILED' }));
  });
});

describe('checkpoints', () => {
  const path = join(dir, 'run.ckpt');

  it('round-trip: options, seed, dataset description and state', () => {
    saveCheckpoint(path, { dataset, options, state });
    const c = loadCheckpoint(path, { dataset, options });
    expect(c).toMatchObject({ format: 'energylens-sr-checkpoint', version: 2, seed: 7, dataset, options, state });
    expect(Date.parse(c.savedAt)).not.toBeNaN();
  });

  it('lets the stop conditions change', () => {
    saveCheckpoint(path, { dataset, options, state });
    const longer = resolveOptions({ populations: 2, seed: 7, maxGenerations: 400, maxTime: 30, targetLoss: 1e-9 });
    expect(loadCheckpoint(path, { dataset, options: longer }).state).toEqual(state);
  });

  it.each([
    ['another dataset', { dataset: { ...dataset, fingerprint: 'zzz', nRows: 41 } }, /written for other data \(checkpoint: 40 rows x 2 features, fingerprint abc123; this run: 41 rows x 2 features, fingerprint zzz\)/],
    ['other feature names', { dataset: { ...dataset, featureNames: ['a', 'b'] } }, /written with features batch, tp; this run has a, b/],
    ['another seed', { options: resolveOptions({ populations: 2, seed: 8, maxGenerations: 40, maxTime: null }) }, /other search options: seed \(checkpoint 7, now 8\)/],
    ['other operators', { options: resolveOptions({ populations: 2, seed: 7, maxGenerations: 40, maxTime: null, operators: ['+', '*'] }) }, /operators \(checkpoint \["\+","-"/],
  ])('refuses a checkpoint written for %s', (_what, change, message) => {
    saveCheckpoint(path, { dataset, options, state });
    const expectNow = { dataset, options, ...change };
    expect(() => loadCheckpoint(path, expectNow)).toThrow(expect.objectContaining({ code: 'CHECKPOINT_INVALID', message: expect.stringMatching(message) }));
  });

  it.each([
    ['not JSON', '{"format": "energylens-sr-chec', /not readable JSON/],
    ['not a checkpoint', '{"hello": 1}', /not an energylens search checkpoint/],
    ['another version', JSON.stringify({ format: 'energylens-sr-checkpoint', version: 99 }), /version 99; this version of energylens reads version 2/],
    ['a damaged state', JSON.stringify({ format: 'energylens-sr-checkpoint', version: 2, seed: 7, dataset, options, state: { islands: 3 } }), /search state .* damaged/],
    ['too few islands', JSON.stringify({ format: 'energylens-sr-checkpoint', version: 2, seed: 7, dataset, options, state: { ...state, islands: [{ version: 1 }] } }), /holds 1 islands; options.populations is 2/],
  ])('refuses a file that is %s', (_what, text, message) => {
    writeFileSync(path, text);
    expect(() => loadCheckpoint(path, { dataset, options })).toThrow(expect.objectContaining({ code: 'CHECKPOINT_INVALID', message: expect.stringMatching(message) }));
  });

  it('says when there is nothing to resume', () => {
    expect(() => loadCheckpoint(join(dir, 'none.ckpt'), { dataset, options })).toThrow(expect.objectContaining({ code: 'FILE_NOT_FOUND' }));
  });

  it('compares options whatever the order of their keys', () => {
    const shuffled = Object.fromEntries(Object.entries(options).reverse()) as typeof options;
    expect(optionDifferences(options, shuffled)).toEqual([]);
    expect(optionDifferences(options, { ...options, maxTime: 5, populations: 3 })).toEqual(['populations (checkpoint 2, now 3)']);
  });
});

describe('CheckpointWriter', () => {
  it('saves after the first cycle, then at most every N seconds, and always when asked', () => {
    let now = 0;
    const path = join(dir, 'periodic.ckpt');
    const w = new CheckpointWriter(path, { dataset, options }, 10, () => now);
    now = 1;
    expect(w.maybeSave(state)).toBe(true);
    expect(existsSync(path)).toBe(true);
    now = 5;
    expect(w.maybeSave(state)).toBe(false);
    now = 11;
    expect(w.maybeSave(state)).toBe(true);
    now = 15;
    expect(w.maybeSave({ ...state, generations: 40 })).toBe(false);
    w.save({ ...state, generations: 60 });
    expect(w.written).toBe(3);
    expect(loadCheckpoint(path, { dataset, options }).state.generations).toBe(60);
    expect(() => new CheckpointWriter(path, { dataset, options }, -1)).toThrow(/checkpointEvery must be a non-negative number/);
  });
});
