// node bench/fallback-scope.bench.mjs — where a discovered correction applies (issue 14: `discovered` never worse than
// the closed form by more than one MAPE point on any protocol). On every split, one discovery (shared by the
// variants, so they differ only in the rule) and these methods:
//   closed-form                 physics
//   discovered                  fit's default: the correction on the training records' stacks and GPUs, physics elsewhere
//                               (a calibration on a GPU outside them calibrates the physics fit)
//   discovered-stack-only       the rule before: the correction on the training records' stacks only
//   discovered-hardware-model   also limited to the training records' models (an unseen model gets physics)
//   discovered-gpu-cv           fit's default, the structure choice also leaving one GPU out at a time when the
//                               training records hold two or more (a correction must not lose there either)
//   discovered-cal-better-on-k  fit's default, but a calibration on a new GPU refits both the corrected structure and
//                               the physics fit and keeps the one with the lower RMS log error on the k records
// Prints one JSON object: per data set, protocol, group and variant, each method's median MAPE over the seeds and
// its difference from the closed form in points; `breaking` lists the rows more than one point worse.
// Options: --data=mlenergy,simulator,llmInferenceBench (default all three), --protocols=NAME,... (default: those of
// bench:energy for the data set), --seeds=N --first-seed=S (default 3 from 1; sample efficiency: sizes 25, 50, 200),
// --evals=N (discovery budget per search phase, default 30000), --methods=NAME,...
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedFormMethod, createDiscoveredMethod, evaluateMethods, importLlmInferenceBench, importMlEnergy, simulate } from '../dist/energy/index.js';
import { runEnvironment } from './run-environment.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MLENERGY = join(here, '..', '..', 'shared', 'data', 'mlenergy-v3');
const LLM_INFERENCE_BENCH = join(here, '..', '..', 'shared', 'data', 'llm-inference-bench');
const listArg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1].split(',');
const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const seeds = arg('seeds', 3);
const firstSeed = arg('first-seed', 1);
const evals = arg('evals', 30000);
const round = (x, d = 4) => (x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(d)));
const median = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const sweepSpec = {
  models: ['Llama-3.1-8B-Instruct', 'Llama-3.1-70B-Instruct', 'Qwen3-30B-A3B-Instruct-2507'], hardware: ['H100', 'B200', 'A100'],
  tp: [1, 2, 4, 8], pp: [1, 2, 4], batch: [8, 32, 128], input: [512, 2048], output: [256], seed: 7,
};
const ENERGY_PROTOCOLS = ['sample-efficiency', 'batch-extrapolation', 'hardware-extrapolation', 'leave-one-model-out'];
const datasets = [
  { name: 'mlenergy', load: () => (existsSync(MLENERGY) ? importMlEnergy(MLENERGY) : null), keys: ['workload', 'model', 'hardware'], protocols: ENERGY_PROTOCOLS },
  { name: 'simulator', load: () => simulate({ ...sweepSpec, noise: 0.03 }).records, keys: ['model', 'hardware', 'input_tokens', 'batch'], protocols: ENERGY_PROTOCOLS },
  { name: 'llmInferenceBench', load: () => (existsSync(LLM_INFERENCE_BENCH) ? importLlmInferenceBench(LLM_INFERENCE_BENCH).records : null), keys: ['framework', 'model', 'hardware'], protocols: ['random-50', 'leave-one-framework-out'] },
].filter((d) => !listArg('data') || listArg('data').includes(d.name));

const prepared = new Map();
const all = [
  closedFormMethod,
  createDiscoveredMethod({ evals, prepared }),
  createDiscoveredMethod({ evals, prepared, name: 'discovered-stack-only', fallbackColumns: [] }),
  createDiscoveredMethod({ evals, prepared, name: 'discovered-hardware-model', fallbackColumns: ['hardware', 'model'] }),
  createDiscoveredMethod({ evals, prepared, name: 'discovered-gpu-cv', cvGroups: 'hardware' }),
  createDiscoveredMethod({ evals, prepared, name: 'discovered-cal-better-on-k', calibration: 'better-on-k' }),
];
const methods = all.filter((m) => !listArg('methods') || listArg('methods').includes(m.name));

const { commit, node } = runEnvironment();
const out = { commit, node, evals, seeds: { first: firstSeed, count: seeds }, data: {}, breaking: [] };
for (const d of datasets) {
  const records = d.load();
  if (!records) { out.data[d.name] = { skipped: 'the shared data folder is absent' }; continue; }
  out.data[d.name] = {};
  for (const protocol of d.protocols.filter((p) => !listArg('protocols') || listArg('protocols').includes(p))) {
    const options = protocol === 'sample-efficiency' ? { sizes: [25, 50, 200], seeds, firstSeed } : { seeds, firstSeed, trainSize: 50, calibrationRecords: 5 };
    const e = await evaluateMethods(records, {
      methods, protocols: [protocol], scenarioKeys: d.keys, ...options,
      onProgress: (done, total, label) => process.stderr.write(`${d.name} ${label} (${done}/${total})\n`),
    });
    const rows = new Map();
    for (const r of e.protocols[0].results) {
      const key = `${r.group}|${r.variant}|${r.trainSize}`;
      if (!rows.has(key)) rows.set(key, { group: r.group, variant: r.variant, trainSize: r.trainSize, mape: {} });
      rows.get(key).mape[r.method] = r.failed > 0 && r.runs === 0 ? null : round(r.median.mape);
    }
    out.data[d.name][protocol] = [...rows.values()].map((row) => {
      const cf = row.mape['closed-form'];
      const diff = Object.fromEntries(Object.entries(row.mape).filter(([m]) => m !== 'closed-form').map(([m, v]) => [m, v === null || cf === null ? null : round(100 * (v - cf), 2)]));
      for (const [m, v] of Object.entries(diff)) if (v !== null && v > 1) out.breaking.push({ data: d.name, protocol, group: row.group, variant: row.variant, trainSize: row.trainSize, method: m, diffPoints: v });
      return { ...row, diffPoints: diff };
    });
    // the protocol as a whole, as bench:energy's headline: medians over the rows of each method's median MAPE
    const rs = out.data[d.name][protocol];
    out.data[d.name][`${protocol} (median over rows)`] = Object.fromEntries(methods.map((m) => [m.name, round(median(rs.map((r) => r.mape[m.name])))]));
  }
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
