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
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { equationSearch } from '../dist/index.js';
import { PoolRunner } from '../dist/sr/runtime.js';
import { nguyen5Search } from './nguyen5.mjs';
import { BullMQRunner } from '../dist/distributed/index.js';
import { runEnvironment } from './run-environment.mjs';

const quick = process.argv.includes('--quick');
const generations = quick ? 160 : 320;
const reps = quick ? 2 : 3;
const counts = [1, 2, 4];
const CLI = fileURLToPath(new URL('../bin/energylens.js', import.meta.url));

// the same search as bench:search
const { data, options } = nguyen5Search(generations);

const freePort = () => new Promise((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });

async function startRedis() {
  if (process.env.BENCH_REDIS) return { url: process.env.BENCH_REDIS, pid: null, stop: async () => {} };
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => { out += d; if (/Ready to accept connections/.test(out)) resolve(); });
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}); install it (apt-get install redis-server) or set BENCH_REDIS`)));
  });
  return { url: `redis://127.0.0.1:${port}`, pid: proc.pid, stop: async () => { proc.kill('SIGTERM'); await new Promise((r) => proc.once('exit', r)); } };
}

function startWorkers(url, queue, k) {
  const procs = Array.from({ length: k }, () => spawn(process.execPath, [CLI, 'worker', '--redis', url, '--queue', queue, '--json'], { stdio: ['ignore', 'pipe', 'ignore'] }));
  const ready = Promise.all(procs.map((p) => new Promise((resolve, reject) => {
    let out = '';
    p.stdout.on('data', (d) => { out += d; if (out.includes('"event":"ready"')) resolve(); });
    p.once('exit', (code) => reject(new Error(`worker exited (${code})`)));
  })));
  const stop = async () => { await Promise.all(procs.map((p) => { p.kill('SIGTERM'); return new Promise((r) => p.once('exit', r)); })); };
  return { ready, stop, pids: procs.map((p) => p.pid) };
}

// CPU seconds a process has used (Linux /proc; null elsewhere)
const clockTicks = 100;
function cpuSecondsOf(pid) {
  try { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / clockTicks; } catch { return null; }
}
const cpuSum = (pids) => { const xs = pids.map(cpuSecondsOf); return xs.some((x) => x === null) ? null : xs.reduce((a, b) => a + b, 0); };

async function measure(runner, pids = { redis: [], workers: [] }) {
  const head0 = process.cpuUsage();
  const redis0 = cpuSum(pids.redis);
  const workers0 = cpuSum(pids.workers);
  const t0 = performance.now();
  const res = await equationSearch(data, options, { runner });
  const seconds = (performance.now() - t0) / 1000;
  const head = process.cpuUsage(head0);
  const redis1 = cpuSum(pids.redis);
  const workers1 = cpuSum(pids.workers);
  return {
    evaluations: res.evaluations, seconds, bestLoss: res.best?.loss ?? null,
    cpuSeconds: { head: round((head.user + head.system) / 1e6), redis: redis0 === null ? null : round(redis1 - redis0), workers: workers0 === null ? null : round(workers1 - workers0) },
  };
}

const round = (v, d = 3) => Number(v.toFixed(d));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rates = (runs) => runs.map((r) => r.evaluations / r.seconds);

const redis = await startRedis();
const load0 = os.loadavg()[0];
const results = [];
const outcomes = new Set();
try {
  const onlyCounts = process.env.BENCH_WORKERS ? process.env.BENCH_WORKERS.split(',').map(Number) : counts;
  for (const k of onlyCounts) {
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
        runs.distributed.push(await measure(remote, { redis: redis.pid ? [redis.pid] : [], workers: workers.pids }));
      }
      for (const r of [...runs.local, ...runs.distributed]) outcomes.add(`${r.evaluations}:${r.bestLoss}`);
      const best = { local: Math.max(...rates(runs.local)), distributed: Math.max(...rates(runs.distributed)) };
      const med = { local: median(rates(runs.local)), distributed: median(rates(runs.distributed)) };
      results.push({
        workers: k, evaluations: runs.local[0].evaluations,
        distributed: {
          evaluationsPerSecBest: Math.round(best.distributed), evaluationsPerSecMedian: Math.round(med.distributed), secondsPerRun: runs.distributed.map((r) => round(r.seconds)),
          // CPU seconds per run of the head process, redis-server and the workers: on one 2-core machine the head and
          // Redis take CPU the workers would otherwise have (on a cluster they run elsewhere)
          cpuSecondsPerRun: runs.distributed.map((r) => r.cpuSeconds),
        },
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

const { commit, node, cpu, cores } = runEnvironment();
process.stdout.write(`${JSON.stringify({
  bench: 'distributed', commit, node, cpu, cores,
  loadAverageBefore: round(load0, 2), loadAverageAfter: round(os.loadavg()[0], 2),
  problem: 'Nguyen-5 sin(x^2) cos(x) - 1, 100 rows, seed 5', options, quick, reps,
  redis: process.env.BENCH_REDIS ? 'BENCH_REDIS' : 'redis-server started by the bench on loopback',
  results,
  target: 'overheadPercent < 15 at every worker count',
  sameResultEverywhere: outcomes.size === 1,
}, null, 2)}\n`);
