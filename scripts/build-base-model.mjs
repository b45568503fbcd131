// npm run build:base-model — rebuilds models/mlenergy-v3.json, the base model shipped with the package: the
// physics structure fitted on every record of ML.ENERGY v3 with per-series effects (what `energylens fit` does
// by default), the prior of `energylens fit --base models/mlenergy-v3.json --data mine.csv --out mine.json`.
// The same as: energylens import mlenergy --dir ../shared/data/mlenergy-v3 --out v3.csv
//              energylens fit --data v3.csv --out models/mlenergy-v3.json --structure physics --seed 0
// Options: --dir=FOLDER (default ../shared/data/mlenergy-v3), --out=FILE (default models/mlenergy-v3.json)
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGradientBoostingMethod, DEFAULT_RESIDUAL_TREES, fitEnergyModel, fitSeriesEffects, importMlEnergy, PHYSICS_STRUCTURE, builtinCatalog, writeEnergyModel } from '../dist/energy/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const opt = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const dir = opt('dir', join(root, '..', 'shared', 'data', 'mlenergy-v3'));
const out = opt('out', join(root, 'models', 'mlenergy-v3.json'));
if (!existsSync(dir)) {
  console.error(`energylens: error [FILE_NOT_FOUND]: ${dir}: no such folder (the ML.ENERGY v3 copy; give --dir=FOLDER)`);
  process.exit(1);
}
const catalog = builtinCatalog();
const records = importMlEnergy(dir);
const options = { catalog, structure: PHYSICS_STRUCTURE, seed: 0, file: dir };
const pooled = fitEnergyModel(records, options);
// residual trees as fit adds them by default (DEFAULT_RESIDUAL_TREES)
const trees = DEFAULT_RESIDUAL_TREES ? { residualTrees: { method: await createGradientBoostingMethod() } } : {};
const model = fitSeriesEffects(pooled, records, options, { catalog, file: dir, ...trees });
writeEnergyModel(out, model);
const c = model.series.components;
console.log(`wrote ${out}: ${records.length} records, ${model.series.stats.length} series; spreads (log energy) level ${c.tauLevel.toFixed(3)}, slope ${c.tauSlope.toFixed(3)}, setting ${c.tauSetting.toFixed(3)}, residual ${c.sigma.toFixed(3)}${model.residualTrees ? `; ${model.residualTrees.treeNodes.length} residual trees` : ''}`);
