// A/B of builds in one process, runs interleaved, rates per CPU second: on a loaded machine the only fair way to
// compare two commits (separate runs minutes apart see different loads).
//
//   node --expose-gc bench/ab.mjs eval   DIST_A DIST_B ...   bench:eval's arith and mixed workloads, losses() calls
//   node --expose-gc bench/ab.mjs search DIST_A DIST_B ...   bench:search's in-process search, maxGenerations 80
//
// Each DIST is a built checkout's dist/ folder (its WASM kernel is read from ../build/release.wasm beside it), e.g.
// `git worktree add --detach /tmp/old <commit> && (cd /tmp/old && npm ci && npm run build)`, then /tmp/old/dist.
// Env: REPS (search runs per build, default 4), SAMPLES (eval samples per build, default 30), ROWS, KINDS,
// PRECISIONS (eval: 'f64', 'f32' or 'f64,f32'; each build is measured at each, default f64).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { workload } from './workloads.mjs';
import { nguyen5Search } from './nguyen5.mjs';

const [mode, ...dists] = process.argv.slice(2);
if (!['eval', 'search'].includes(mode) || dists.length === 0) {
  process.stderr.write('usage: node --expose-gc bench/ab.mjs eval|search DIST [DIST ...]\n');
  process.exit(2);
}
const url = (dist, file) => pathToFileURL(resolve(dist, file)).href;
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = { mode, dists, results: [] };

if (mode === 'eval') {
  const evs = [];
  const labels = [];
  const precisions = (process.env.PRECISIONS ?? 'f64').split(',');
  for (const d of dists) {
    const { createWasmEvaluator } = await import(url(d, 'sr/eval/wasm-kernel.js'));
    for (const precision of precisions) { evs.push(createWasmEvaluator({ precision })); labels.push(`${d} ${precision}`); }
  }
  out.evaluators = labels;
  const samples = Number(process.env.SAMPLES ?? 30);
  for (const kind of (process.env.KINDS ?? 'arith,mixed').split(',')) {
    for (const rows of (process.env.ROWS ?? '1000,10000').split(',').map(Number)) {
      const w = workload({ kind, rows, seed: 20261124, accept: (p, d) => { evs[0].setDataset(d); return Number.isFinite(evs[0].losses([p], 'mse')[0]); } });
      for (const ev of evs) ev.setDataset(w.data);
      // bit-identical losses: each build against the first build at the same precision
      const sameLosses = evs.map((ev, k) => { const ref = evs[k % precisions.length].losses(w.programs, 'mse'); return ev.losses(w.programs, 'mse').every((v, i) => Object.is(v, ref[i])); });
      const reps = Math.max(3, Math.round(10000 / rows));
      const best = evs.map(() => Infinity);
      for (let s = 0; s < samples; s++) {
        evs.forEach((ev, k) => {
          const t0 = cpuMs();
          for (let i = 0; i < reps; i++) ev.losses(w.programs, 'mse');
          best[k] = Math.min(best[k], (cpuMs() - t0) / reps);
        });
      }
      out.results.push({ kind, rows, nodeRowsPerCpuSec: best.map((ms) => Math.round((w.totalNodes * rows * 1000) / ms)), sameLosses });
    }
  }
} else {
  const { data, options } = nguyen5Search(80);
  const runs = [];
  for (const d of dists) {
    const m = await import(url(d, 'index.js'));
    const rt = await import(url(d, 'sr/runtime.js')).catch(() => m);
    // an older build that does not know an option (BENCH_OPTIONS '{"linearScaling":false}' before it existed) runs
    // without it, and the output says so
    const opts = { ...options };
    const dropped = [];
    for (;;) {
      try { await m.equationSearch(data, { ...opts, maxGenerations: opts.generationsPerCycle }); break; } catch (err) {
        const unknown = /unknown option "(\w+)"/.exec(err?.message ?? '')?.[1];
        if (!unknown || !(unknown in opts)) throw err;
        delete opts[unknown];
        dropped.push(unknown);
      }
    }
    runs.push({ equationSearch: m.equationSearch, InProcessRunner: rt.InProcessRunner ?? m.InProcessRunner, options: opts, dropped, rates: [] });
  }
  const reps = Number(process.env.REPS ?? 4);
  for (let r = -1; r < reps; r++) { // r = -1: warm-up
    for (const run of runs) {
      globalThis.gc?.();
      const t0 = cpuMs();
      const res = await run.equationSearch(data, run.options, { runner: new run.InProcessRunner() });
      const ms = cpuMs() - t0;
      if (r >= 0) run.rates.push((res.evaluations * 1000) / ms);
      run.result = { evaluations: res.evaluations, bestLoss: res.best?.loss ?? null };
    }
  }
  for (const run of runs) {
    out.results.push({ ...run.result, droppedOptions: run.dropped, evaluationsPerCpuSecBest: Math.round(Math.max(...run.rates)), evaluationsPerCpuSecMedian: Math.round(median(run.rates)), all: run.rates.map(Math.round) });
  }
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
