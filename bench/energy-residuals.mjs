// npm run bench:energy-residuals — where the closed form's error on ML.ENERGY v3 lies. Prints one JSON object.
// The model is fitted on all 838 records (in-sample: no sampling error, only the structure's), then its log
// residuals are taken apart by series (one task, model, GPU and parallel layout, over batch caps):
//   mape:                 in-sample MAPE of energy per output token
//   withoutSeriesOffset:  MAPE once each series' mean log residual is removed (what a per-series level would fix)
//   withoutSeriesLine:    MAPE once a per-series straight line in log batch is removed (level and slope)
//   separateFits:         in-sample MAPE when each GPU (or each GPU x architecture) gets its own twelve parameters:
//                         how much of the error a hardware- or architecture-level parameter could remove
//   byGroup:              MAPE and share of the total absolute error per GPU x architecture and per GPU x task
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fitEnergyModel, importMlEnergy, predictEnergy } from '../dist/energy/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const MLENERGY = join(here, '..', '..', 'shared', 'data', 'mlenergy-v3');
if (!existsSync(MLENERGY)) {
  console.log(JSON.stringify({ skipped: `${MLENERGY} not found (the shared data folder is absent)` }));
  process.exit(0);
}
const records = importMlEnergy(MLENERGY);
const model = fitEnergyModel(records, { seed: 0 });
const pred = predictEnergy(model, records);
const logRes = records.map((r, i) => Math.log(pred[i].energyPerTokenJ / (r.energy_j / r.output_tokens)));
const ape = (l) => Math.abs(Math.exp(l) - 1);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

const series = new Map();
records.forEach((r, i) => {
  const k = [r.workload, r.model, r.hardware, r.tp, r.ep ?? 1, r.dp ?? 1, r.num_gpus].join('|');
  if (!series.has(k)) series.set(k, []);
  series.get(k).push(i);
});
const minusOffset = new Array(records.length);
const minusLine = new Array(records.length);
for (const ids of series.values()) {
  const m = mean(ids.map((i) => logRes[i]));
  const xs = ids.map((i) => Math.log(records[i].batch));
  const mx = mean(xs);
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const slope = sxx > 0 ? ids.reduce((a, i, k) => a + (xs[k] - mx) * (logRes[i] - m), 0) / sxx : 0;
  ids.forEach((i, k) => {
    minusOffset[i] = logRes[i] - m;
    minusLine[i] = logRes[i] - m - slope * (xs[k] - mx);
  });
}
/** In-sample MAPE with one fit per group of records. */
const separately = (key) => {
  const g = new Map();
  records.forEach((r) => { const k = key(r); if (!g.has(k)) g.set(k, []); g.get(k).push(r); });
  let sum = 0;
  for (const rs of g.values()) {
    const p = predictEnergy(fitEnergyModel(rs, { seed: 0 }), rs);
    rs.forEach((r, i) => { sum += Math.abs(p[i].energyPerTokenJ / (r.energy_j / r.output_tokens) - 1); });
  }
  return { groups: g.size, mape: +(sum / records.length).toFixed(4) };
};
const total = logRes.reduce((a, l) => a + ape(l), 0);
const groups = (key) => {
  const g = new Map();
  records.forEach((r, i) => {
    const k = key(r);
    const e = g.get(k) ?? { records: 0, ape: 0 };
    e.records += 1;
    e.ape += ape(logRes[i]);
    g.set(k, e);
  });
  return Object.fromEntries([...g].sort((a, b) => b[1].ape - a[1].ape)
    .map(([k, e]) => [k, { records: e.records, mape: +(e.ape / e.records).toFixed(4), shareOfError: +(e.ape / total).toFixed(4) }]));
};
console.log(JSON.stringify({
  records: records.length,
  series: series.size,
  mape: +(total / records.length).toFixed(4),
  withoutSeriesOffset: +mean(minusOffset.map(ape)).toFixed(4),
  withoutSeriesLine: +mean(minusLine.map(ape)).toFixed(4),
  separateFits: { byHardware: separately((r) => r.hardware), byHardwareArchitecture: separately((r) => `${r.hardware} ${r.architecture}`) },
  byGroup: { hardwareArchitecture: groups((r) => `${r.hardware} ${r.architecture}`), hardwareTask: groups((r) => `${r.hardware} ${r.workload}`) },
}, null, 2));
