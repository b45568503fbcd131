// Where the physics residuals of ML.ENERGY v3 lie between series, and which record/catalog features explain them
// (issue 14; README, Discovered structure, "ML.ENERGY v3 random 50 and the 25-record row"). Physics fitted on all
// 838 records; log residuals (measured over predicted); series = model, GPU, precision (fit's default grouping).
// Prints: the between-series share of the residual variance, each feature's share of the between-series variance
// (one-way, weighted by records; continuous features by their r^2), the within-series slope on log batch and the
// largest series levels. Usage: node bench/series-residuals.mjs (after npm run build)
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fitEnergyModel, importMlEnergy, predictEnergy, recordFeatures } from '../dist/energy/index.js';
const here = dirname(fileURLToPath(import.meta.url));
const MLENERGY = join(here, '..', '..', 'shared', 'data', 'mlenergy-v3');
if (!existsSync(MLENERGY)) { console.log(`skipped: ${MLENERGY} not found (the shared data folder is absent)`); process.exit(0); }
const recs = importMlEnergy(MLENERGY);
const model = fitEnergyModel(recs, { seed: 0 });
const pred = predictEnergy(model, recs);
const F = recordFeatures(recs);
const res = recs.map((r, i) => Math.log((r.energy_j / r.output_tokens) / pred[i].energyPerTokenJ)); // + = physics under-predicts
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
const tot = res.reduce((a, v) => a + (v - mean(res)) ** 2, 0);
const skey = (r) => [r.model, r.hardware, r.precision].join('|');
// series means
const S = new Map(); recs.forEach((r, i) => { const k = skey(r); (S.get(k) ?? S.set(k, []).get(k)).push(i); });
const within = [...S.values()].reduce((a, ix) => { const m = mean(ix.map((i) => res[i])); return a + ix.reduce((b, i) => b + (res[i] - m) ** 2, 0); }, 0);
console.log('records', recs.length, 'series', S.size, 'total SS', tot.toFixed(2), 'rms', Math.sqrt(tot / recs.length).toFixed(3), 'between-series share', (1 - within / tot).toFixed(3));
// series-level table
const rows = [...S.entries()].map(([k, ix]) => { const r = recs[ix[0]], f = F[ix[0]]; return { k, n: ix.length, m: mean(ix.map((i) => res[i])), r, f }; });
const bm = mean(rows.flatMap((x) => Array(x.n).fill(x.m)));
const btot = rows.reduce((a, x) => a + x.n * (x.m - bm) ** 2, 0);
const factor = (name, fn) => {
  const G = new Map(); rows.forEach((x) => { const g = fn(x); (G.get(g) ?? G.set(g, []).get(g)).push(x); });
  let ss = 0; const desc = [];
  for (const [g, xs] of G) { const n = xs.reduce((a, x) => a + x.n, 0); const m = xs.reduce((a, x) => a + x.n * x.m, 0) / n; ss += n * (m - bm) ** 2; desc.push(`${g}:${m.toFixed(3)}(${xs.length})`); }
  console.log(name.padEnd(14), 'R2 of between-series', (ss / btot).toFixed(3), 'levels', G.size, desc.slice(0, 12).join(' '));
};
factor('hardware', (x) => x.r.hardware);
factor('architecture', (x) => x.r.architecture);
factor('modality', (x) => x.r.modality);
factor('precision', (x) => x.r.precision);
factor('model', (x) => x.r.model);
factor('family', (x) => x.r.model.split('/')[1]?.split('-')[0] ?? x.r.model);
factor('hw+arch', (x) => x.r.hardware + '+' + x.r.architecture);
factor('size>30B', (x) => x.r.params_b > 30 ? 'big' : 'small');
factor('workload', (x) => x.r.workload);
// continuous correlations with series means (weighted)
const corr = (name, fn) => { const xs = rows.map((x) => fn(x)); const mx = rows.reduce((a, x, i) => a + x.n * xs[i], 0) / recs.length; let sxy = 0, sxx = 0; rows.forEach((x, i) => { sxy += x.n * (xs[i] - mx) * (x.m - bm); sxx += x.n * (xs[i] - mx) ** 2; }); console.log(name.padEnd(14), 'r2', (sxy * sxy / sxx / btot).toFixed(3), 'slope', (sxy / sxx).toFixed(3)); };
corr('log params', (x) => Math.log(x.f.paramsB)); corr('log active', (x) => Math.log(x.f.activeParamsB)); corr('active/params', (x) => x.f.activeParamsB / x.f.paramsB);
corr('log layers', (x) => Math.log(x.f.layers)); corr('log hidden', (x) => Math.log(x.f.hiddenSize)); corr('log kvB/tok', (x) => Math.log(x.f.kvBytesPerToken));
corr('log kv/param', (x) => Math.log(x.f.kvBytesPerToken / x.f.paramsB)); corr('log ctx', (x) => Math.log(x.f.contextTokens)); corr('log gpus', (x) => Math.log(x.f.gpus));
corr('log hidden/lay', (x) => Math.log(x.f.hiddenSize / x.f.layers));
// within series: residual vs log batch
let sxy = 0, sxx = 0; recs.forEach((r, i) => { const ix = S.get(skey(r)); const mb = mean(ix.map((j) => Math.log(recs[j].batch))); const m = mean(ix.map((j) => res[j])); sxy += (Math.log(r.batch) - mb) * (res[i] - m); sxx += (Math.log(r.batch) - mb) ** 2; });
console.log('within-series slope on log batch', (sxy / sxx).toFixed(3), 'share of within SS', (sxy * sxy / sxx / within).toFixed(3));
console.log('--- per series, workload fim / top abs');
rows.sort((a, b) => Math.abs(b.m) - Math.abs(a.m)).slice(0, 14).forEach((x) => console.log(x.k.padEnd(60), x.r.workload.padEnd(16), x.n, x.m.toFixed(3), 'batch', [...S.get(x.k)].map((i) => recs[i].batch.toFixed(0)).join(',')));
