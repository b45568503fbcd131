// Issue 14: does a structure discovered on ML.ENERGY v3 carry to models it has not seen? The models are split in two
// halves by a hash of the model name (FNV-1a, even/odd). Discovery (`energylens discover --out`'s residual
// discovery, --evals per search phase, --seed) runs on every record of one half (--discover-half=a|b); random 50 is
// then drawn from the other half's records only (50 training records, the rest of that half the test), and the
// same 50 records are fitted by: physics (pooled), physicsSeries (physics + series effects, `fit --structure
// physics`), structure / structureSeries (the half's discovered structure, pooled / with series effects), and
// chosen / chosenSeries: the structure choice's cross-validation on the 50 records between physics and the
// discovered structure (`fit --structure auto` with that structure as its candidate), then the chosen one, pooled
// / with series effects (rule always, fit's default). Prints one JSON object: medians over seeds of MAPE, pairwise
// ranking and Top-1 within each (task, model, GPU), and how often the choice took the discovered structure.
// Options: --discover-half=a|b (default a), --evals=N (default 150000), --seeds=N, --first-seed=N, --structure=FILE
// (skip the discovery: use this structure, e.g. one written by an earlier run's --out), --out=FILE (write the structure).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  chooseStructure, discoveredStructure, discoverResidualStructure, fitEnergyModel, importMlEnergy, parseStructure, PHYSICS_STRUCTURE,
  predictEnergy, randomSplit, scenarioKey, selectionMetrics, withChosenSeriesEffects,
} from '../dist/energy/index.js';
import { fnv1a } from '../dist/util/hash.js';
import { runEnvironment } from './run-environment.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MLENERGY = join(here, '..', '..', 'shared', 'data', 'mlenergy-v3');
if (!existsSync(MLENERGY)) { console.log(JSON.stringify({ skipped: `${MLENERGY} not found` })); process.exit(0); }
const opt = (name, d) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d;
const discoverHalf = opt('discover-half', 'a');
if (discoverHalf !== 'a' && discoverHalf !== 'b') throw new Error('--discover-half must be a or b');
const evals = Number(opt('evals', 150000));
const nSeeds = Number(opt('seeds', 10));
const firstSeed = Number(opt('first-seed', 1));
const halfOf = (model) => (fnv1a(model) % 2 === 0 ? 'a' : 'b');
const records = importMlEnergy(MLENERGY);
const discoverRecs = records.filter((r) => halfOf(r.model) === discoverHalf);
const testRecs = records.filter((r) => halfOf(r.model) !== discoverHalf);
const keys = ['workload', 'model', 'hardware'];
const median = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const r4 = (x) => Number(x.toFixed(4));

const out = {
  environment: runEnvironment(), discoverHalf, evals,
  discoveryModels: new Set(discoverRecs.map((r) => r.model)).size, discoveryRecords: discoverRecs.length,
  testModels: new Set(testRecs.map((r) => r.model)).size, testHalfRecords: testRecs.length,
};
let structure;
const file = opt('structure', undefined);
if (file) {
  structure = parseStructure(readFileSync(file, 'utf8'), file);
  out.structureFile = file;
} else {
  const t0 = performance.now();
  const d = await discoverResidualStructure(discoverRecs, { maxEvaluations: evals, maxTime: null, seed: 1, workers: 2 });
  out.discoverySeconds = r4((performance.now() - t0) / 1000);
  out.discovered = d.name;
  if (d.name === 'physics') { console.log(JSON.stringify({ ...out, note: 'discovery kept no correction on this half' }, null, 1)); process.exit(0); }
  structure = discoveredStructure(d, { data: `ML.ENERGY v3, model half ${discoverHalf}` }).structure;
  if (opt('out', undefined)) writeFileSync(opt('out', undefined), `${JSON.stringify(structure, null, 2)}\n`);
}
out.energy = structure.expressions.energy;
process.stderr.write(`structure: ${out.energy}\n`);

const variants = ['physics', 'physicsSeries', 'structure', 'structureSeries', 'chosen', 'chosenSeries'];
const runs = [];
for (let seed = firstSeed; seed < firstSeed + nSeeds; seed++) {
  const { train: ti, test: si } = randomSplit(testRecs.length, 50, seed);
  const train = ti.map((i) => testRecs[i]);
  const test = si.map((i) => testRecs[i]);
  const score = (model) => selectionMetrics(test.map((r, i) => ({ measured: r.energy_j / r.output_tokens, predicted: predictEnergy(model, [r])[0].energyPerTokenJ, scenario: scenarioKey(r, keys) })));
  const physics = fitEnergyModel(train, { seed });
  const fitted = fitEnergyModel(train, { seed, structure });
  const withSeries = (m, s) => withChosenSeriesEffects(m, train, { seed, ...(s ? { structure: s } : {}) }, { rule: 'always' });
  const chosenName = chooseStructure(train, [{ structure: PHYSICS_STRUCTURE, source: 'built-in' }, { structure, source: 'discovery' }], { seed }).selection.chosen;
  const chosenIsPhysics = chosenName === 'physics';
  const models = {
    physics, physicsSeries: withSeries(physics), structure: fitted, structureSeries: withSeries(fitted, structure),
  };
  models.chosen = chosenIsPhysics ? models.physics : models.structure;
  models.chosenSeries = chosenIsPhysics ? models.physicsSeries : models.structureSeries;
  const run = { seed, choice: chosenName, ...Object.fromEntries(variants.map((v) => [v, score(models[v])])) };
  runs.push(run);
  process.stderr.write(`seed ${seed}: chose ${chosenName}; ${variants.map((v) => `${v} ${(100 * run[v].mape).toFixed(2)} %`).join(', ')}\n`);
}
out.seeds = [firstSeed, firstSeed + nSeeds - 1];
out.chosenDiscovered = runs.filter((r) => r.choice !== 'physics').length;
out.median = Object.fromEntries(variants.map((v) => [v, Object.fromEntries(['mape', 'pairwise', 'top1'].map((k) => [k, r4(median(runs.map((r) => r[v][k])))]))]));
out.runs = runs.map((r) => ({ seed: r.seed, choice: r.choice, ...Object.fromEntries(variants.map((v) => [v, r4(r[v].mape)])) }));
console.log(JSON.stringify(out, null, 1));
