// npm run bench:eval — expression evaluation throughput, one thread, printed as one JSON object.
// node-rows per second = (nodes of all trees) x rows x (evaluations of the whole batch per CPU second).
import { createWasmEvaluator } from '../dist/sr/eval/wasm-kernel.js';
import { compileColumnClosures, compileGenerated, evalTreeNaive } from '../dist/sr/eval/js-evaluators.js';
import { workload } from './workloads.mjs';
import { handWrittenLoop } from './hand-loop.mjs';
import { runEnvironment } from './run-environment.mjs';

const quick = process.argv.includes('--quick');
const samples = quick ? 5 : 15;

/**
 * Calls of fn per CPU second of this thread (process.cpuUsage: user + system), the best of `samples` samples of
 * at least 20 ms each, after a warm-up. CPU time, not wall time: on a shared machine a descheduled thread does no
 * work, and the wall clock then measures the other processes (a load average of 100 on 2 cores swung wall-time
 * figures 7x within a minute, CPU-time figures by under 10 %).
 */
async function measure(name, fn) {
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  // the garbage of earlier measurements would be collected (on V8's threads, counted in this process's CPU time) here
  globalThis.gc?.();
  let reps = 1;
  for (;;) { // warm-up, and the repetitions that make a sample last 20 ms
    const t0 = cpuMs();
    for (let i = 0; i < reps; i++) fn();
    const ms = cpuMs() - t0;
    if (ms >= 20) break;
    reps = Math.max(reps * 2, Math.ceil((reps * 25) / Math.max(ms, 0.5)));
  }
  let best = 0;
  for (let s = 0; s < samples; s++) {
    const t0 = cpuMs();
    for (let i = 0; i < reps; i++) fn();
    best = Math.max(best, (reps * 1000) / (cpuMs() - t0));
  }
  process.stderr.write(`${name}: ${best.toPrecision(4)} calls per CPU second\n`);
  return best;
}

const results = [];
const simdEvaluator = createWasmEvaluator({ simd: true });
const scalarEvaluator = createWasmEvaluator({ simd: false });
const f32Evaluator = createWasmEvaluator({ precision: 'f32' });

for (const kind of ['arith', 'mixed']) {
  for (const rows of [1000, 10000]) {
    const w = workload({
      kind, rows, seed: 20261124,
      accept: (p, data) => { simdEvaluator.setDataset(data); return Number.isFinite(simdEvaluator.losses([p], 'mse')[0]); },
    });
    const { data, trees, programs, totalNodes } = w;
    const shape = { workload: kind, trees: trees.length, nodesPerTree: totalNodes / trees.length, rows, features: data.nFeatures, transcendentalFraction: Number(w.transcendentalFraction.toFixed(3)) };
    const perBatch = totalNodes * rows;
    const add = (name, opsPerSec, extra = {}) => results.push({ name, ...shape, nodeRowsPerSec: Math.round(opsPerSec * perBatch), ...extra });

    for (const [name, ev] of [['wasm-simd', simdEvaluator], ['wasm-simd-f32', f32Evaluator], ['wasm-scalar', scalarEvaluator]]) {
      const t0 = performance.now();
      ev.setDataset(data);
      ev.losses(programs, 'mse');
      const coldMs = performance.now() - t0;
      const ops = await measure(`${name} ${kind} ${rows}`, () => ev.losses(programs, 'mse'));
      add(name, ops, { coldMs: Number(coldMs.toFixed(3)) });
    }

    if (kind === 'arith') {
      // the ceiling: each program as its own hand-written f64x2 loop, same arithmetic, same run
      const hand = await handWrittenLoop(programs, data);
      const expected = simdEvaluator.losses(programs, 'mse');
      const got = hand.run();
      const agree = got.every((v, i) => Math.abs(v - expected[i]) <= 1e-9 * Math.abs(expected[i]));
      const ops = await measure(`hand-written-f64x2 ${kind} ${rows}`, () => hand.run());
      add('hand-written-f64x2', ops, { sameLossesAsKernel: agree });
    }

    // JS baselines: predictions plus the same mean squared error
    const mseOf = (pred) => { let s = 0; for (let r = 0; r < rows; r++) { const d = pred[r] - data.y[r]; s += d * d; } return s / rows; };
    for (const [name, compileTree] of [['js-closures', compileColumnClosures], ['js-generated', compileGenerated]]) {
      // cold: compiling every tree and evaluating it once (a search meets most expressions only a few times)
      const t0 = performance.now();
      const fns = programs.map((p) => { const f = compileTree(p); const out = new Float64Array(rows); return (X) => f(X, rows, out); });
      for (const f of fns) mseOf(f(data.X));
      const coldMs = performance.now() - t0;
      const ops = await measure(`${name} ${kind} ${rows}`, () => { let total = 0; for (const f of fns) total += mseOf(f(data.X)); return total; });
      add(name, ops, { coldMs: Number(coldMs.toFixed(3)) });
    }

    if (rows === 1000 || !quick) {
      const naiveOps = await measure(`naive ${kind} ${rows}`, () => {
        let total = 0;
        for (const t of trees) {
          let s = 0;
          for (let r = 0; r < rows; r++) { const d = evalTreeNaive(t, data.X, rows, r) - data.y[r]; s += d * d; }
          total += s / rows;
        }
        return total;
      });
      add('js-naive-tree-walker', naiveOps);
    }

    if (rows === 1000) {
      // Jacobian: forward-mode derivatives with respect to every constant of each tree
      simdEvaluator.setDataset(data);
      const withConsts = programs.filter((p) => p.consts.length > 0);
      scalarEvaluator.setDataset(data);
      for (const [name, ev] of [['wasm-jacobian', simdEvaluator], ['wasm-jacobian-scalar', scalarEvaluator]]) {
        const jacOps = await measure(`${name} ${kind} ${rows}`, () => { for (const p of withConsts) ev.jacobian(p); });
        const nodes = withConsts.reduce((s, p) => s + p.length, 0);
        const consts = withConsts.reduce((s, p) => s + p.consts.length, 0);
        results.push({
          name, ...shape, trees: withConsts.length, nodesPerTree: nodes / withConsts.length,
          constsPerTree: consts / withConsts.length, nodeRowsPerSec: Math.round(jacOps * nodes * rows),
          // every node of a tree carries one tangent per constant of the tree
          nodeRowConstsPerSec: Math.round(jacOps * rows * withConsts.reduce((s, p) => s + p.length * p.consts.length, 0)),
        });
      }
    }
  }
}

const rate = (name, workload, rows) => results.find((r) => r.name === name && r.workload === workload && r.rows === rows)?.nodeRowsPerSec;
const ratios = {};
for (const kind of ['arith', 'mixed']) {
  for (const rows of [1000, 10000]) {
    const simd = rate('wasm-simd', kind, rows);
    ratios[`${kind}-${rows}`] = {
      simdOverNaive: Number((simd / rate('js-naive-tree-walker', kind, rows)).toFixed(1)),
      simdOverClosures: Number((simd / rate('js-closures', kind, rows)).toFixed(2)),
      simdOverBestJs: Number((simd / Math.max(rate('js-closures', kind, rows), rate('js-generated', kind, rows))).toFixed(2)),
      simdOverScalar: Number((simd / rate('wasm-scalar', kind, rows)).toFixed(2)),
    };
  }
}

// issue 17's figures and targets (ratios within this run)
const jac = (kind, name = 'wasm-jacobian') => results.find((r) => r.name === name && r.workload === kind);
const arith = rate('wasm-simd', 'arith', 1000);
const mixed = rate('wasm-simd', 'mixed', 1000);
const round = (v, d = 3) => Number(v.toFixed(d));
const targets = {
  arithOverHandWritten: { value: round(arith / rate('hand-written-f64x2', 'arith', 1000)), target: '>= 0.75' },
  arithOverHandWritten10000: { value: round(rate('wasm-simd', 'arith', 10000) / rate('hand-written-f64x2', 'arith', 10000)), target: '>= 0.75' },
  mixedNodeRowsPerSec: { value: mixed, target: '>= 1.5e9' },
  mixedOverArith: { value: round(mixed / arith), target: '>= 0.40' },
  f32OverF64Arith: { value: round(rate('wasm-simd-f32', 'arith', 1000) / arith), rows10000: round(rate('wasm-simd-f32', 'arith', 10000) / rate('wasm-simd', 'arith', 10000)), target: '>= 1.8' },
  f32OverF64Mixed: { value: round(rate('wasm-simd-f32', 'mixed', 1000) / mixed), rows10000: round(rate('wasm-simd-f32', 'mixed', 10000) / rate('wasm-simd', 'mixed', 10000)) },
  jacobianNodeRowConstsPerSec: { value: jac('arith').nodeRowConstsPerSec, mixed: jac('mixed').nodeRowConstsPerSec, target: '>= 1e9' },
  jacobianSimdOverScalar: { value: round(jac('arith').nodeRowConstsPerSec / jac('arith', 'wasm-jacobian-scalar').nodeRowConstsPerSec), mixed: round(jac('mixed').nodeRowConstsPerSec / jac('mixed', 'wasm-jacobian-scalar').nodeRowConstsPerSec) },
};

process.stdout.write(`${JSON.stringify({ ...runEnvironment(), timing: 'CPU time of this thread, best sample', quick, results, ratios, targets }, null, 2)}\n`);
