// npm run bench:distributed: the search of bench:search with its islands on 1, 2 and 4 `energylens worker` processes
// through BullMQ on a local Redis, against the same search on a local piscina pool with as many threads. One JSON
// object on stdout: evaluations per second of both, and the overhead of the queue (1 - distributed / local).
//
// Every configuration does exactly the same evaluations (same seed, generation-synchronised migration; checked:
// sameResultEverywhere); only the time differs. Runs alternate local and distributed, `reps` times each, after a
// warm-up; the best repetition is the least disturbed by other processes. BENCH_REDIS=redis://... uses that Redis;
// otherwise the bench starts redis-server on a free loopback port and stops it at the end.
//
// Flags: --quick (fewer generations and repetitions).
import os from 'node:os';
import { execSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { equationSearch, PoolRunner } from '../dist/index.js';
import { nguyen5Search } from './nguyen5.mjs';
import { BullMQRunner } from '../dist/distributed/index.js';

const quick = process.argv.includes('--quick');
const generations = quick ? 160 : 320;
const reps = quick ? 2 : 3;
const counts = [1, 2, 4];
const CLI = fileURLToPath(new URL('../bin/energylens.js', import.meta.url));

// the same search as bench:search
const { data, options } = nguyen5Search(generations);

const freePort = () => new Promise((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });

async function startRedis() {
  if (process.env.BENCH_REDIS) return { url: process.env.BENCH_REDIS, stop: async () => {} };
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => { out += d; if (/Ready to accept connections/.test(out)) resolve(); });
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}); install it (apt-get install redis-server) or set BENCH_REDIS`)));
  });
  return { url: `redis://127.0.0.1:${port}`, stop: async () => { proc.kill('SIGTERM'); await new Promise((r) => proc.once('exit', r)); } };
}

function startWorkers(url, queue, k) {
  const procs = Array.from({ length: k }, () => spawn(process.execPath, [CLI, 'worker', '--redis', url, '--queue', queue, '--json'], { stdio: ['ignore', 'pipe', 'ignore'] }));
  const ready = Promise.all(procs.map((p) => new Promise((resolve, reject) => {
    let out = '';
    p.stdout.on('data', (d) => { out += d; if (out.includes('"event":"ready"')) resolve(); });
    p.once('exit', (code) => reject(new Error(`worker exited (${code})`)));
  })));
  const stop = async () => { await Promise.all(procs.map((p) => { p.kill('SIGTERM'); return new Promise((r) => p.once('exit', r)); })); };
  return { ready, stop };
}

async function measure(runner) {
  const t0 = performance.now();
  const res = await equationSearch(data, options, { runner });
  const seconds = (performance.now() - t0) / 1000;
  return { evaluations: res.evaluations, seconds, bestLoss: res.best?.loss ?? null };
}

const round = (v, d = 3) => Number(v.toFixed(d));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rates = (runs) => runs.map((r) => r.evaluations / r.seconds);

const redis = await startRedis();
const load0 = os.loadavg()[0];
const results = [];
const outcomes = new Set();
try {
  for (const k of counts) {
    const queue = `bench-${process.pid}-${k}`;
    const workers = startWorkers(redis.url, queue, k);
    await workers.ready;
    const local = new PoolRunner({ workers: k });
    const remote = new BullMQRunner({ redis: redis.url, queue });
    try {
      // warm-up: pool start, WASM compile, datasets cached by the workers
      for (const runner of [local, remote]) await equationSearch(data, { ...options, maxGenerations: options.generationsPerCycle }, { runner });
      const runs = { local: [], distributed: [] };
      for (let rep = 0; rep < reps; rep++) {
        runs.local.push(await measure(local));
        runs.distributed.push(await measure(remote));
      }
      for (const r of [...runs.local, ...runs.distributed]) outcomes.add(`${r.evaluations}:${r.bestLoss}`);
      const best = { local: Math.max(...rates(runs.local)), distributed: Math.max(...rates(runs.distributed)) };
      const med = { local: median(rates(runs.local)), distributed: median(rates(runs.distributed)) };
      results.push({
        workers: k, evaluations: runs.local[0].evaluations,
        distributed: { evaluationsPerSecBest: Math.round(best.distributed), evaluationsPerSecMedian: Math.round(med.distributed), secondsPerRun: runs.distributed.map((r) => round(r.seconds)) },
        localThreads: { evaluationsPerSecBest: Math.round(best.local), evaluationsPerSecMedian: Math.round(med.local), secondsPerRun: runs.local.map((r) => round(r.seconds)) },
        overheadPercent: round(100 * (1 - best.distributed / best.local), 1),
        overheadPercentMedian: round(100 * (1 - med.distributed / med.local), 1),
      });
    } finally {
      await remote.close();
      await local.close();
      await workers.stop();
    }
  }
} finally {
  await redis.stop();
}

let commit = 'unknown';
try { commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { /* not a checkout */ }
process.stdout.write(`${JSON.stringify({
  bench: 'distributed', commit, node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length,
  loadAverageBefore: round(load0, 2), loadAverageAfter: round(os.loadavg()[0], 2),
  problem: 'Nguyen-5 sin(x^2) cos(x) - 1, 100 rows, seed 5', options, quick, reps,
  redis: process.env.BENCH_REDIS ? 'BENCH_REDIS' : 'redis-server started by the bench on loopback',
  results,
  target: 'overheadPercent < 15 at every worker count',
  sameResultEverywhere: outcomes.size === 1,
}, null, 2)}\n`);
