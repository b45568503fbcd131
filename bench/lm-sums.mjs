// Levenberg-Marquardt's per-step kernel calls (normalEquationsInto, sumOfSquaresOf) of built checkouts, in one
// process, interleaved, microseconds per call per CPU time (best sample):
//   node bench/lm-sums.mjs DIST_A DIST_B ...      (each DIST a built checkout's dist/, as for bench/ab.mjs)
// Env: ROWS (default 100, the search benchmark's), SAMPLES (default 20), CALLS per sample (default 20000).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseExpression } from '../dist/index.js';
import { compile } from '../dist/sr/expression/compile.js';

const dists = process.argv.slice(2);
if (dists.length === 0) { process.stderr.write('usage: node bench/lm-sums.mjs DIST [DIST ...]\n'); process.exit(2); }
const evs = [];
for (const d of dists) evs.push((await import(pathToFileURL(resolve(d, 'sr/eval/wasm-kernel.js')).href)).createWasmEvaluator({}));
const n = Number(process.env.ROWS ?? 100);
const X = new Float64Array(2 * n);
const y = new Float64Array(n);
for (let i = 0; i < n; i++) { X[i] = Math.sin(i); X[n + i] = 1 + Math.cos(i) ** 2; y[i] = 2 * X[i] + X[n + i]; }
for (const ev of evs) ev.setDataset({ X, y, nFeatures: 2, nRows: n });
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const samples = Number(process.env.SAMPLES ?? 20);
const calls = Number(process.env.CALLS ?? 20000);
const out = { dists, rows: n, results: [] };
for (const expr of ['1.3 * x0 + 0.2', '2.1 / (x1 + 0.4) - exp(0.3 * x0) * 0.9 + 0.1 * x1']) {
  const p = compile(parseExpression(expr));
  const nC = p.consts.length;
  const A = new Array(nC * nC).fill(0);
  const g = new Array(nC).fill(0);
  for (const [name, call] of [['normalEquationsInto', (ev) => ev.normalEquationsInto(p, y, A, g)], ['sumOfSquaresOf', (ev) => ev.sumOfSquaresOf(p, y)]]) {
    const best = evs.map(() => Infinity);
    for (let s = 0; s < samples; s++) {
      evs.forEach((ev, k) => {
        const t0 = cpuMs();
        for (let i = 0; i < calls; i++) call(ev);
        best[k] = Math.min(best[k], ((cpuMs() - t0) * 1000) / calls);
      });
    }
    out.results.push({ expression: expr, constants: nC, call: name, microsecondsPerCall: best.map((v) => Number(v.toFixed(3))) });
  }
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
