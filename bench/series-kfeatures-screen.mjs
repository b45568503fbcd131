// A quick screen of residual trees given the held-out series' own k records (issue 15; README "A new deployment from
// a few records"), on one shared closed-form fit of all ML.ENERGY v3 records (so optimistic, for ranking only). Each
// eligible series of one half is left out; the series effects are estimated on the other series' log residuals; the
// trees learn the correction to a series' effects posterior from the record's tabular features plus features of the
// series' k records (k, their mean residual, the posterior shift at the record, the mean residual of the k records at
// the record's setting and workload and their counts, the residual and log-batch distance of the nearest of them).
// Their training rows are built exactly as a new series sees them: each training series gets R random draws of k
// records (k in 3, 5, 10) that set its features and posterior, and its other records are the rows. Scored on the
// held-out series' records past the tenth given k = 0, 3, 5, 10 of its records (3 seeds), against the effects alone.
// Usage: node bench/series-kfeatures-screen.mjs a|b|all VARIANT...
//   series            the effects alone
//   kfeat[:R]         the trees given k-record features (R draws per training series and k; default 2)
//   kfeat-only[:R]    the same trees without the record's tabular features (only the k-record features, batch and setting)
//   stack, stack+kfeat[:R]  the same on the residuals after the stacked residual trees (fit --residual-trees: XGBoost on
//                     the other series' residuals with their level and slope taken out, the training series' residuals
//                     cross-fitted over 5 folds of series, as bench/series-screen.mjs gbm-level-cf)
import { createMethods } from '../dist/energy/index.js';
import { seriesStats, estimateComponents, groupKey, DEFAULT_SERIES_BY, logBatchCenter, effectFor } from '../dist/energy/model/series-effects.js';
import { seriesPosteriors } from '../dist/energy/model/series-posteriors.js';
import { loadGradientBoosting, GRADIENT_BOOSTING_OPTIONS } from '../dist/energy/baselines/gradient-boosting.js';
import { tabularEncoder } from '../dist/energy/baselines/tabular.js';
import { byHash } from '../dist/util/hash.js';
import { seriesScreenSetup, rng } from './series-screen-setup.mjs';

const { recs, res: res0, by, center, keyOf, half, variants, idxBy, H } = await seriesScreenSetup();
let res = res0;
const [xgb] = await createMethods(['xgboost']);
const XGBoost = await loadGradientBoosting();
const settingOf = recs.map((r) => groupKey(r, by.setting));
const lb = recs.map((r) => Math.log(r.batch));

/** The effects' prediction at record i given the series' k records `cal` (indexes), and the k-record features. */
function kFeatures(i, cal, comp) {
  const key = keyOf(recs[i]);
  const post = cal.length ? seriesPosteriors({ stats: seriesStats(cal.map((j) => recs[j]), cal.map((j) => res[j]), by, center), components: comp }) : new Map();
  const e = effectFor(recs[i], by, center, comp, post, key);
  const k = cal.length;
  const mean = k ? cal.reduce((a, j) => a + res[j], 0) / k : 0;
  const same = cal.filter((j) => settingOf[j] === settingOf[i]);
  const work = cal.filter((j) => recs[j].workload === recs[i].workload);
  const avg = (ix) => (ix.length ? ix.reduce((a, j) => a + res[j], 0) / ix.length : mean);
  let near = -1; let best = Infinity;
  for (const j of cal) { const d = Math.abs(lb[j] - lb[i]) + (settingOf[j] === settingOf[i] ? 0 : 10); if (d < best) { best = d; near = j; } }
  const m = post.get(key)?.mean ?? [0, 0];
  const f = [k, mean, e.shift, e.sd, m[0], m[1], avg(same), same.length, avg(work), work.length, near >= 0 ? res[near] : mean, near >= 0 ? lb[i] - lb[near] : 0, near >= 0 && settingOf[near] === settingOf[i] ? 1 : 0];
  return { shift: e.shift, sd: e.sd, f };
}

const asTarget = (r, t) => ({ ...r, energy_j: r.output_tokens * Math.exp(t) });
/** The log residuals after the stacked residual trees fitted without series `key` (cross-fitted for the others). */
function stackedResiduals(key) {
  const restIdx = recs.map((_, i) => i).filter((i) => keyOf(recs[i]) !== key);
  const rs = seriesStats(restIdx.map((i) => recs[i]), restIdx.map((i) => res0[i]), by, center);
  const post = seriesPosteriors({ stats: rs, components: estimateComponents(rs) });
  const target = restIdx.map((i) => { const m = post.get(keyOf(recs[i])).mean; return res0[i] - m[0] - m[1] * (lb[i] - center); });
  const fitOn = (js) => xgb.fit(js.map((j) => asTarget(recs[restIdx[j]], target[j])), { seed: 1 });
  const m = fitOn(restIdx.map((_, j) => j));
  const p = m.predict(recs).map(Math.log); m.dispose?.();
  const r = res0.map((x, i) => x - p[i]);
  const keys = byHash(new Set(restIdx.map((i) => keyOf(recs[i]))));
  const fold = new Map(keys.map((k, j) => [k, j % 5]));
  for (let f = 0; f < 5; f++) {
    const inF = restIdx.filter((i) => fold.get(keyOf(recs[i])) === f);
    const mf = fitOn(restIdx.map((_, j) => j).filter((j) => fold.get(keyOf(recs[restIdx[j]])) !== f));
    const pf = mf.predict(inF.map((i) => recs[i])).map(Math.log); mf.dispose?.();
    inF.forEach((i, q) => { r[i] = res0[i] - pf[q]; });
  }
  return r;
}

for (const v of variants) {
  const [kind0, rText] = v.split(':');
  const stacked = kind0.startsWith('stack');
  const kind = stacked ? (kind0 === 'stack' ? 'series' : kind0.slice('stack+'.length)) : kind0;
  const R = Number(rText ?? 2);
  const out = {}; for (const k of [0, 3, 5, 10]) out[k] = { e: 0, n: 0, cov: 0 };
  for (const key of H) {
    const own = idxBy.get(key);
    const restIdx = recs.map((_, i) => i).filter((i) => keyOf(recs[i]) !== key);
    res = stacked ? stackedResiduals(key) : res0;
    const comp = estimateComponents(seriesStats(restIdx.map((i) => recs[i]), restIdx.map((i) => res[i]), by, center));
    let booster; let enc;
    if (kind !== 'series') {
      enc = tabularEncoder(restIdx.map((i) => recs[i]));
      const tab = (i) => (kind === 'kfeat-only' ? [lb[i], recs[i].tp, recs[i].num_gpus] : enc.encode([recs[i]])[0]);
      const X = []; const y = [];
      const rnd = rng(99 + own[0]);
      for (const [sk, ix] of idxBy) {
        if (sk === key) continue;
        for (const k of [3, 5, 10]) {
          if (ix.length <= k) continue;
          for (let rep = 0; rep < R; rep++) {
            const sh = ix.map((i) => [rnd(), i]).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
            const cal = sh.slice(0, k);
            for (const i of sh.slice(k)) { const q = kFeatures(i, cal, comp); X.push([...tab(i), ...q.f]); y.push(res[i] - q.shift); }
          }
        }
      }
      booster = new XGBoost({ ...GRADIENT_BOOSTING_OPTIONS, base_score: 0, seed: 1 });
      booster.train(X, y);
      booster.tab = tab;
    }
    for (let seed = 1; seed <= 3; seed++) {
      const rnd = rng(seed * 1000 + own[0]); const sh = own.map((i) => [rnd(), i]).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
      const test = sh.slice(10);
      for (const k of [0, 3, 5, 10]) {
        const cal = sh.slice(0, k);
        const q = test.map((i) => kFeatures(i, cal, comp));
        const g = booster && k > 0 ? booster.predict(test.map((i, t) => [...booster.tab(i), ...q[t].f])) : test.map(() => 0);
        test.forEach((i, t) => {
          const shift = q[t].shift + g[t];
          out[k].e += Math.abs(Math.exp(res[i] - shift) - 1); out[k].n++; out[k].cov += Math.abs(res[i] - shift) < 1.96 * q[t].sd ? 1 : 0;
        });
      }
    }
    booster?.free();
  }
  console.log(v.padEnd(24), half, Object.entries(out).map(([k, o]) => `k=${k} ${(100 * o.e / o.n).toFixed(1)}% cov ${(100 * o.cov / o.n).toFixed(0)}`).join('  '));
}
