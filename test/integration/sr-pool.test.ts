// Islands on piscina worker threads (needs the build: workers run dist/).
import { describe, expect, it } from 'vitest';
import { Piscina } from 'piscina';
import { equationSearch, type SearchResult } from '../../src/sr/search/search.js';
import { PoolRunner, islandWorkerPath, type WorkerCrashEvent } from '../../src/sr/workers/pool-runner.js';
import { toInfix } from '../../src/sr/expression/print.js';
import { createRng } from '../../src/sr/util/rng.js';
import type { Dataset } from '../../src/sr/eval/types.js';
import { createIslandState } from '../../src/sr/search/island.js';
import { resolveOptions } from '../../src/sr/search/options.js';

const rng = createRng(5);
const n = 30;
const data: Dataset = { X: new Float64Array(n), y: new Float64Array(n), nFeatures: 1, nRows: n };
for (let r = 0; r < n; r++) { data.X[r] = 2 * rng.next() - 1; data.y[r] = Math.sin(data.X[r] * data.X[r]) + data.X[r]; }
const options = { populations: 4, populationSize: 24, generationsPerCycle: 8, maxGenerations: 32, maxTime: null, seed: 9 };

const summary = (r: SearchResult) => ({ evaluations: r.evaluations, front: r.front.map((m) => `${m.complexity} ${m.loss} ${toInfix(m.tree)}`) });
let local: ReturnType<typeof summary> | undefined;
const inProcess = async () => (local ??= summary(await equationSearch(data, options)));

describe('PoolRunner', () => {
  it.each([1, 2])('gives exactly the in-process result with %i worker(s)', async (workers) => {
    const runner = new PoolRunner({ workers });
    try {
      expect(summary(await equationSearch(data, options, { runner }))).toEqual(await inProcess());
    } finally {
      await runner.close();
    }
  });

  it('survives a worker that dies mid-task: the island is rerun from its migration state and reported', async () => {
    const events: WorkerCrashEvent[] = [];
    const runner = new PoolRunner({ workers: 2, injectFault: { islandId: 2, cycle: 2 }, onEvent: (e) => events.push(e) });
    try {
      const res = await equationSearch(data, options, { runner });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'worker-crashed', islandId: 2, attempt: 1 });
      expect(events[0].reason).toMatch(/exit|70/i);
      expect(runner.restarts).toBe(1);
      expect(summary(res)).toEqual(await inProcess());
    } finally {
      await runner.close();
    }
  });

  it('gives up with WORKER_FAILED when the island keeps killing its worker', async () => {
    const runner = new PoolRunner({ workers: 1, maxRetries: 0, injectFault: { islandId: 0, cycle: 1 } });
    try {
      await expect(equationSearch(data, options, { runner })).rejects.toMatchObject({ code: 'WORKER_FAILED', message: expect.stringMatching(/island 0/) });
    } finally {
      await runner.close();
    }
  });

  it("runs on a caller's pool (dataset sent on demand), leaves it open, and serves a second dataset", async () => {
    const pool = new Piscina({ filename: islandWorkerPath(), minThreads: 2, maxThreads: 2 });
    try {
      const runner = new PoolRunner({ pool });
      expect(summary(await equationSearch(data, options, { runner }))).toEqual(await inProcess());
      await runner.close();
      // still usable, with other data: workers learn the new dataset by its id
      const other: Dataset = { ...data, y: data.y.map((v) => 2 * v) };
      const again = await equationSearch(other, { ...options, maxGenerations: 8 }, { runner: new PoolRunner({ pool }) });
      expect(again.front.length).toBeGreaterThan(0);
    } finally {
      await pool.destroy();
    }
  });

  it('turns an error answered by a worker back into a typed error', async () => {
    const runner = new PoolRunner({ workers: 1 });
    try {
      await runner.setDataset(data, 'mse');
      const bad = { islandId: 0, state: { ...createIslandState(0, 1), version: 999 }, generations: 1, migrants: [], options: resolveOptions() };
      await expect(runner.run([bad])).rejects.toMatchObject({ name: 'SrError', code: 'CHECKPOINT_INVALID' });
    } finally {
      await runner.close();
    }
  });

  it('checks its options and finds the compiled worker for sources', () => {
    expect(() => new PoolRunner({ workers: 0 })).toThrow(/workers must be a positive integer/);
    expect(() => new PoolRunner({ workers: 1.5 })).toThrow(/workers must be a positive integer/);
    expect(islandWorkerPath()).toMatch(/[/\\]dist[/\\]sr[/\\]workers[/\\]island-worker\.js$/);
    expect(() => islandWorkerPath('/nowhere/src/sr/workers/pool-runner.ts')).toThrow(/\/nowhere\/dist\/sr\/workers\/island-worker\.js is missing; run "npm run build"/);
    expect(islandWorkerPath('/opt/pkg/dist/sr/workers/pool-runner.js')).toBe('/opt/pkg/dist/sr/workers/island-worker.js');
  });
});
