// v3 random 50 (as bench:discover's mlenergy part, without the discovery): physics pooled, physics with series
// effects (fit's default), and with crossed effects shared by every series of a model (`fit --effects
// series,model`) or of a model and of a GPU (`series,model,hardware`). Issue 14: the physics residuals of v3 lie
// mostly between series, and the model explains most of that (bench:energy-residuals, README). Prints one JSON
// object; options --seeds=N --first-seed=N --rule=always|replicated|cv.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fitEnergyModel, importMlEnergy, predictEnergy, randomSplit, scenarioKey, selectionMetrics, withChosenSeriesEffects } from '../dist/energy/index.js';
import { runEnvironment } from './run-environment.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MLENERGY = join(here, '..', '..', 'shared', 'data', 'mlenergy-v3');
if (!existsSync(MLENERGY)) { console.log(JSON.stringify({ skipped: `${MLENERGY} not found` })); process.exit(0); }
const opt = (name, d) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d;
const nSeeds = Number(opt('seeds', 10));
const firstSeed = Number(opt('first-seed', 1));
const rule = opt('rule', 'always');
const records = importMlEnergy(MLENERGY);
const keys = ['workload', 'model', 'hardware'];
const median = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const variants = { physics: null, series: [], model: ['model'], modelHardware: ['model', 'hardware'] };
const runs = [];
for (let seed = firstSeed; seed < firstSeed + nSeeds; seed++) {
  const { train: ti, test: si } = randomSplit(records.length, 50, seed);
  const train = ti.map((i) => records[i]);
  const test = si.map((i) => records[i]);
  const score = (pred) => selectionMetrics(test.map((r, i) => ({ measured: r.energy_j / r.output_tokens, predicted: pred[i], scenario: scenarioKey(r, keys) })));
  const pooled = fitEnergyModel(train, { seed });
  const run = { seed };
  for (const [name, factors] of Object.entries(variants)) {
    const model = factors === null ? pooled : withChosenSeriesEffects(pooled, train, { seed }, { rule, ...(factors.length ? { crossed: { factors } } : {}) });
    run[name] = score(predictEnergy(model, test).map((p) => p.energyPerTokenJ));
  }
  runs.push(run);
  process.stderr.write(`seed ${seed}: ${Object.keys(variants).map((v) => `${v} ${(100 * run[v].mape).toFixed(2)} %`).join(', ')}\n`);
}
const med = Object.fromEntries(Object.keys(variants).map((v) => [v, Object.fromEntries(['mape', 'pairwise', 'top1'].map((k) => [k, Number(median(runs.map((r) => r[v][k]))?.toFixed(4))]))]));
console.log(JSON.stringify({ environment: runEnvironment(), firstSeed, seeds: nSeeds, rule, median: med, runs }, null, 1));
