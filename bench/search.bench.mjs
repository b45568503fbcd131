// npm run bench:search: search throughput (evaluations per second) with 1 and 2 worker threads on a fixed
// seeded problem, and in-process for reference. One JSON object on stdout. BENCH_OPTIONS (JSON) overrides search options.
//
// The work is deterministic (same seed, generation-synchronised migration), so every configuration does exactly
// the same evaluations; only the time differs. Configurations are measured in alternation, `reps` times each,
// after a warm-up (pool start, WASM compile): the best repetition is the least disturbed by other processes, and
// the ratio of bests is the speedup. CPU time per wall second (whole process, all threads) shows whether the
// run really had two cores: a figure well under 2 for "workers-2" means the machine was busy with other work.
//
// scheduleBound: the speedup the cycle structure allows on 2 workers, from task times measured in this thread.
// evaluationsPerCpuSecBest: evaluations per CPU second of the process (all threads), the search-level cost of an
// evaluation independent of the machine's load; compare it across commits (issue 17: >= 1.5x on one worker).
//
// Flags: --quick (fewer generations and repetitions).
import os from 'node:os';
import { equationSearch } from '../dist/index.js';
import { PoolRunner, InProcessRunner } from '../dist/sr/runtime.js';
import { nguyen5Search } from './nguyen5.mjs';
import { runEnvironment } from './run-environment.mjs';

const quick = process.argv.includes('--quick');
const generations = quick ? 160 : 320;
const reps = quick ? 2 : 5;

const { data, options } = nguyen5Search(generations);

async function measure(runner) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await equationSearch(data, options, { runner });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { evaluations: res.evaluations, seconds, cpuSeconds, cpuPerWall: cpuSeconds / seconds, bestLoss: res.best?.loss ?? null };
}

// Load-independent view of the parallel structure: time each island task in this thread, then schedule the
// tasks of every cycle on k workers in dispatch order (as piscina does). sum(task) / sum(cycle makespan) is the
// speedup the migration barrier allows (message passing excluded); the head's share is the serial remainder.
class TimedRunner {
  name = 'timed';
  cycles = [];
  constructor(inner) { this.inner = inner; }
  setDataset(d, l) { return this.inner.setDataset(d, l); }
  async run(tasks) {
    const out = [];
    const times = [];
    for (const t of tasks) { const t0 = performance.now(); out.push(...(await this.inner.run([t]))); times.push(performance.now() - t0); }
    this.cycles.push(times);
    return out;
  }
  close() { return this.inner.close(); }
}
async function scheduleBound() {
  const timed = new TimedRunner(new InProcessRunner());
  const t0 = performance.now();
  await equationSearch(data, options, { runner: timed });
  const total = performance.now() - t0;
  await timed.close();
  const makespan = (times, k) => {
    const free = new Array(k).fill(0);
    for (const t of times) { const i = free.indexOf(Math.min(...free)); free[i] += t; }
    return Math.max(...free);
  };
  const work = timed.cycles.flat().reduce((a, b) => a + b, 0);
  const span2 = timed.cycles.reduce((a, c) => a + makespan(c, 2), 0);
  return { taskSpeedup2: Number((work / span2).toFixed(2)), headShare: Number(((total - work) / total).toFixed(3)), cycles: timed.cycles.length, tasksPerCycle: timed.cycles[0].length };
}
const balance = await scheduleBound();

const configs = [
  { name: 'in-process', runner: undefined },
  { name: 'workers-1', runner: new PoolRunner({ workers: 1 }) },
  { name: 'workers-2', runner: new PoolRunner({ workers: 2 }) },
];
const load0 = os.loadavg()[0];
for (const c of configs) {
  if (c.runner) await equationSearch(data, { ...options, maxGenerations: options.generationsPerCycle }, { runner: c.runner });
  c.runs = [];
}
for (let rep = 0; rep < reps; rep++) for (const c of configs) c.runs.push(await measure(c.runner));
for (const c of configs) if (c.runner) await c.runner.close();

const round = (v, d = 3) => Number(v.toFixed(d));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = configs.map((c) => {
  const rates = c.runs.map((r) => r.evaluations / r.seconds);
  return {
    name: c.name, evaluations: c.runs[0].evaluations,
    evaluationsPerSecBest: Math.round(Math.max(...rates)), evaluationsPerSecMedian: Math.round(median(rates)),
    // per CPU second of the whole process (all threads): the work an evaluation costs, whatever else the machine runs
    evaluationsPerCpuSecBest: Math.round(Math.max(...c.runs.map((r) => r.evaluations / r.cpuSeconds))),
    secondsPerRun: c.runs.map((r) => round(r.seconds)), cpuPerWall: c.runs.map((r) => round(r.cpuPerWall, 2)),
    bestLoss: c.runs[0].bestLoss,
  };
});
const get = (name) => results.find((r) => r.name === name);
const { commit, node, cpu, cores } = runEnvironment();
process.stdout.write(`${JSON.stringify({
  bench: 'search', commit, node, cpu, cores,
  loadAverageBefore: round(load0, 2), loadAverageAfter: round(os.loadavg()[0], 2),
  problem: 'Nguyen-5 sin(x^2) cos(x) - 1, 100 rows, seed 5', options, quick, reps,
  results,
  speedup2over1: round(get('workers-2').evaluationsPerSecBest / get('workers-1').evaluationsPerSecBest, 2),
  speedup2over1Median: round(get('workers-2').evaluationsPerSecMedian / get('workers-1').evaluationsPerSecMedian, 2),
  target: 'speedup2over1 >= 1.85 (issue 17)',
  scheduleBound: balance,
  sameResultEverywhere: new Set(configs.flatMap((c) => c.runs.map((r) => `${r.evaluations}:${r.bestLoss}`))).size === 1,
}, null, 2)}\n`);
