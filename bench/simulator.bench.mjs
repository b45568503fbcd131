// npm run bench:simulator — calibration of the profiling simulator against ML.ENERGY v3, and the effects the field
// knows, measured on the simulator's own full sweeps. Prints one JSON object on stdout.
//   calibration: simulated / measured energy per output token for every configuration the simulator can express
//   batchEffect: energy per token falls with batch size
//   tpEffect:    doubling TP lowers time per output token but often raises energy per request
//   optimaDiffer: the latency-optimal and the energy-optimal (tp, pp) differ in more than 20% of scenarios
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { compareWithMeasurements, importMlEnergy, simulate, summariseRatios } from '../dist/energy/index.js';
import { runEnvironment } from './run-environment.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MLENERGY = join(here, '..', '..', 'shared', 'data', 'mlenergy-v3');
const round = (x, d = 4) => (Number.isFinite(x) ? Number(x.toFixed(d)) : x);

function summary(ratios) {
  const s = summariseRatios(ratios);
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v)]));
}

function calibration() {
  if (!existsSync(MLENERGY)) return { skipped: `${MLENERGY} not found (the shared data folder is absent)` };
  const records = importMlEnergy(MLENERGY);
  const { rows, skipped } = compareWithMeasurements(records);
  const groupBy = (key) => {
    const groups = {};
    for (const r of rows) (groups[key(r.record)] ??= []).push(r.ratio);
    return Object.fromEntries(Object.entries(groups).sort().map(([k, v]) => [k, { count: v.length, median: round(summariseRatios(v).median), within2x: round(summariseRatios(v).within2x) }]));
  };
  const reasons = {};
  for (const s of skipped) {
    const k = s.reason.replace(/[\d.]+/g, 'N');
    reasons[k] = (reasons[k] ?? 0) + 1;
  }
  const s = summariseRatios(rows.map((r) => r.ratio));
  return {
    measuredConfigurations: records.length,
    expressed: rows.length,
    notExpressed: skipped.length,
    notExpressedReasons: reasons,
    ratio: summary(rows.map((r) => r.ratio)),
    targets: { medianWithin1_5x: s.median >= 1 / 1.5 && s.median <= 1.5, atLeast80PercentWithin2x: s.within2x >= 0.8 },
    byHardware: groupBy((r) => r.hardware),
    byTask: groupBy((r) => r.workload),
    byArchitecture: groupBy((r) => r.architecture),
  };
}

const SWEEP = {
  models: ['Llama-3.1-8B', 'Llama-3.1-70B', 'Qwen2.5-72B', 'Qwen3-30B-A3B', 'Mixtral-8x7B', 'Nemotron-Nano-12B-v2', 'gpt-oss-120b'],
  hardware: ['H100', 'B200', 'A100'],
  tp: [1, 2, 4, 8], pp: [1, 2, 4], batch: [1, 4, 16, 64, 256], input: [256, 2048], output: [128, 512],
  noise: 0.03, seed: 1,
};

const key = (r, fields) => fields.map((f) => r[f]).join('|');
function groups(records, fields) {
  const g = new Map();
  for (const r of records) {
    const k = key(r, fields);
    if (!g.has(k)) g.set(k, []);
    g.get(k).push(r);
  }
  return [...g.values()];
}
const perToken = (r) => r.energy_j / r.output_tokens;
const latencyS = (r) => r.ttft_s + r.output_tokens * r.tpot_s;

function batchEffect(records) {
  let n = 0, lower = 0, monotone = 0, ratioSum = 0;
  for (const g of groups(records, ['model', 'hardware', 'tp', 'pp', 'input_tokens', 'output_tokens'])) {
    if (g.length < 2) continue;
    g.sort((a, b) => a.batch - b.batch);
    n += 1;
    if (perToken(g[g.length - 1]) < perToken(g[0])) lower += 1;
    if (g.every((r, i) => i === 0 || perToken(r) < perToken(g[i - 1]))) monotone += 1;
    ratioSum += Math.log(perToken(g[0]) / perToken(g[g.length - 1]));
  }
  return { groups: n, largestBatchCheaperPerToken: round(lower / n), strictlyFallingWithBatch: round(monotone / n), geometricMeanSmallestOverLargest: round(Math.exp(ratioSum / n), 2) };
}

function tpEffect(records) {
  let pairs = 0, faster = 0, costlier = 0, fasterAndCostlier = 0;
  for (const g of groups(records, ['model', 'hardware', 'pp', 'batch', 'input_tokens', 'output_tokens'])) {
    const byTp = new Map(g.map((r) => [r.tp, r]));
    for (const r of g) {
      const next = byTp.get(r.tp * 2);
      if (!next) continue;
      pairs += 1;
      const f = next.tpot_s < r.tpot_s;
      const c = next.energy_j > r.energy_j;
      faster += f; costlier += c; fasterAndCostlier += f && c;
    }
  }
  return { pairs, doublingTpLowersTpot: round(faster / pairs), doublingTpRaisesEnergy: round(costlier / pairs), lowersLatencyAndRaisesEnergy: round(fasterAndCostlier / pairs) };
}

function optimaDiffer(records) {
  const count = (fields) => {
    let n = 0, differ = 0;
    for (const g of groups(records, fields)) {
      if (g.length < 2) continue;
      n += 1;
      const fastest = g.reduce((a, b) => (latencyS(b) < latencyS(a) ? b : a));
      const cheapest = g.reduce((a, b) => (b.energy_j < a.energy_j ? b : a));
      if (fastest !== cheapest) differ += 1;
    }
    return { scenarios: n, differ: round(differ / n) };
  };
  return {
    // a scenario: model, hardware, batch and request shape; the choice: (tp, pp); latency = ttft + output * tpot
    choosingTpPp: count(['model', 'hardware', 'batch', 'input_tokens', 'output_tokens']),
    // a scenario: model, hardware and request shape; the choice: (tp, pp, batch)
    choosingTpPpBatch: count(['model', 'hardware', 'input_tokens', 'output_tokens']),
  };
}

const t0 = performance.now();
const cal = calibration();
const { records, infeasible } = simulate(SWEEP);
const { commit, node, cpu } = runEnvironment();
const machine = { commit, node, cpu };
const out = {
  bench: 'simulator',
  ...machine,
  calibration: cal,
  sweep: { configurations: records.length + infeasible.length, feasible: records.length, infeasible: infeasible.length, ...SWEEP },
  batchEffect: batchEffect(records),
  tpEffect: tpEffect(records),
  optimaDiffer: optimaDiffer(records),
  seconds: round((performance.now() - t0) / 1000, 2),
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
