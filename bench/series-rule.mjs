// When should `fit` add series effects? (issue 14; series-choice.ts) Every bench:energy protocol on ML.ENERGY v3,
// the simulator sweep and llm-inference-bench, for the closed form (pooled physics) and fit's path without
// discovery under each series rule: `always` (effects whenever two or more series: the rule before), `cv` with
// k = 0 and k = 1 standard errors. Prints one JSON object: per data set, protocol, group and variant, each
// method's median MAPE, and per method the rows worse than the closed form by more than one point.
// Options: --first-seed=N (default 1; 101 to choose), --seeds=N (default 2; 1 outside sample efficiency unless
// --seeds-other=N), --data=mlenergy,simulator,llmInferenceBench, --sizes=25,50,200, --protocols=a,b, --rules=always,cv0,...
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDiscoveredMethod, createMethods, evaluateMethods, importLlmInferenceBench, importMlEnergy, simulate } from '../dist/energy/index.js';
import { runEnvironment } from './run-environment.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const opt = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const firstSeed = Number(opt('first-seed', 1));
const seeds = Number(opt('seeds', 2));
const seedsOther = Number(opt('seeds-other', 1));
const only = opt('data', 'mlenergy,simulator,llmInferenceBench').split(',');
const sizes = opt('sizes', '25,50,200').split(',').map(Number);
const onlyProtocols = opt('protocols', '') ? opt('protocols', '').split(',') : null;
const round = (x, d = 4) => (Number.isFinite(x) ? Number(x.toFixed(d)) : x);

const [closedForm] = await createMethods(['closed-form']);
// --rules=always,cv0,cv1,replicated5,replicated10,... (default always,cv0,cv1): cvK = cv with K standard errors,
// replicatedD = replicated with at least D records repeating a series
// --discovery: the rule methods run fit's residual discovery too (30000 evaluations per phase: bench:energy's `discovered`)
const discovery = process.argv.includes('--discovery');
// a rule may end in +reml, +ba, +noslope (combined: +reml+ba): the series spreads by REML, with a boundary-avoiding prior,
// without slope effects, +slopesN: slopes only when N series have 3+ records at varying batch, +range: a series' slope
// held within its records' batch range (SeriesFitOptions.spreads; fit's default spreads are +ba+slopes6)
const ruleMethod = (named) => {
  const [r, ...spreadFlags] = named.split('+');
  if (spreadFlags.some((f) => f !== 'reml' && f !== 'ba' && f !== 'noslope' && f !== 'range' && !/^slopes\d+$/.test(f))) throw new Error(`--rules: unknown spread option in ${named}`);
  if (spreadFlags.length > 0) {
    const base = ruleMethod(r);
    const slopes = spreadFlags.find((f) => /^slopes\d+$/.test(f));
    const seriesSpreads = { reml: spreadFlags.includes('reml'), boundaryAvoiding: spreadFlags.includes('ba'), withoutSlope: spreadFlags.includes('noslope'), slopeWithinRange: spreadFlags.includes('range'), ...(slopes ? { slopeMinSeries: Number(slopes.slice(6)) } : {}) };
    const opts = r === 'always' ? { seriesEffects: 'always' } : /^cv\d+$/.test(r) ? { seriesEffects: 'cv', seriesStandardErrors: Number(r.slice(2)) } : { seriesEffects: 'replicated', seriesMinWithinDof: Number(r.slice(10)) };
    return base && createDiscoveredMethod({ discovery, ...opts, seriesSpreads, name: named });
  }
  if (r === 'always') return createDiscoveredMethod({ discovery, seriesEffects: 'always', name: 'always' });
  if (/^cv\d+$/.test(r)) return createDiscoveredMethod({ discovery, seriesEffects: 'cv', seriesStandardErrors: Number(r.slice(2)), name: r });
  if (/^replicated\d+$/.test(r)) return createDiscoveredMethod({ discovery, seriesEffects: 'replicated', seriesMinWithinDof: Number(r.slice(10)), name: r });
  throw new Error(`--rules: unknown rule ${r}`);
};
const methods = [closedForm, ...opt('rules', 'always,cv0,cv1').split(',').map(ruleMethod)];
const list = [
  { name: 'sample-efficiency', options: { sizes, seeds } }, { name: 'batch-extrapolation', options: { seeds: seedsOther, trainSize: 50 } },
  { name: 'hardware-extrapolation', options: { seeds: seedsOther, trainSize: 50, calibrationRecords: 5 } }, { name: 'leave-one-model-out', options: { seeds: seedsOther, trainSize: 50 } },
];
const sweepSpec = {
  models: ['Llama-3.1-8B-Instruct', 'Llama-3.1-70B-Instruct', 'Qwen3-30B-A3B-Instruct-2507'], hardware: ['H100', 'B200', 'A100'],
  tp: [1, 2, 4, 8], pp: [1, 2, 4], batch: [8, 32, 128], input: [512, 2048], output: [256], seed: 7,
};
const datasets = [
  { name: 'mlenergy', load: () => importMlEnergy(join(here, '..', '..', 'shared', 'data', 'mlenergy-v3')), ok: existsSync(join(here, '..', '..', 'shared', 'data', 'mlenergy-v3')), keys: ['workload', 'model', 'hardware'], protocols: list },
  { name: 'simulator', load: () => simulate({ ...sweepSpec, noise: 0.03 }).records, ok: true, keys: ['model', 'hardware', 'input_tokens', 'batch'], protocols: list },
  {
    name: 'llmInferenceBench', load: () => importLlmInferenceBench(join(here, '..', '..', 'shared', 'data', 'llm-inference-bench')).records,
    ok: existsSync(join(here, '..', '..', 'shared', 'data', 'llm-inference-bench')), keys: ['framework', 'model', 'hardware'],
    protocols: [{ name: 'random-50', options: { seeds, trainSize: 50 } }, { name: 'leave-one-framework-out', options: { seeds, trainSize: 50 } }],
  },
].filter((d) => only.includes(d.name) && d.ok);

const started = performance.now();
const out = { ...runEnvironment(), firstSeed, seeds, seedsOther, results: {}, worse: {} };
for (const d of datasets) {
  const records = d.load();
  out.results[d.name] = {};
  for (const p of d.protocols.filter((q) => !onlyProtocols || onlyProtocols.includes(q.name))) {
    const e = await evaluateMethods(records, { methods, protocols: [p.name], scenarioKeys: d.keys, firstSeed, ...p.options, onProgress: (done, total, label) => process.stderr.write(`\r${d.name} ${label} (${done}/${total})   `) });
    const rows = {};
    for (const r of e.protocols[0].results) {
      const key = `${r.group}${r.variant ? ` ${r.variant}` : ''}`;
      rows[key] ??= {};
      rows[key][r.method] = round(r.median.mape);
      if (r.method !== 'closed-form') rows[key][`${r.method}Effects`] = (r.notes ?? []).filter((n) => n.startsWith('series effects: ') && !n.includes('series;')).map((n) => n.slice(16)).sort().join('/');
    }
    out.results[d.name][p.name] = rows;
    for (const [key, row] of Object.entries(rows)) {
      for (const m of methods.slice(1).map((x) => x.name)) {
        if (100 * (row[m] - row['closed-form']) > 1) (out.worse[m] ??= []).push(`${d.name} ${p.name} ${key}: ${round(100 * row['closed-form'], 1)} -> ${round(100 * row[m], 1)}`);
      }
    }
    process.stderr.write(`\n${d.name} ${p.name}: ${JSON.stringify(rows)}\n`);
  }
}
out.seconds = round((performance.now() - started) / 1000, 1);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
