// npm run bench:energy — the closed-form energy model on real and simulated data. Prints one JSON object.
//   mlenergy:  ML.ENERGY v3, fitted on 50 random configurations, tested on the rest, 10 seeds: MAPE of energy per
//              output token, R2 of log energy, pairwise ranking and Top-1 within each (task, model, GPU), regret
//   simulator: a simulated sweep with TP 1-8 and PP 1-4 on three GPU types, same protocol, scenarios
//              (model, GPU, prompt length, batch), so Top-1 picks the TP x PP layout. The sweep's records carry
//              3 % measurement noise; the simulator also knows each configuration's noise-free energy, so the
//              section adds `truth` (the same predictions scored against the noise-free energies) and
//              `oracleTop1` (the noise-free energies themselves scored against the noisy records: the ceiling any
//              model can reach on the noisy protocol)
//   protocols: every method (the closed form and its baselines: latency proxy, Wilkins et al., roofline, random
//              forest, XGBoost) under every evaluation protocol on both data sets: sample efficiency (training
//              sizes 10-500, 10 seeds), batch extrapolation, hardware extrapolation (zero-shot and calibrated on
//              k = 5 records), leave one model out (3 seeds each); medians and quartiles over seeds per method,
//              protocol, group and training size. `headline` compares the closed form at 50 records with the
//              best ensemble at 500. Methods run in worker threads, one per core.
//   llmInferenceBench: LLM-Inference-Bench power runs (`energylens import llm-inference-bench`, 192 configurations,
//              prompt = output length and batch varied, three frameworks): the closed form under the mlenergy
//              protocol above, and in `protocols.llmInferenceBench` the closed form, hierarchical (with series
//              effects), random forest and XGBoost under random-50 and leave-one-framework-out (10 seeds each), scenarios (framework, model, GPU).
//              `headline.llmInferenceBench` gives each method's medians and the issue-14 bar for a discovered
//              structure (MAPE at most 0.75 x the best of the three, pairwise >= 0.95).
//   discovered: every protocol also runs the method `discovered` (what `energylens fit` does by default: a
//              residual discovery of --discovered-evals kernel evaluations per search phase, default 30000, the
//              structure choice by CV, series effects, the stack rule) in a worker of its own; `headline.discovered`
//              compares it with the closed form per protocol (issue 14: never worse than physics by > 1 MAPE point).
// Options: --quick (3 seeds; protocols: 2 seeds, sizes 25, 50, 200, 1 seed elsewhere), --seeds=N, --train=N,
//          --no-protocols, --data=mlenergy,simulator,llmInferenceBench (the data sets to run; default all),
//          --no-discovered (skip the discovered method), --discovered-evals=N, --protocols=NAME,... (only these
//          protocols), --methods=NAME,... (only these methods in the protocols; `discovered` runs when named or by default),
//          --protocol-seeds=N and --first-seed=S (batch and hardware extrapolation, leave one model out: seeds S..S+N-1;
//          default 1 seed from 1 with --quick, else 3), to confirm a change on seeds it was not chosen on.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fitEnergyModel, importLlmInferenceBench, importMlEnergy, METHOD_NAMES, predictEnergy, randomSplit, scenarioKey, selectionMetrics, simulate } from '../dist/energy/index.js';
import { runEnvironment } from './run-environment.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MLENERGY = join(here, '..', '..', 'shared', 'data', 'mlenergy-v3');
const LLM_INFERENCE_BENCH = join(here, '..', '..', 'shared', 'data', 'llm-inference-bench');
const ILB_KEYS = ['framework', 'model', 'hardware'];
const ILB_BASELINES = ['closed-form', 'random-forest', 'xgboost'];
const withDiscovered = !process.argv.includes('--no-discovered');
// hierarchical (the closed form with per-series effects, `fit --structure physics --series-rule always`) beside them
const ILB_METHODS = [...ILB_BASELINES, 'hierarchical', ...(withDiscovered ? ['discovered'] : [])];
/** the order of a protocol's methods in the output: the discovered method right after the closed form */
const ORDER = withDiscovered ? ['closed-form', 'discovered', ...METHOD_NAMES.filter((m) => m !== 'closed-form')] : [...METHOD_NAMES];
const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--data='))?.split('=')[1].split(',');
const wanted = (name) => !only || only.includes(name);
const listArg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1].split(',');
const onlyProtocols = listArg('protocols');
const onlyMethods = listArg('methods');
const nSeeds = arg('seeds', quick ? 3 : 10);
const nTrain = arg('train', 50);
const round = (x, d = 4) => (Number.isFinite(x) ? Number(x.toFixed(d)) : x);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

function protocol(records, keys, truthJPerToken) {
  const runs = [];
  for (let seed = 1; seed <= nSeeds; seed++) {
    const { train, test } = randomSplit(records.length, nTrain, seed);
    const t0 = performance.now();
    const model = fitEnergyModel(train.map((i) => records[i]), { seed });
    const fitSeconds = (performance.now() - t0) / 1000;
    const testRecords = test.map((i) => records[i]);
    const pred = predictEnergy(model, testRecords);
    const m = selectionMetrics(testRecords.map((r, i) => ({ measured: r.energy_j / r.output_tokens, predicted: pred[i].energyPerTokenJ, scenario: scenarioKey(r, keys) })));
    const covered = testRecords.filter((r, i) => pred[i].energyLowJ <= r.energy_j && r.energy_j <= pred[i].energyHighJ).length / testRecords.length;
    const run = { seed, ...Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v)])), intervalCoverage95: round(covered), fitSeconds: round(fitSeconds, 3) };
    if (truthJPerToken) {
      const t = selectionMetrics(testRecords.map((r, i) => ({ measured: truthJPerToken(r), predicted: pred[i].energyPerTokenJ, scenario: scenarioKey(r, keys) })));
      const oracle = selectionMetrics(testRecords.map((r) => ({ measured: r.energy_j / r.output_tokens, predicted: truthJPerToken(r), scenario: scenarioKey(r, keys) })));
      Object.assign(run, { truthMape: round(t.mape), truthPairwise: round(t.pairwise), truthTop1: round(t.top1), truthMeanRegretPct: round(t.meanRegretPct), oracleTop1: round(oracle.top1) });
    }
    runs.push(run);
    process.stderr.write(`seed ${seed}: MAPE ${(m.mape * 100).toFixed(1)}%, pairwise ${(m.pairwise * 100).toFixed(1)}%, Top-1 ${(m.top1 * 100).toFixed(1)}%\n`);
  }
  const med = (k) => round(median(runs.map((r) => r[k])));
  return {
    records: records.length, train: nTrain, seeds: nSeeds, scenarioKeys: keys,
    median: { mape: med('mape'), r2Log: med('r2Log'), pairwise: med('pairwise'), top1: med('top1'), meanRegretPct: med('meanRegretPct'), intervalCoverage95: med('intervalCoverage95'), fitSeconds: med('fitSeconds') },
    ...(truthJPerToken ? { truth: { mape: med('truthMape'), pairwise: med('truthPairwise'), top1: med('truthTop1'), meanRegretPct: med('truthMeanRegretPct') }, oracleTop1: med('oracleTop1') } : {}),
    maxFitSeconds: Math.max(...runs.map((r) => r.fitSeconds)),
    runs,
  };
}

/** Every method under every protocol on ML.ENERGY and the sweep, the methods split over worker threads. */
async function protocols() {
  const started = performance.now();
  const se = quick ? { sizes: [25, 50, 200], seeds: 2 } : { sizes: [10, 25, 50, 100, 200, 400, 500], seeds: 10 };
  const firstSeed = arg('first-seed', 1);
  const other = { seeds: arg('protocol-seeds', quick ? 1 : 3), firstSeed, trainSize: 50, calibrationRecords: 5 };
  const list = [
    { name: 'sample-efficiency', options: se }, { name: 'batch-extrapolation', options: other },
    { name: 'hardware-extrapolation', options: other }, { name: 'leave-one-model-out', options: other },
  ].filter((p) => !onlyProtocols || onlyProtocols.includes(p.name));
  const datasets = [
    ...(existsSync(MLENERGY) && wanted('mlenergy') ? [{ name: 'mlenergy', mlenergy: MLENERGY, scenarioKeys: ['workload', 'model', 'hardware'], protocols: list }] : []),
    ...(wanted('simulator') ? [{ name: 'simulator', simulate: sweepSpec, scenarioKeys: ['model', 'hardware', 'input_tokens', 'batch'], protocols: list }] : []),
    ...(existsSync(LLM_INFERENCE_BENCH) && wanted('llmInferenceBench') ? [{
      name: 'llmInferenceBench', llmInferenceBench: LLM_INFERENCE_BENCH, scenarioKeys: ILB_KEYS, methods: ILB_METHODS,
      protocols: [{ name: 'random-50', options: { seeds: quick ? 2 : 10, trainSize: 50 } }, { name: 'leave-one-framework-out', options: { seeds: quick ? 2 : 10, trainSize: 50 } }],
    }] : []),
  ];
  // the random forest (ml-cart's quadratic split search) takes about as long as all the others together
  // the discovered method (seconds of discovery per fit) gets a worker of its own
  const groups = [['random-forest'], METHOD_NAMES.filter((m) => m !== 'random-forest'), ...(withDiscovered ? [['discovered']] : [])]
    .map((g) => g.filter((m) => !onlyMethods || onlyMethods.includes(m))).filter((g) => g.length > 0);
  const discoveredEvals = arg('discovered-evals', 30000);
  const parts = await Promise.all(groups.map((methods) => new Promise((resolve, reject) => {
    const w = new Worker(new URL('./energy-protocols.worker.mjs', import.meta.url), { workerData: { datasets, methods, discoveredEvals } });
    let last = 0;
    w.on('message', (m) => {
      if (m.done) resolve(m.done);
      else if (performance.now() - last > 15000) { last = performance.now(); process.stderr.write(`${m.progress}\n`); }
    });
    w.on('error', reject);
  })));
  const merged = {};
  for (const d of datasets) {
    merged[d.name] = parts[0][d.name].map((p, i) => {
      const results = parts.flatMap((part) => part[d.name][i].results).sort((a, b) => ORDER.indexOf(a.method) - ORDER.indexOf(b.method));
      return { ...p, results: results.map((r) => ({ ...r, median: roundAll(r.median), q25: roundAll(r.q25), q75: roundAll(r.q75), fitSeconds: round(r.fitSeconds ?? NaN, 3) })) };
    });
  }
  const headline = {};
  for (const [name, ps] of Object.entries(merged)) {
    if (name === 'llmInferenceBench') { headline[name] = ilbHeadline(ps); continue; }
    const rows = ps.find((p) => p.protocol === 'sample-efficiency')?.results ?? [];
    const at = (method, n) => rows.find((r) => r.method === method && r.trainSize === n)?.median ?? null;
    const largest = Math.max(...rows.map((r) => r.trainSize));
    const ensembles = ['random-forest', 'xgboost'].map((m) => ({ method: m, mape: at(m, largest)?.mape ?? Infinity }));
    const best = ensembles.sort((a, b) => a.mape - b.mape)[0];
    const cf = at('closed-form', 50);
    headline[name] = {
      closedFormAt50: cf, bestEnsembleAtLargest: { method: best.method, trainSize: largest, median: at(best.method, largest) },
      closedFormAt50NoWorseThanBestEnsemble: cf ? cf.mape <= best.mape : null,
      ...(name === 'mlenergy' && cf ? { targets: { mapeAtMost12: cf.mape <= 0.12, pairwiseAtLeast97: cf.pairwise >= 0.97, top1AtLeast90: cf.top1 >= 0.9 } } : {}),
    };
  }
  if (withDiscovered) headline.discovered = discoveredHeadline(merged);
  return { seconds: round((performance.now() - started) / 1000, 1), quick, ...(withDiscovered ? { discoveredEvals } : {}), headline, ...merged };
}
/** Per protocol: each method's median MAPE, pairwise and Top-1, and the bar issue 14 sets for a discovered structure. */
function ilbHeadline(ps) {
  return Object.fromEntries(ps.map((p) => {
    const byMethod = Object.fromEntries(p.results.map((r) => [r.method, { mape: r.median.mape, pairwise: r.median.pairwise, top1: r.median.top1 }]));
    const best = Math.min(...ILB_BASELINES.map((m) => byMethod[m]?.mape ?? Infinity));
    return [p.protocol, { ...byMethod, discoveredTarget: { mapeAtMost: round(0.75 * best), pairwiseAtLeast: 0.95 } }];
  }));
}
/**
 * Per data set, protocol, group and variant (sample efficiency: per training size): the median MAPE of the
 * discovered method and of the closed form, the difference in points, and whether it is within 1 point (issue 14).
 */
function discoveredHeadline(merged) {
  const out = {};
  for (const [name, ps] of Object.entries(merged)) {
    out[name] = {};
    for (const p of ps) {
      const rows = [];
      for (const d of p.results.filter((r) => r.method === 'discovered')) {
        const cf = p.results.find((r) => r.method === 'closed-form' && r.group === d.group && r.variant === d.variant && r.trainSize === d.trainSize);
        const dm = d.median.mape; const cm = cf?.median.mape;
        rows.push({
          group: d.group, variant: d.variant, trainSize: d.trainSize, discovered: dm, closedForm: cm ?? null,
          diffPoints: dm !== null && cm !== null && cm !== undefined ? round(100 * (dm - cm), 2) : null,
          withinOnePoint: dm !== null && cm !== null && cm !== undefined ? 100 * (dm - cm) <= 1 : null,
          ...(d.failed ? { failed: d.failed, error: d.errors[0] } : {}),
        });
      }
      // the protocol as a whole: medians over its groups of each method's median MAPE
      const med = (xs) => { const f = xs.filter((x) => x !== null && x !== undefined); return f.length ? round(median(f)) : null; };
      const dAll = med(rows.map((r) => r.discovered)); const cAll = med(rows.map((r) => r.closedForm));
      out[name][p.protocol] = {
        discovered: dAll, closedForm: cAll, diffPoints: dAll !== null && cAll !== null ? round(100 * (dAll - cAll), 2) : null,
        everyRowWithinOnePoint: rows.every((r) => r.withinOnePoint !== false), rows,
      };
    }
  }
  return out;
}
const roundAll = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === null ? null : round(v)]));

const { commit, node, cpu } = runEnvironment();
const out = { commit, node, cpu, loadAverage: os.loadavg().map((x) => round(x, 2)) };
out.targets = { mlenergy: 'median MAPE <= 0.12, pairwise >= 0.97, Top-1 >= 0.90 at 50 records; fit < 5 s', simulator: 'Top-1 >= 0.95 (truth.top1: against the noise-free energies; top1: against the noisy records, whose ceiling is oracleTop1)', llmInferenceBench: 'issue 14: a discovered structure at MAPE <= 0.75 x the best of closed form, random forest and XGBoost, pairwise >= 0.95 (10 seeds, 50 records)' };
if (wanted('mlenergy')) out.mlenergy = existsSync(MLENERGY) ? protocol(importMlEnergy(MLENERGY), ['workload', 'model', 'hardware']) : { skipped: `${MLENERGY} not found (the shared data folder is absent)` };
const sweepSpec = {
  models: ['Llama-3.1-8B-Instruct', 'Llama-3.1-70B-Instruct', 'Qwen3-30B-A3B-Instruct-2507'], hardware: ['H100', 'B200', 'A100'],
  tp: [1, 2, 4, 8], pp: [1, 2, 4], batch: [8, 32, 128], input: [512, 2048], output: [256], seed: 7,
};
const sweep = simulate({ ...sweepSpec, noise: 0.03 }).records;
const configKey = (r) => [r.model, r.hardware, r.tp, r.pp, r.batch, r.input_tokens, r.output_tokens].join('|');
const noiseFree = new Map(simulate({ ...sweepSpec, noise: 0 }).records.map((r) => [configKey(r), r.energy_j / r.output_tokens]));
if (wanted('llmInferenceBench')) out.llmInferenceBench = existsSync(LLM_INFERENCE_BENCH) ? protocol(importLlmInferenceBench(LLM_INFERENCE_BENCH).records, ILB_KEYS) : { skipped: `${LLM_INFERENCE_BENCH} not found (the shared data folder is absent)` };
if (wanted('simulator')) out.simulator = protocol(sweep, ['model', 'hardware', 'input_tokens', 'batch'], (r) => noiseFree.get(configKey(r)));
if (!process.argv.includes('--no-protocols')) out.protocols = await protocols();
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
