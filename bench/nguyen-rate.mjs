// Search throughput at small row counts, and proof that two builds search alike: bench:recovery's Nguyen problems
// (20 rows) at a fixed evaluation budget, each build's SymbolicRegressor run in turn (alternating, REPS times) in
// this process. One JSON object on stdout.
//
//   node bench/nguyen-rate.mjs DIST_A [DIST_B ...]
//
// Each DIST is a built checkout's dist/ folder (its workers and kernel are its own). Env: PROBLEMS (default
// Nguyen-7,Nguyen-12), SEEDS (default 1), WORKERS (default 1,2; 0 runs the islands in this thread), EVALS
// (maxEvaluations, strict; default 500000), REPS (default 3), BENCH_OPTIONS (JSON, more search options).
//
// Per problem, seed and worker count: each build's evaluations per wall second of the search and per CPU second
// of the process (all threads) until the search's last progress report, best and median over the repetitions, and `same`: whether every build and repetition gave the
// same run (evaluations, generations, the front's expressions and losses to the bit). Throughput work must keep
// `same` true.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dataDir, haveData, nguyenProblems, problemData, recoveryOptions } from './nguyen-problems.mjs';
import { runEnvironment } from './run-environment.mjs';

const dists = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (dists.length === 0) {
  process.stderr.write('usage: node bench/nguyen-rate.mjs DIST [DIST ...]\n');
  process.exit(2);
}
if (!haveData()) {
  process.stdout.write(`${JSON.stringify({ skipped: `missing ${dataDir}` })}\n`);
  process.exit(0);
}
const list = (name, fallback) => (process.env[name] ?? fallback).split(',').filter(Boolean);
const problems = nguyenProblems(list('PROBLEMS', 'Nguyen-7,Nguyen-12'));
const seeds = list('SEEDS', '1').map(Number);
const workerCounts = list('WORKERS', '1,2').map(Number);
const evals = Number(process.env.EVALS ?? 500000);
const reps = Number(process.env.REPS ?? 3);
const extra = process.env.BENCH_OPTIONS ? JSON.parse(process.env.BENCH_OPTIONS) : {};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const builds = [];
for (const d of dists) builds.push((await import(pathToFileURL(resolve(d, 'index.js')).href)).SymbolicRegressor);

async function runOnce(SymbolicRegressor, problem, data, seed, workers) {
  const options = { ...recoveryOptions(problem, { seed, variance: data.variance, budget: null }), workers, maxEvaluations: evals, strictEvaluationBudget: true, ...extra };
  // CPU time of the search alone (all threads): to its last progress report, before the front is simplified
  const cpu0 = process.cpuUsage();
  let cpu = cpu0;
  const onProgress = () => { cpu = process.cpuUsage(cpu0); };
  const model = await new SymbolicRegressor({ ...options, onProgress }).fit(data.Xtrain, data.ytrain, { featureNames: problem.names });
  const r = model.result;
  // the whole front, losses to the bit: two builds that search alike agree on all of it
  const front = model.equations().map((e) => `${e.complexity} ${e.expression} ${e.loss.toString()}`);
  const fingerprint = JSON.stringify({ evaluations: r.evaluations, generations: r.generations, stoppedBy: r.stoppedBy, front });
  return { evaluations: r.evaluations, generations: r.generations, seconds: r.seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, best: model.best()?.expression ?? null, bestLoss: model.best()?.loss ?? null, fingerprint };
}

const results = [];
for (const problem of problems) {
  for (const seed of seeds) {
    const data = problemData(problem, seed);
    for (const workers of workerCounts) {
      const runs = builds.map(() => []);
      for (let r = -1; r < reps; r++) { // r = -1: warm-up (compile, pool start), not counted
        // alternate the order too, so neither build always runs first
        const order = builds.map((_, k) => k);
        if (r % 2 === 1) order.reverse();
        for (const k of order) {
          const run = await runOnce(builds[k], problem, data, seed, workers);
          if (r >= 0) runs[k].push(run);
        }
      }
      const fingerprints = new Set(runs.flat().map((x) => x.fingerprint));
      const first = runs[0][0];
      const row = {
        problem: problem.p.name, seed, workers, evaluations: first.evaluations, generations: first.generations, best: first.best, bestLoss: first.bestLoss,
        same: fingerprints.size === 1,
        builds: runs.map((rs, k) => ({
          dist: dists[k],
          evaluationsPerSecBest: Math.round(Math.max(...rs.map((x) => x.evaluations / x.seconds))),
          evaluationsPerSecMedian: Math.round(median(rs.map((x) => x.evaluations / x.seconds))),
          evaluationsPerCpuSecBest: Math.round(Math.max(...rs.map((x) => x.evaluations / x.cpuSeconds))),
          evaluationsPerCpuSecMedian: Math.round(median(rs.map((x) => x.evaluations / x.cpuSeconds))),
          seconds: rs.map((x) => Number(x.seconds.toFixed(2))),
        })),
      };
      if (!row.same) row.differing = [...fingerprints];
      results.push(row);
      process.stderr.write(`${row.problem} seed ${seed} workers ${workers}: ${row.evaluations} evaluations, same ${row.same}; ${row.builds.map((b) => `${b.evaluationsPerSecMedian}/s (${b.evaluationsPerCpuSecMedian}/cpu s)`).join(' vs ')}\n`);
    }
  }
}
const { commit, node, cpu, cores } = runEnvironment();
process.stdout.write(`${JSON.stringify({ commit, node, cpu, cores, dists, evals, reps, results }, null, 2)}\n`);
