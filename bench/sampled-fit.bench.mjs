// node bench/sampled-fit.bench.mjs — does fitting on a sample change the model? Prints one JSON object.
//   Above 5,000 rows the energy model's Levenberg-Marquardt starts and robust rounds run on a seeded sample and one
//   Huber-weighted run on every row refines them (src/sr/fit/sample.ts). This compares that fit with the fit whose
//   every start and round sees every row (sampleRows 0), on held-out configurations: the ML.ENERGY v3 import
//   repeated with 3 % jitter (bench/scale-data.mjs) to --records=N (default 20000); a seeded fifth of the distinct
//   configurations (every copy of them) is held out, so the held-out records are configurations neither fit saw.
//   Reports each fit's CPU seconds, the held-out MAPE of energy per output token, the largest relative difference
//   between the two fits' parameters and between their held-out predictions.
// Options: --records=N, --seed=S (the held-out configurations), --dist=DIR (compiled sources; default ../dist)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expandRecords, importMlEnergyCsv } from './scale-data.mjs';
import { runEnvironment } from './run-environment.mjs';

const opt = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const N = Number(opt('records', 20000));
const seed = Number(opt('seed', 1));
const dist = resolve(opt('dist', join(import.meta.dirname, '..', 'dist')));
const { readRecordTable, fitEnergyModel, predictEnergy, configurationKey, loadCatalog, PHYSICS_STRUCTURE } = await import(pathToFileURL(join(dist, 'energy', 'index.js')).href);
const { createRng } = await import(pathToFileURL(join(dist, 'sr', 'index.js')).href);

const dir = mkdtempSync(join(tmpdir(), 'energylens-sampled-'));
try {
  const base = importMlEnergyCsv(join(dir, 'mlenergy.csv'));
  const path = await expandRecords(base, join(dir, 'records.csv'), N);
  const catalog = loadCatalog();
  const records = (await readRecordTable(path)).views();
  const keys = [...new Set(records.map(configurationKey))];
  const rng = createRng(seed);
  const heldKeys = new Set(keys.filter(() => rng.next() < 0.2));
  const train = records.filter((r) => !heldKeys.has(configurationKey(r)));
  const test = records.filter((r) => heldKeys.has(configurationKey(r)));
  const fit = (sampleRows) => {
    const t0 = process.cpuUsage();
    const model = fitEnergyModel(train, { catalog, structure: PHYSICS_STRUCTURE, seed: 0, ...(sampleRows === undefined ? {} : { sampleRows }) });
    const cpu = process.cpuUsage(t0);
    const preds = predictEnergy(model, test, { catalog }).map((p) => p.energyPerTokenJ);
    const mape = (100 * test.reduce((a, r, i) => a + Math.abs(preds[i] - r.energy_j / r.output_tokens) / (r.energy_j / r.output_tokens), 0)) / test.length;
    return { model, preds, cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)), heldOutMapePct: Number(mape.toFixed(3)) };
  };
  const sampled = fit(undefined);
  const full = fit(0);
  const relDiff = (a, b) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
  const parameters = full.model.parameters.map((p, k) => ({ name: p.name, full: p.value, sampled: sampled.model.parameters[k].value, relativeDifference: Number(relDiff(p.value, sampled.model.parameters[k].value).toPrecision(3)), held: p.held }));
  const predDiffs = full.preds.map((p, i) => relDiff(p, sampled.preds[i])).sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({
    benchmark: 'sampled-fit', ...runEnvironment(), records: N, trainRecords: train.length, heldOutRecords: test.length,
    configurations: keys.length, heldOutConfigurations: heldKeys.size,
    sampled: { cpuSeconds: sampled.cpuSeconds, heldOutMapePct: sampled.heldOutMapePct, iterations: sampled.model.fit.iterations },
    full: { cpuSeconds: full.cpuSeconds, heldOutMapePct: full.heldOutMapePct, iterations: full.model.fit.iterations },
    speedup: Number((full.cpuSeconds / sampled.cpuSeconds).toFixed(2)),
    maxParameterDifference: Math.max(...parameters.filter((p) => !p.held).map((p) => p.relativeDifference)),
    heldOutPredictionDifference: { median: Number(predDiffs[Math.floor(predDiffs.length / 2)].toPrecision(3)), max: Number(predDiffs[predDiffs.length - 1].toPrecision(3)) },
    parameters,
  }, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
