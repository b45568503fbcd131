// npm run bench:search — search throughput (evaluations per second) with 1 and 2 worker threads on a fixed
// seeded problem, and in-process; one JSON object on stdout.
import os from 'node:os';
import { execSync } from 'node:child_process';
import { equationSearch, PoolRunner } from '../dist/sr/index.js';
import { createRng } from '../dist/sr/util/rng.js';

const quick = process.argv.includes('--quick');
const generations = quick ? 200 : 1200;

// Nguyen-5 style problem: sin(x^2) cos(x) - 1, 100 rows, with islands enough for 2 workers
const rng = createRng(11);
const n = 100;
const X = new Float64Array(n);
const y = new Float64Array(n);
for (let r = 0; r < n; r++) { const x = 2 * rng.next() - 1; X[r] = x; y[r] = Math.sin(x * x) * Math.cos(x) - 1; }
const data = { X, y, nFeatures: 1, nRows: n };
const options = { seed: 5, populations: 8, maxGenerations: generations, maxTime: null, generationsPerCycle: Number(process.env.GPC || 20) };

async function run(label, runner) {
  // warm-up: start the workers and compile the kernel outside the measured run
  if (runner) await equationSearch(data, { ...options, maxGenerations: 20 }, { runner });
  const t0 = performance.now();
  const res = await equationSearch(data, options, { runner });
  const seconds = (performance.now() - t0) / 1000;
  if (runner) await runner.close();
  return { name: label, evaluations: res.evaluations, seconds: Number(seconds.toFixed(3)), evaluationsPerSec: Math.round(res.evaluations / seconds), bestLoss: res.best?.loss ?? null };
}

const results = [];
results.push(await run('in-process', undefined));
results.push(await run('workers-1', new PoolRunner({ workers: 1 })));
results.push(await run('workers-2', new PoolRunner({ workers: 2 })));
const rate = (name) => results.find((r) => r.name === name).evaluationsPerSec;
let commit = 'unknown';
try { commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { /* not a checkout */ }
process.stdout.write(`${JSON.stringify({
  commit, node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length,
  problem: 'sin(x^2) cos(x) - 1, 100 rows', populations: options.populations, generations, quick,
  results,
  speedup2over1: Number((rate('workers-2') / rate('workers-1')).toFixed(2)),
  sameResultEverywhere: new Set(results.map((r) => `${r.evaluations}:${r.bestLoss}`)).size === 1,
}, null, 2)}\n`);
