// Islands on piscina worker threads (needs the build: npm test builds first).
import { describe, expect, it } from 'vitest';
import { equationSearch } from '../../src/sr/search/search.js';
import { PoolRunner } from '../../src/sr/workers/pool-runner.js';
import { toInfix } from '../../src/sr/expression/print.js';
import { createRng } from '../../src/sr/util/rng.js';
import type { Dataset } from '../../src/sr/eval/types.js';

const rng = createRng(5);
const n = 30;
const data: Dataset = { X: new Float64Array(n), y: new Float64Array(n), nFeatures: 1, nRows: n };
for (let r = 0; r < n; r++) { data.X[r] = 2 * rng.next() - 1; data.y[r] = Math.sin(data.X[r] * data.X[r]) + data.X[r]; }
const options = { populations: 4, populationSize: 32, generationsPerCycle: 10, maxGenerations: 50, maxTime: null, seed: 9 };

describe('PoolRunner', () => {
  it('gives the same result as the in-process runner, with 1 and 2 workers', async () => {
    const local = await equationSearch(data, options);
    const fronts = [local.front.map((m) => toInfix(m.tree))];
    for (const workers of [1, 2]) {
      const runner = new PoolRunner({ workers });
      try {
        const res = await equationSearch(data, options, { runner });
        expect(res.evaluations).toBe(local.evaluations);
        fronts.push(res.front.map((m) => toInfix(m.tree)));
      } finally {
        await runner.close();
      }
    }
    expect(fronts[1]).toEqual(fronts[0]);
    expect(fronts[2]).toEqual(fronts[0]);
  });

  it('survives a worker that dies mid-task: the island is rerun and the run says so', async () => {
    const events: unknown[] = [];
    const runner = new PoolRunner({ workers: 2, crashOnce: { islandId: 2, cycle: 2 }, onEvent: (e) => events.push(e) });
    try {
      const res = await equationSearch(data, options, { runner });
      const local = await equationSearch(data, options);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'worker-restarted', islandId: 2, attempt: 1 });
      expect(res.evaluations).toBe(local.evaluations);
      expect(res.front.map((m) => toInfix(m.tree))).toEqual(local.front.map((m) => toInfix(m.tree)));
    } finally {
      await runner.close();
    }
  });

  it('rejects a bad worker count', () => {
    expect(() => new PoolRunner({ workers: 0 })).toThrow(/workers must be a positive integer/);
  });
});
