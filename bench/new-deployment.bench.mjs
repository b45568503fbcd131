// npm run bench:new-deployment — a new deployment from a few records (issue 15's protocol). Prints one JSON object.
// Each series (model, GPU, precision, serving stack) is held out in turn; every method trains on all other series
// plus k records of the held-out one and predicts the rest of it (the same test records for every k):
//   closed-form:   the pooled closed form, refitted on the other series plus the k records
//   hierarchical:  the closed form with per-series effects (empirical Bayes); the k records set the series' posterior
//   random-forest, xgboost: trained on the other series plus the k records, same features as everywhere else
// MAPE of energy per output token, pairwise ranking and Top-1 within each (task, model, GPU) of the held-out
// series, and for the hierarchical method the share of test records inside its 95 % interval.
// Options: --data=mlenergy|llm-inference-bench|simulator, --seeds=N (default 3), --series=N (held-out series per
//          seed, default 12; 0 = all), --k=0,3,5,10, --methods=a,b, --half=a|b (hold out only one half of the
//          eligible series, split by a hash of their keys: choose on one half, check on the other), --first-seed=N
//          (seeds N .. N + seeds - 1; default 1: one seed per process, run in parallel, then take the median),
//          --effects=model,hardware[,slope] (the hierarchical method with crossed effects of these columns;
//          `slope`: each level also has a slope in log batch; `series` alone: the series' own effects only),
//          --spreads=ba|noslope|slopesN, combined with + (the hierarchical method's spreads: series-effects.ts SpreadOptions),
//          method `hierarchical-stacked`: what `fit --residual-trees` writes, by fit's own path: the hierarchical fit plus
//          XGBoost trees of the residuals the series share, stored in the model file, calibrated by fit --base's path
//          and walked by predict (baselines/hierarchical-stacked.ts; --stack-target=level|effects: what it learns),
//          method `hierarchical-kriging`: the hierarchical fit with each series' residuals a Gaussian process whose
//          hyperparameters every series shares (model/series-kriging.ts), the k records its evidence; `fit-kriging` and
//          `hierarchical-stacked-kriging`: the same by fit's path (fit --series-kriging, with --residual-trees for the latter),
//          method `hierarchical-cov:F1+F2...[@SHRINK]`: series effects of learnt covariance (model/series-covariance.ts),
//          methods `hierarchical-kfeat`, `hierarchical-stacked-kfeat`: trees given the series' own k records (model/series-kfeatures.ts)
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCovarianceHierarchicalMethod, createKFeaturesHierarchicalMethod, createFitKrigingMethod, createHierarchicalMethod, createKrigingHierarchicalMethod, createStackedHierarchicalMethod, createMethods, estimateComponents, importMlEnergy, newDeploymentSplits, runProtocol, simulate } from '../dist/energy/index.js';
import { runEnvironment } from './run-environment.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const shared = join(here, '..', '..', 'shared', 'data');
const opt = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const data = opt('data', 'mlenergy');
const seeds = Number(opt('seeds', 3));
const series = Number(opt('series', 12));
const ks = opt('k', '0,3,5,10').split(',').map(Number);
const methodNames = opt('methods', 'closed-form,hierarchical,random-forest,xgboost').split(',');
const half = opt('half', undefined);
const effects = opt('effects', undefined)?.split(',').filter(Boolean);
const round = (x, d = 4) => (Number.isFinite(x) ? Number(x.toFixed(d)) : x);

async function loadRecords() {
  if (data === 'mlenergy') {
    const dir = join(shared, 'mlenergy-v3');
    return existsSync(dir) ? { records: importMlEnergy(dir), scenarioKeys: ['workload', 'model', 'hardware'] } : { skipped: `${dir} not found (the shared data folder is absent)` };
  }
  if (data === 'llm-inference-bench') {
    const dir = join(shared, 'llm-inference-bench');
    const energy = await import('../dist/energy/index.js');
    if (!existsSync(dir)) return { skipped: `${dir} not found (the shared data folder is absent)` };
    if (typeof energy.importLlmInferenceBench !== 'function') return { skipped: 'this build has no llm-inference-bench importer' };
    const imported = energy.importLlmInferenceBench(dir);
    return { records: imported.records ?? imported, scenarioKeys: ['model', 'hardware', 'framework', 'input_tokens'] };
  }
  const sweep = simulate({ models: ['Llama-3.1-8B-Instruct', 'Llama-3.1-70B-Instruct', 'Qwen3-30B-A3B-Instruct-2507'], hardware: ['H100', 'B200', 'A100'], tp: [1, 2, 4, 8], pp: [1, 2], batch: [8, 32, 128], input: [512, 2048], output: [256], seed: 7, noise: 0.03 });
  return { records: sweep.records, scenarioKeys: ['model', 'hardware', 'input_tokens', 'batch'] };
}

const loaded = await loadRecords();
const env = runEnvironment();
if (loaded.skipped) {
  console.log(JSON.stringify({ ...env, data, skipped: loaded.skipped }));
  process.exit(0);
}
const { records, scenarioKeys } = loaded;
const firstSeed = opt('first-seed', undefined);
const splitOptions = { seeds, ...(firstSeed !== undefined ? { firstSeed: Number(firstSeed) } : {}), calibrationSizes: ks, ...(series > 0 ? { heldOutSeries: series } : {}), ...(half ? { seriesHalf: half } : {}) };
const started = performance.now();
const crossedFactors = effects?.filter((e) => e !== 'series' && e !== 'slope') ?? [];
// hierarchical-stacked (not in the registry): the hierarchical fit with an XGBoost model of the series' shared residuals
const stacked = methodNames.includes('hierarchical-stacked') ? createStackedHierarchicalMethod((await createMethods(['xgboost']))[0], { target: opt('stack-target', 'level') }) : undefined;
// --spreads=ba|noslope|slopesN (combine with +): the hierarchical method's spreads with a boundary-avoiding prior, without
// slopes, or with slopes only when N series have 3+ records at varying batch
const spreadFlags = opt('spreads', '').split('+').filter(Boolean);
if (spreadFlags.some((f) => f !== 'ba' && f !== 'noslope' && !/^slopes\d+$/.test(f))) throw new Error(`--spreads: ba, noslope, slopesN or combined with +, got ${opt('spreads', '')}`);
const slopesFlag = spreadFlags.find((f) => /^slopes\d+$/.test(f));
const spreadOptions = { boundaryAvoiding: spreadFlags.includes('ba'), withoutSlope: spreadFlags.includes('noslope'), ...(slopesFlag ? { slopeMinSeries: Number(slopesFlag.slice(6)) } : {}) };
const krigingNames = ['hierarchical-kriging', 'fit-kriging', 'hierarchical-stacked-kriging'];
const kriging = [
  ...(methodNames.includes('hierarchical-kriging') ? [createKrigingHierarchicalMethod()] : []),
  ...(methodNames.includes('fit-kriging') ? [createFitKrigingMethod()] : []),
  ...(methodNames.includes('hierarchical-stacked-kriging') ? [createFitKrigingMethod((await createMethods(['xgboost']))[0])] : []),
];
// hierarchical-cov:F1+F2...[@SHRINK]: series effects of learnt covariance on the basis F (model/series-covariance.ts;
// `default`: batch+batch2+workload+gpus+tp), Sigma's correlations shrunk by SHRINK series (`inf`: a diagonal Sigma)
const covariance = methodNames.filter((n) => n.startsWith('hierarchical-cov:')).map((n) => {
  const [spec, shrink] = n.slice('hierarchical-cov:'.length).split('@');
  return createCovarianceHierarchicalMethod({ name: n, ...(spec === 'default' ? {} : { features: spec.split('+') }), shrink: shrink === 'inf' ? Infinity : Number(shrink ?? 0) });
});
// hierarchical-kfeat, hierarchical-stacked-kfeat: XGBoost correcting the series' effects posterior from features of its
// k records (model/series-kfeatures.ts), on the hierarchical fit's residuals or the stacked residual trees' residuals
const kfeatNames = ['hierarchical-kfeat', 'hierarchical-stacked-kfeat'];
const kfeat = await Promise.all(methodNames.filter((n) => kfeatNames.includes(n)).map((n) => createKFeaturesHierarchicalMethod({ stacked: n === 'hierarchical-stacked-kfeat' })));
const others = methodNames.filter((n) => n !== 'hierarchical-stacked' && !krigingNames.includes(n) && !n.startsWith('hierarchical-cov:') && !kfeatNames.includes(n));
const methods = [...(others.length > 0 ? await createMethods(others) : []).map((m) => (m.name === 'hierarchical' && crossedFactors.length > 0
  ? createHierarchicalMethod({ crossed: { factors: crossedFactors, slope: effects.includes('slope') } })
  : m.name === 'hierarchical' && spreadFlags.length > 0 ? createHierarchicalMethod({ estimateSpreads: (stats) => estimateComponents(stats, spreadOptions) }) : m)), ...(stacked ? [stacked] : []), ...kriging, ...covariance, ...kfeat];
const result = runProtocol('new-deployment', records, methods, splitOptions, {
  scenarioKeys,
  onProgress: (done, total, label) => { if (done % 8 === 0 || done === total) process.stderr.write(`${done}/${total} ${label}\n`); },
});

// interval coverage of the methods with intervals (their fits are memoised: this pass refits nothing)
const coverage = {};
for (const hier of methods.filter((m) => m.name.startsWith('hierarchical') || m.name === 'fit-kriging')) {
  const splits = newDeploymentSplits(records, splitOptions);
  for (const split of splits.splits) {
    let inside = 0;
    let total = 0;
    let widthLog = 0;
    for (const part of split.parts) {
      const fit = hier.fit(part.train.map((i) => records[i]), { seed: split.seed });
      const cal = part.calibrate ? fit.calibrate(part.calibrate.map((i) => records[i])) : fit;
      const test = part.test.map((i) => records[i]);
      cal.predictInterval(test).forEach((iv, j) => {
        const y = test[j].energy_j / test[j].output_tokens;
        inside += iv.lowJ <= y && y <= iv.highJ ? 1 : 0;
        widthLog += Math.log(iv.highJ / iv.lowJ);
        total += 1;
      });
    }
    const key = `${hier.name}:${split.group}`;
    const c = coverage[key] ?? { inside: 0, total: 0, widthLog: 0 };
    coverage[key] = { inside: c.inside + inside, total: c.total + total, widthLog: c.widthLog + widthLog };
  }
}

const table = {};
for (const r of result.results) {
  if (r.variant === 'zero-shot' && r.group !== 'k=0') continue;
  table[r.group] ??= {};
  table[r.group][r.method] = { mape: round(r.median.mape), pairwise: round(r.median.pairwise), top1: round(r.median.top1), runs: r.runs, failed: r.failed, ...(r.errors.length ? { errors: r.errors } : {}) };
  if (coverage[`${r.method}:${r.group}`]) {
    const c = coverage[`${r.method}:${r.group}`];
    table[r.group][r.method].intervalCoverage95 = round(c.inside / c.total);
    table[r.group][r.method].intervalFactor = round(Math.exp(c.widthLog / c.total / 2), 3);
  }
}
console.log(JSON.stringify({
  ...env, data, records: records.length, seeds, firstSeed: firstSeed === undefined ? 1 : Number(firstSeed), half: half ?? 'all', effects: effects ?? ['series'], heldOutSeriesPerSeed: series > 0 ? series : 'all', k: ks, scenarioKeys,
  seconds: round((performance.now() - started) / 1000, 1), skipped: result.skipped,
  note: 'median over seeds of metrics pooled over the held-out series; k=0 rows are zero-shot; intervalFactor: the 95 % interval spans [p / f, p * f] on average (geometric)',
  byK: table,
}, null, 2));
