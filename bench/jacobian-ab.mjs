// The Jacobian of built checkouts, in one process, interleaved (node-rows x constants per CPU second, best of 10
// samples), on bench:eval's workloads with constants, and whether each build's predictions and Jacobian equal the
// first build's bit for bit:
//   node bench/jacobian-ab.mjs DIST_A DIST_B ...      (each DIST a built checkout's dist/, as for bench/ab.mjs)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { workload } from './workloads.mjs';

const dists = process.argv.slice(2);
if (dists.length === 0) { process.stderr.write('usage: node bench/jacobian-ab.mjs DIST [DIST ...]\n'); process.exit(2); }
const evs = [];
for (const d of dists) evs.push((await import(pathToFileURL(resolve(d, 'sr/eval/wasm-kernel.js')).href)).createWasmEvaluator({}));
const out = [];
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
for (const kind of ['arith', 'mixed']) for (const rows of [100, 1000]) {
  const w = workload({ kind, rows, seed: 20261124, accept: (p, d) => { evs[0].setDataset(d); return Number.isFinite(evs[0].losses([p], 'mse')[0]); } });
  const ps = w.programs.filter((p) => p.consts.length > 0);
  for (const ev of evs) ev.setDataset(w.data);
  const same = evs.map((ev) => ps.every((p) => { const a = evs[0].jacobian(p), b = ev.jacobian(p); return a.finite === b.finite && a.jac.every((v, i) => Object.is(v, b.jac[i])) && a.predictions.every((v, i) => Object.is(v, b.predictions[i])); }));
  const work = ps.reduce((s, p) => s + p.length * p.consts.length, 0) * rows;
  const best = evs.map(() => Infinity);
  const reps = Math.max(2, Math.round(20000 / rows));
  for (let s = 0; s < 10; s++) evs.forEach((ev, k) => { const t0 = cpu(); for (let i = 0; i < reps; i++) for (const p of ps) ev.jacobian(p); best[k] = Math.min(best[k], (cpu() - t0) / reps); });
  out.push({ kind, rows, nodeRowConstsPerCpuSec: best.map((ms) => Math.round((work * 1000) / ms)), sameAsFirst: same });
}
process.stdout.write(`${JSON.stringify({ dists, results: out }, null, 2)}\n`);
