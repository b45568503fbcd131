// A quick screen of series-effect variants for the new-deployment protocol (no shared refits): the closed form is
// fitted once on all ML.ENERGY v3 records, and the effects are refitted on its log residuals with each eligible series
// of one half (the bench's --half split) left out, then given k = 0, 3, 5, 10 of its records (3 seeds) and scored on
// its records past the tenth. Faster than bench/new-deployment.bench.mjs (which refits the shared structure per fold)
// and optimistic (the shared fit saw the held-out series), so it ranks variants; the bench confirms them.
// Usage: node bench/crossed-effects-screen.mjs a|b|all VARIANT...  (PER_SERIES=1: also each series' k = 0 error)   VARIANT: series | comma-separated crossed factors
//        (columns, a+b for interactions) with optional ",slope" | model@SPREAD (a model effect with its spread fixed)
import { seriesStats, estimateComponents, groupKey, DEFAULT_SERIES_BY, logBatchCenter, effectFor, mergeSeriesStats } from '../dist/energy/model/series-effects.js';
import { seriesPosteriors } from '../dist/energy/model/series-posteriors.js';
import { estimateCrossed, crossedLevels, crossedPosteriors } from '../dist/energy/model/crossed-effects.js';
import { seriesScreenSetup, rng } from './series-screen-setup.mjs';
const { recs, res, by, center, keyOf, half, variants, idxBy, H } = await seriesScreenSetup();
// models on both GPUs: how their series' mean residuals co-vary (a moment view of a model effect)
{
  const means = new Map(); for (const [k, ix] of idxBy) { const m = recs[ix[0]].model; means.set(m, [...(means.get(m) ?? []), ix.reduce((a, i) => a + res[i], 0) / ix.length]); }
  const pairs = [...means.values()].filter((v) => v.length === 2);
  const mean = (v) => v.reduce((a, x) => a + x, 0) / v.length;
  const [ma, mb] = [mean(pairs.map((p) => p[0])), mean(pairs.map((p) => p[1]))];
  const cov = pairs.reduce((a, p) => a + (p[0] - ma) * (p[1] - mb), 0) / (pairs.length - 1);
  const va = pairs.reduce((a, p) => a + (p[0] - ma) ** 2, 0) / (pairs.length - 1), vb = pairs.reduce((a, p) => a + (p[1] - mb) ** 2, 0) / (pairs.length - 1);
  console.log(`models with two series: ${pairs.length}; their series' mean log residuals: covariance ${cov.toFixed(4)}, correlation ${(cov / Math.sqrt(va * vb)).toFixed(2)}`);
}
const stats = seriesStats(recs, res, by, center);
for (const v of variants) {
  const factors = v.startsWith('model@') ? ['model'] : v==='series' ? [] : v.split(',').filter(x=>x!=='slope'); const slope = v.includes('slope');
  const out = {};
  for (const k of [0,3,5,10]) out[k] = { e:0, n:0, cov:0 };
  const perSeries = [];
  for (const key of H) {
    let e0 = 0, n0 = 0;
    const rest = stats.filter(s=>s.key!==key);
    const restRecs = recs.filter(r=>keyOf(r)!==key);
    let comp, crossed;
    if (v.startsWith('model@')) { const t = Number(v.split('@')[1]); const b = estimateComponents(rest); comp = { ...b, tauLevel: Math.sqrt(Math.max(b.tauLevel**2 - t*t, 1e-4)) }; crossed = { factors: ['model'], slope: false, tauLevel: [t], tauSlope: [], levels: crossedLevels(restRecs, ['model'], keyOf) }; }
    else if (factors.length) { const e = estimateCrossed(rest, factors, slope, crossedLevels(restRecs, factors, keyOf)); comp=e.components; crossed=e.crossed; }
    else comp = estimateComponents(rest);
    const own = idxBy.get(key);
    for (let seed=1; seed<=3; seed++) {
      const rnd = rng(seed*1000+own[0]); const sh = [...own].sort(()=>0).map(i=>[rnd(),i]).sort((a,b)=>a[0]-b[0]).map(x=>x[1]);
      const test = sh.slice(10);
      for (const k of [0,3,5,10]) {
        const cal = sh.slice(0,k);
        const fresh = k ? seriesStats(cal.map(i=>recs[i]), cal.map(i=>res[i]), by, center) : [];
        const all = mergeSeriesStats(rest, fresh);
        const post = crossed ? crossedPosteriors(all, comp, { ...crossed, levels: crossedLevels(cal.map(i=>recs[i]), factors, keyOf, crossed.levels) }) : seriesPosteriors({ stats: all, components: comp });
        for (const i of test) { const x = effectFor(recs[i], by, center, comp, post); out[k].e += Math.abs(Math.exp(res[i]-x.shift)-1); out[k].n++; if (k === 0) { e0 += Math.abs(Math.exp(res[i]-x.shift)-1); n0++; } out[k].cov += Math.abs(res[i]-x.shift) < 1.96*x.sd ? 1:0; }
      }
    }
    perSeries.push(`  ${v} ${key}: k=0 MAPE ${(100 * e0 / n0).toFixed(1)} %`);
  }
  if (process.env.PER_SERIES) console.log(perSeries.join('\n'));
  console.log(v.padEnd(30), half, Object.entries(out).map(([k,o])=>`k=${k} ${(100*o.e/o.n).toFixed(1)}% cov ${(100*o.cov/o.n).toFixed(0)}`).join('  '));
}
