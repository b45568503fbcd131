// Faults around Redis itself, on a redis-server of the test's own (needs the build, `redis-server`, and
// ENERGYLENS_TEST_REDIS set, as in CI): a restart mid-run that loses every key, and passwords.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMQRunner, JobClient, startWorker, type DistributedEvent } from '../../src/distributed/index.js';
import { createRng, equationSearch, toInfix, type Dataset, type SearchResult } from '../../src/sr/index.js';
import { BUILT, freeServerPort, HAS_REDIS_SERVER, OwnRedis, REDIS_URL, SKIP_REASON, spawnWorker, type WorkerProcess } from './distributed-helpers.js';

const skip = !REDIS_URL || !BUILT || !HAS_REDIS_SERVER;
const reason = HAS_REDIS_SERVER ? SKIP_REASON : 'redis-server is not installed';

const rng = createRng(8);
const n = 40;
const data: Dataset = { X: new Float64Array(n), y: new Float64Array(n), nFeatures: 1, nRows: n };
for (let r = 0; r < n; r++) { data.X[r] = 3 * rng.next(); data.y[r] = Math.exp(-data.X[r]) * data.X[r]; }
const options = { populations: 4, populationSize: 24, generationsPerCycle: 8, maxGenerations: 48, maxTime: null, seed: 12, stopOnExact: false };
const summary = (r: SearchResult) => ({ evaluations: r.evaluations, front: r.front.map((m) => `${m.complexity} ${m.loss} ${toInfix(m.tree)}`) });

describe.skipIf(skip)(`Redis faults${skip ? ` (skipped: ${reason})` : ''}`, () => {
  let redis: OwnRedis;
  beforeAll(async () => {
    redis = new OwnRedis(await freeServerPort(), ['--requirepass', 'test-secret']);
    await redis.start();
  });
  afterAll(async () => { await redis?.stop(); });

  it('survives a Redis restart mid-run that loses the jobs and the dataset: same result as a local run', async () => {
    const url = `redis://:test-secret@127.0.0.1:${redis.port}`;
    const procs: WorkerProcess[] = [spawnWorker(url, 'restart'), spawnWorker(url, 'restart')];
    const events: DistributedEvent[] = [];
    const runner = new BullMQRunner({ redis: url, queue: 'restart', pollSeconds: 0.5, onEvent: (e) => events.push(e) });
    try {
      await Promise.all(procs.map((p) => p.ready));
      let restarted: Promise<void> | undefined;
      // a restart that fails, or a run that does not end, fails the test at once with what happened (not a timeout)
      let abort: (e: Error) => void = () => undefined;
      const aborted = new Promise<never>((_, reject) => { abort = reject; });
      aborted.catch(() => undefined); // observed through the race below
      const diagnosis = (): string => `head events ${JSON.stringify(events)}; worker lines ${JSON.stringify(procs.map((w) => w.lines.slice(-12)))}`;
      const deadline = setTimeout(() => abort(new Error(`the run did not end within 150 s: ${diagnosis()}`)), 150_000);
      const search = equationSearch(data, options, {
        runner,
        onProgress: (p) => {
          // after the second cycle, restart Redis as soon as a worker has taken a job of the third
          if (p.generations !== 16 || restarted) return;
          const done = procs.map((w) => w.lines.length);
          restarted = Promise.race(procs.map((w, i) => w.waitFor((l) => l.event === 'active' && w.lines.indexOf(l) >= done[i])))
            .then(async () => { await redis.stop(); await new Promise((r) => setTimeout(r, 300)); await redis.start(); });
          restarted.catch((err: unknown) => abort(new Error(`the Redis restart failed: ${String(err)}; ${diagnosis()}`)));
        },
      });
      search.catch(() => undefined); // observed through the race below
      const res = await Promise.race([search, aborted]).finally(() => clearTimeout(deadline));
      await restarted;
      expect(summary(res)).toEqual(summary(await equationSearch(data, options)));
      expect(events.some((e) => e.type === 'redis-lost')).toBe(true);
      // each lost job is submitted again once, however many polls passed while Redis was away
      const resubmitted = events.filter((e) => e.type === 'job-resubmitted').map((e) => e.jobId);
      expect(new Set(resubmitted).size).toBe(resubmitted.length);
      expect(res.islands).toHaveLength(4);
    } finally {
      await runner.close();
      await Promise.all(procs.map((p) => p.stop()));
    }
  });

  it('a wrong or missing password is a clear REDIS_UNAVAILABLE at start', async () => {
    await expect(startWorker({ redis: `redis://:wrong@127.0.0.1:${redis.port}` })).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE', message: expect.stringMatching(/authentication failed|WRONGPASS/) });
    const runner = new BullMQRunner({ redis: `redis://127.0.0.1:${redis.port}` });
    try {
      await expect(runner.connect()).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE', message: expect.stringMatching(/needs a password|NOAUTH/) });
    } finally {
      await runner.close();
    }
  });

  it('a Redis that holds the connection but stops answering is reported, and its return too', async () => {
    const url = `redis://:test-secret@127.0.0.1:${redis.port}`;
    const events: DistributedEvent[] = [];
    // waits for an event, failing after 10 s with the events so far
    const seen = (type: string): Promise<void> => new Promise((resolve, reject) => {
      const began = Date.now();
      const timer = setInterval(() => {
        if (events.some((e) => e.type === type)) { clearInterval(timer); resolve(); }
        else if (Date.now() - began > 10_000) { clearInterval(timer); reject(new Error(`no ${type} within 10 s: ${JSON.stringify(events)}`)); }
      }, 50);
    });
    const client = new JobClient({ redis: url, queue: 'silence', pollSeconds: 0.2, silenceSeconds: 1, onEvent: (e) => events.push(e) });
    let stopped = false;
    try {
      // a job no worker takes: the head keeps looking at it
      const pending = client.submit([{ name: 'island', data: { probe: Date.now() }, label: 'probe', check: (v) => v }]);
      pending.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
      expect(events).toEqual([]);
      redis.signal('SIGSTOP');
      stopped = true;
      await seen('redis-lost');
      expect(events[0].reason).toMatch(/has not answered for [12] s/);
      redis.signal('SIGCONT');
      stopped = false;
      await seen('redis-back');
      expect(events.map((e) => e.type)).toEqual(['redis-lost', 'redis-back']);
      await client.close();
      await expect(pending).rejects.toMatchObject({ code: 'WORKER_FAILED' });
    } finally {
      if (stopped) redis.signal('SIGCONT');
      await client.close();
    }
  });
});
