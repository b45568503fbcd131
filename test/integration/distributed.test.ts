// Distributed runs on BullMQ and Redis (needs the build, and a Redis: ENERGYLENS_TEST_REDIS=redis://127.0.0.1:PORT;
// .ci/run starts one). Worker processes are the built CLI (`energylens worker`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BullMQRunner, discoverOnQueue, fitOnQueue, startWorker, JOB_PROTOCOL, type DistributedEvent, type DistributedWorker } from '../../src/distributed/index.js';
import { simulate } from '../../src/energy/simulator/index.js';
import { fitEnergyModel } from '../../src/energy/model/fit.js';
import { createRng, equationSearch, toInfix, type Dataset, type SearchResult, type SearchState } from '../../src/sr/index.js';
import { BUILT, REDIS_URL, SKIP_REASON, spawnWorker, type WorkerProcess } from './distributed-helpers.js';

const rng = createRng(21);
const n = 60;
const data: Dataset = { X: new Float64Array(2 * n), y: new Float64Array(n), nFeatures: 2, nRows: n };
for (let r = 0; r < n; r++) {
  const a = 2 * rng.next() - 1; const b = rng.next() + 0.5;
  data.X[r] = a; data.X[n + r] = b; data.y[r] = a * a * b + Math.cos(b);
}
const options = { populations: 6, populationSize: 24, generationsPerCycle: 8, maxGenerations: 40, maxTime: null, seed: 4 };
const summary = (r: SearchResult) => ({ evaluations: r.evaluations, generations: r.generations, front: r.front.map((m) => `${m.complexity} ${m.loss} ${toInfix(m.tree)}`) });
let local: ReturnType<typeof summary> | undefined;
const localRun = async () => (local ??= summary(await equationSearch(data, options)));
let queues = 0;
const queueName = (): string => `test-${process.pid}-${Date.now().toString(36)}-${++queues}`;

describe.skipIf(!REDIS_URL || !BUILT)(`distributed runs on BullMQ${!REDIS_URL || !BUILT ? ` (skipped: ${SKIP_REASON})` : ''}`, () => {
  const url = REDIS_URL!;
  const redis = REDIS_URL ? new Redis(url, { maxRetriesPerRequest: 1 }) : undefined;
  afterAll(async () => {
    // remove what the tests left under their queue names
    const keys = await redis!.keys(`bull:test-${process.pid}-*`);
    if (keys.length) await redis!.del(...keys);
    redis!.disconnect();
  });

  it('island cycles on two workers give exactly the local result for the seed', async () => {
    const queue = queueName();
    const workers = await Promise.all([startWorker({ redis: url, queue }), startWorker({ redis: url, queue, concurrency: 2 })]);
    const runner = new BullMQRunner({ redis: url, queue });
    try {
      const res = await equationSearch(data, options, { runner });
      expect(summary(res)).toEqual(await localRun());
      expect(workers[0].counts.completed + workers[1].counts.completed).toBe(30);
    } finally {
      await runner.close();
      await Promise.all(workers.map((w) => w.close()));
    }
  });

  it('three worker processes, one killed mid-job: the run completes, every island accounted for, same front as local', async () => {
    const queue = queueName();
    const procs: WorkerProcess[] = [0, 1, 2].map(() => spawnWorker(url, queue));
    const events: DistributedEvent[] = [];
    const runner = new BullMQRunner({ redis: url, queue, pollSeconds: 0.5, onEvent: (e) => events.push(e) });
    try {
      await Promise.all(procs.map((p) => p.ready));
      const victim = procs[1];
      // once the victim has finished one job, kill it the moment it starts its next
      const killed = victim.waitFor((l) => l.event === 'completed')
        .then(() => { const done = victim.lines.length; return victim.waitFor((l) => l.event === 'active' && victim.lines.indexOf(l) >= done); })
        .then(() => { victim.proc.kill('SIGKILL'); return true; });
      const res = await equationSearch(data, options, { runner });
      expect(await killed).toBe(true);
      expect(victim.proc.signalCode ?? 'SIGKILL').toBe('SIGKILL');
      expect(res.islands.map((s) => (s as { islandId?: number }).islandId)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(res.generations).toBe(40);
      expect(summary(res)).toEqual(await localRun());
      // the survivors did the victim's work
      expect(procs[0].lines.some((l) => l.event === 'completed') && procs[2].lines.some((l) => l.event === 'completed')).toBe(true);
      if (!events.some((e) => e.type === 'job-stalled')) console.warn('kill test: the victim finished its job before the signal landed (no stalled job this time)');
    } finally {
      await runner.close();
      await Promise.all(procs.map((p) => p.stop()));
    }
  });

  it('fails a malformed job at once (INVALID_JOB, not retried, not executed)', async () => {
    const queue = queueName();
    const worker = await startWorker({ redis: url, queue });
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    const q = new Queue(queue, { connection });
    try {
      const bad = await q.add('island', { protocol: JOB_PROTOCOL, datasetId: 'abc', task: { islandId: 0 } }, { attempts: 3 });
      const unknown = await q.add('format-disk', { protocol: JOB_PROTOCOL }, { attempts: 3 });
      for (const job of [bad, unknown]) {
        for (let i = 0; i < 100 && (await job.getState()) !== 'failed'; i++) await new Promise((r) => setTimeout(r, 50));
        const after = await q.getJob(job.id!);
        expect(await after!.getState()).toBe('failed');
        expect(after!.failedReason).toMatch(/^\[INVALID_JOB\] job "/);
        expect(after!.attemptsMade).toBe(1);
      }
      expect((await q.getJob(bad.id!))!.failedReason).toMatch(/datasetId: expected a dataset fingerprint/);
      expect((await q.getJob(unknown.id!))!.failedReason).toMatch(/unknown job name/);
      expect(worker.counts.completed).toBe(0);
    } finally {
      await q.close();
      connection.disconnect();
      await worker.close();
    }
  });

  it('a head restarted from its last checkpoint state continues exactly as an uninterrupted run', async () => {
    const queue = queueName();
    const worker = await startWorker({ redis: url, queue });
    let saved: SearchState | undefined;
    let cycles = 0;
    const crash = new Error('the head died');
    const first = new BullMQRunner({ redis: url, queue });
    try {
      await expect(equationSearch(data, options, { runner: first, onCycle: (s) => { saved = JSON.parse(JSON.stringify(s)); if (++cycles === 2) throw crash; } })).rejects.toBe(crash);
    } finally {
      await first.close();
    }
    const second = new BullMQRunner({ redis: url, queue });
    try {
      expect(summary(await equationSearch(data, options, { runner: second, resume: saved }))).toEqual(await localRun());
    } finally {
      await second.close();
      await worker.close();
    }
  });

  describe('whole fits, one job per hardware set', () => {
    const records = simulate({
      models: ['Llama-3.1-8B-Instruct'], hardware: ['H100', 'B200'], tp: [1, 2], pp: [1, 2], batch: [1, 8, 32], input: [512], output: [128], noise: 0, seed: 3,
    }).records;
    let workers: DistributedWorker[] = [];
    let queue = '';
    beforeAll(async () => {
      queue = queueName();
      workers = await Promise.all([startWorker({ redis: url, queue }), startWorker({ redis: url, queue })]);
    });
    afterAll(async () => { await Promise.all(workers.map((w) => w.close())); });

    it('fits one model per hardware set, as fitEnergyModel does here', async () => {
      const models = await fitOnQueue(records, { seed: 1, restarts: 1 }, { redis: url, queue, groupBy: 'hardware' });
      expect(models.map((m) => m.group)).toEqual(['H100-SXM5-80GB', 'B200-SXM-180GB']);
      const h100 = fitEnergyModel(records.filter((r) => r.hardware === 'H100-SXM5-80GB'), { seed: 1, restarts: 1 });
      const value = (m: { parameters: { name: string; value: number }[] }) => m.parameters.map((p) => `${p.name}=${p.value}`);
      expect(value(models[0].model)).toEqual(value(h100));
    });

    it('a failing job comes back with its error code', async () => {
      await expect(discoverOnQueue(records.slice(0, 10), { targets: ['energy'] }, { redis: url, queue }))
        .rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/^discovery: .*unknown target "energy"/) });
    });
  });
});
