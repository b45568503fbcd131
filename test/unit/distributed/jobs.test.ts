// Job payloads: a real island task passes, malformed ones fail with INVALID_JOB naming the field; datasets
// survive their binary form and a damaged one is refused.
import { describe, expect, it } from 'vitest';
import { validateJob, checkIslandResult, JOB_PROTOCOL } from '../../../src/distributed/jobs.js';
import { decodeDataset, encodeDataset } from '../../../src/distributed/dataset-store.js';
import { errorFromReason, jobId } from '../../../src/distributed/job-client.js';
import { createWasmEvaluator, resolveOptions, type Dataset } from '../../../src/sr/index.js';
import { createIslandState, datasetFingerprint, runIslandTask, type IslandTask } from '../../../src/sr/runtime.js';

const n = 20;
const data: Dataset = { X: Float64Array.from({ length: n }, (_, i) => i / n), y: Float64Array.from({ length: n }, (_, i) => (i / n) ** 2), nFeatures: 1, nRows: n };
const options = resolveOptions({ populations: 1, populationSize: 8, generationsPerCycle: 2, seed: 1 });
const task: IslandTask = { islandId: 0, state: createIslandState(0, 1), generations: 2, migrants: [], options: options };
const job = { protocol: JOB_PROTOCOL, datasetId: datasetFingerprint(data), task };
const code = (f: () => unknown): string | undefined => { try { f(); return undefined; } catch (e) { return (e as { code?: string }).code; } };

describe('validateJob', () => {
  it('accepts an island task, also after a cycle (a state with members) and through JSON', () => {
    expect(validateJob('island', job).name).toBe('island');
    const ev = createWasmEvaluator();
    ev.setDataset(data);
    const r = runIslandTask(task, { evaluator: ev, data });
    ev.dispose();
    const next = JSON.parse(JSON.stringify({ ...job, task: { ...task, state: r.state, migrants: r.hallOfFame } }));
    expect(validateJob('island', next).name).toBe('island');
    expect(checkIslandResult(JSON.parse(JSON.stringify(r)), 0).islandId).toBe(0);
    expect(() => checkIslandResult(r, 1)).toThrow(/expected 1/);
  });

  it.each([
    ['an unknown job name', 'frobnicate', job, /unknown job name/],
    ['a payload that is not an object', 'island', 'x', /not an object/],
    ['another protocol', 'island', { ...job, protocol: 99 }, /protocol 1, got 99/],
    ['a bad dataset id', 'island', { ...job, datasetId: '../../etc' }, /datasetId/],
    ['no task', 'island', { ...job, task: undefined }, /task: expected an island task/],
    ['a negative island id', 'island', { ...job, task: { ...task, islandId: -1 } }, /islandId/],
    ['zero generations', 'island', { ...job, task: { ...task, generations: 0 } }, /generations/],
    ['a state without version', 'island', { ...job, task: { ...task, state: {} } }, /state: expected an island state/],
    ['a migrant with odd code', 'island', { ...job, task: { ...task, migrants: [{ code: [1], consts: [], loss: 1, complexity: 1, birth: 0 }] } }, /migrants\[0\]\.code/],
    ['bad options', 'island', { ...job, task: { ...task, options: { ...options, populationSize: -3 } } }, /populationSize/],
    ['a fit job without records', 'fit', { protocol: 1, records: [], options: {} }, /non-empty array of records/],
    ['a record without energy', 'discover', { protocol: 1, records: [{ model: 'm', hardware: 'H100', tp: 1, pp: 1, batch: 1, output_tokens: 1 }], options: {} }, /records\[0\]\.energy_j: missing/],
    ['a record with tp 0.5', 'fit', { protocol: 1, records: [{ model: 'm', hardware: 'H100', tp: 0.5, pp: 1, batch: 1, output_tokens: 1, energy_j: 1 }], options: {} }, /tp: expected a positiveInteger/],
    ['an unknown option', 'fit', { protocol: 1, records: [{ model: 'm', hardware: 'H100', tp: 1, pp: 1, batch: 1, output_tokens: 1, energy_j: 1 }], options: { workers: 64 } }, /options\.workers: unknown option/],
  ])('fails %s with INVALID_JOB', (_what, name, payload, why) => {
    expect(code(() => validateJob(name as string, payload))).toBe('INVALID_JOB');
    expect(() => validateJob(name as string, payload)).toThrow(why as RegExp);
  });
});

describe('datasets in Redis', () => {
  it('round-trip exactly, with weights, and refuse damaged bytes', () => {
    const weighted: Dataset = { ...data, weights: Float64Array.from({ length: n }, (_, i) => 1 + i) };
    for (const d of [data, weighted]) {
      const back = decodeDataset(encodeDataset(d), datasetFingerprint(d));
      expect(Array.from(back.X)).toEqual(Array.from(d.X));
      expect(Array.from(back.y)).toEqual(Array.from(d.y));
      expect(back.weights && Array.from(back.weights)).toEqual(d.weights && Array.from(d.weights));
    }
    const buf = encodeDataset(data);
    buf.writeDoubleLE(42, 30);
    expect(() => decodeDataset(buf, datasetFingerprint(data))).toThrow(/do not match its fingerprint/);
    expect(() => decodeDataset(buf.subarray(0, 40), datasetFingerprint(data))).toThrow(/bytes/);
    expect(() => decodeDataset(Buffer.from('hello world, not a dataset'), 'x')).toThrow(/not an energylens dataset/);
  });
});

describe('job ids and failures', () => {
  it('name a job by its payload, and rebuild the worker\'s error code', () => {
    expect(jobId('island', { a: 1 })).toBe(jobId('island', { a: 1 }));
    expect(jobId('island', { a: 1 })).not.toBe(jobId('island', { a: 2 }));
    expect(jobId('island', { a: 1 })).not.toContain(':');
    expect(errorFromReason('island 2', '[INVALID_JOB] job "island".task: bad')).toMatchObject({ code: 'INVALID_JOB', message: 'island 2: job "island".task: bad' });
    expect(errorFromReason('fit', 'boom')).toMatchObject({ code: 'WORKER_FAILED', message: 'fit: boom' });
  });
});
