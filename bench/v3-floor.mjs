// Issue 14: is MAPE <= 15 % reachable on ML.ENERGY v3 from 50 random records? Bounds from all 838 records. Prints
// one JSON object (progress on stderr).
//   leaveModelsOut: each model held out in turn (all its series: one per GPU and precision); the structure is fitted
//     on every other model's records plus k records of each held-out series (k = 0, 1, 2; the same test records for
//     every k: each series' records after its first two, in a seeded order), pooled and with series effects
//     (fit's default, rule always). k = 0 is the best a structure can do on a series it has never seen with all
//     other data; k = 1, 2 with series effects is the best on a series seen once or twice. `allRecordsK0`: the
//     pooled fit's MAPE over every record of the held-out models (no record kept for calibration).
//   random50: the 50-record fit (physics with series effects, as `fit`) by how many training records the test
//     record's series has (0, 1, 2, 3+): the share of test records in each class and the MAPE there; with
//     --oracle, also the same fit with the series' spreads fixed at those estimated on all 838 records (the
//     spreads known exactly: what a better spread estimator could give at most).
//   mix: the leave-models-out MAPE of each class weighted by random 50's shares: what random 50 would score if
//     its 50-record fit predicted as well as the fit on all other models' records does.
// --spreads=reml,ba,noslope,slopes5,...: also the series' spreads by REML, with a boundary-avoiding prior, without slopes,
// with slopes only when 5 series have 3+ records at varying batch (combine with +;
// SeriesFitOptions.spreads).
// Options: --structure=FILE (a structure, e.g. `energylens discover --out`, in place of physics), --seeds=N,
// --first-seed=N (random 50), --no-lomo, --no-random50, --oracle.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  fitEnergyModel, importMlEnergy, parseStructure, predictEnergy, randomSplit, seriesKeys, withChosenSeriesEffects, DEFAULT_SERIES_BY,
} from '../dist/energy/index.js';
import { runEnvironment } from './run-environment.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MLENERGY = join(here, '..', '..', 'shared', 'data', 'mlenergy-v3');
if (!existsSync(MLENERGY)) { console.log(JSON.stringify({ skipped: `${MLENERGY} not found` })); process.exit(0); }
const opt = (name, d) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d;
const flag = (name) => process.argv.includes(`--${name}`);
const nSeeds = Number(opt('seeds', 10));
const firstSeed = Number(opt('first-seed', 1));
const structureFile = opt('structure', undefined);
const structure = structureFile ? parseStructure(readFileSync(structureFile, 'utf8'), structureFile) : undefined;
const fitOptions = (seed) => ({ seed, ...(structure ? { structure } : {}) });
const records = importMlEnergy(MLENERGY);
const keys = seriesKeys(records, DEFAULT_SERIES_BY.series);
const perToken = (r) => r.energy_j / r.output_tokens;
const ape = (r, p) => Math.abs(p - perToken(r)) / perToken(r);
const mean = (xs) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
const median = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const r4 = (x) => (x === null || x === undefined ? null : Number(x.toFixed(4)));
/** A seeded permutation (mulberry32) of 0..n-1. */
function shuffled(n, seed) {
  let a = seed >>> 0;
  const rand = () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [p[i], p[j]] = [p[j], p[i]]; }
  return p;
}
const fitBoth = (train, seed, extra = {}) => {
  const pooled = fitEnergyModel(train, fitOptions(seed));
  const series = withChosenSeriesEffects(pooled, train, fitOptions(seed), { rule: 'always', ...extra });
  return { pooled, series };
};
const predict = (model, test) => predictEnergy(model, test).map((p) => p.energyPerTokenJ);
const out = { environment: runEnvironment(), structure: structureFile ?? 'physics', records: records.length, series: new Set(keys).size };

// the spreads of the fit on every record (the oracle of --oracle) and the in-sample MAPE
const all = fitBoth(records, 1);
out.allRecords = {
  inSamplePooledMape: r4(mean(predict(all.pooled, records).map((p, i) => ape(records[i], p)))),
  inSampleSeriesMape: r4(mean(predict(all.series, records).map((p, i) => ape(records[i], p)))),
  components: all.series.series.components,
};
process.stderr.write(`all records: ${JSON.stringify(out.allRecords)}\n`);

if (!flag('no-lomo')) {
  const models = [...new Set(records.map((r) => r.model))].sort();
  const apes = { k0all: [], pooled: [[], [], []], series: [[], [], []] };
  const perModel = [];
  for (const [mi, model] of models.entries()) {
    const heldIdx = records.flatMap((r, i) => (r.model === model ? [i] : []));
    const others = records.filter((r) => r.model !== model);
    // per held-out series: a seeded order; the first two records are calibration candidates, the rest the test
    const bySeries = new Map();
    for (const i of heldIdx) bySeries.set(keys[i], [...(bySeries.get(keys[i]) ?? []), i]);
    const calib = [];
    const test = [];
    for (const [s, idx] of [...bySeries].sort()) {
      const order = shuffled(idx.length, 1000 + mi * 31 + s.length).map((j) => idx[j]);
      calib.push(order.slice(0, 2));
      test.push(...order.slice(2));
    }
    const testRecs = test.map((i) => records[i]);
    const row = { model, series: bySeries.size, records: heldIdx.length, test: test.length };
    for (let k = 0; k <= 2; k++) {
      const train = [...others, ...calib.flatMap((c) => c.slice(0, k)).map((i) => records[i])];
      const fit = fitBoth(train, 1);
      if (k === 0) {
        const p = predict(fit.pooled, heldIdx.map((i) => records[i]));
        heldIdx.forEach((i, j) => apes.k0all.push(ape(records[i], p[j])));
        row.allK0 = r4(mean(heldIdx.map((i, j) => ape(records[i], p[j]))));
      }
      if (testRecs.length === 0) continue;
      const pp = predict(fit.pooled, testRecs);
      const ps = predict(fit.series, testRecs);
      testRecs.forEach((r, j) => { apes.pooled[k].push(ape(r, pp[j])); apes.series[k].push(ape(r, ps[j])); });
      row[`pooledK${k}`] = r4(mean(testRecs.map((r, j) => ape(r, pp[j]))));
      row[`seriesK${k}`] = r4(mean(testRecs.map((r, j) => ape(r, ps[j]))));
    }
    perModel.push(row);
    process.stderr.write(`${mi + 1}/${models.length} ${model}: ${JSON.stringify(row)}\n`);
  }
  out.leaveModelsOut = {
    allRecordsK0: { mape: r4(mean(apes.k0all)), medianApe: r4(median(apes.k0all)), records: apes.k0all.length },
    testRecords: apes.pooled[0].length,
    pooled: apes.pooled.map((a, k) => ({ k, mape: r4(mean(a)) })),
    series: apes.series.map((a, k) => ({ k, mape: r4(mean(a)) })),
    perModel,
  };
}

if (!flag('no-random50')) {
  const classOf = (n) => (n >= 3 ? 3 : n);
  const runs = [];
  for (let seed = firstSeed; seed < firstSeed + nSeeds; seed++) {
    const { train: ti, test: si } = randomSplit(records.length, 50, seed);
    const train = ti.map((i) => records[i]);
    const test = si.map((i) => records[i]);
    const count = new Map();
    for (const i of ti) count.set(keys[i], (count.get(keys[i]) ?? 0) + 1);
    const cls = si.map((i) => classOf(count.get(keys[i]) ?? 0));
    const variants = { pooled: null, series: {} };
    if (flag('oracle')) variants.seriesOracle = { estimateSpreads: () => ({ ...all.series.series.components }) };
    for (const v of opt('spreads', '').split(',').filter(Boolean)) variants[`series+${v}`] = { spreads: { reml: v.split('+').includes('reml'), boundaryAvoiding: v.split('+').includes('ba'), withoutSlope: v.split('+').includes('noslope'), ...(v.match(/slopes(\d+)/) ? { slopeMinSeries: Number(v.match(/slopes(\d+)/)[1]) } : {}) } };
    const fitted = fitEnergyModel(train, fitOptions(seed));
    const run = { seed, seriesInTrain: count.size, shares: [0, 1, 2, 3].map((c) => r4(cls.filter((x) => x === c).length / cls.length)) };
    for (const [name, extra] of Object.entries(variants)) {
      const model = extra === null ? fitted : withChosenSeriesEffects(fitted, train, fitOptions(seed), { rule: 'always', ...extra });
      const p = predict(model, test);
      const a = test.map((r, j) => ape(r, p[j]));
      run[name] = { mape: r4(mean(a)), byClass: [0, 1, 2, 3].map((c) => r4(mean(a.filter((_, j) => cls[j] === c)))) };
      if (extra !== null) run[name].components = model.series?.components;
    }
    runs.push(run);
    process.stderr.write(`random 50 seed ${seed}: ${JSON.stringify(run)}\n`);
  }
  const names = Object.keys(runs[0]).filter((k) => runs[0][k]?.mape !== undefined);
  out.random50 = {
    seeds: [firstSeed, firstSeed + nSeeds - 1],
    shares: [0, 1, 2, 3].map((c) => r4(mean(runs.map((r) => r.shares[c])))),
    median: Object.fromEntries(names.map((n) => [n, r4(median(runs.map((r) => r[n].mape)))])),
    byClassMean: Object.fromEntries(names.map((n) => [n, [0, 1, 2, 3].map((c) => r4(mean(runs.map((r) => r[n].byClass[c]).filter((x) => x !== null))))])),
    runs,
  };
  if (out.leaveModelsOut) {
    // random 50's shares with the leave-models-out MAPE per class (3+ counted at k = 2: an optimistic floor)
    const lmo = out.leaveModelsOut;
    const perClass = [lmo.pooled[0].mape, lmo.series[1].mape, lmo.series[2].mape, lmo.series[2].mape];
    out.mix = { perClass, mape: r4(out.random50.shares.reduce((a, s, c) => a + s * perClass[c], 0)) };
  }
}
process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
