// A quick screen of series-effect designs for the new-deployment protocol (issue 15's k = 5 target), on one shared
// closed-form fit of all ML.ENERGY v3 records (so optimistic, for ranking only; bench/new-deployment.bench.mjs
// confirms). Each eligible series of one half (the bench's --half split) is left out: the effects are refitted on
// the other series' log residuals, given k = 0, 3, 5, 10 of its records (3 seeds) and scored on its records past the
// tenth. Variants:
//   series            today's effects (level, slope in log batch, setting level), prior mean zero
//   cov:F1+F2...      the series' level (and with `cov2:` also its slope) has a prior mean regressed on series
//                     covariates (Fay-Herriot / empirical Bayes with covariates; GLS under the effects' marginal
//                     covariance, iterated with the spreads): F in params, active, b200, fp8, mxfp4, moe, modality
//   gbm-raw           stacked: XGBoost on the other series' raw log residuals (the tabular features), the effects on
//                     what it leaves
//   gbm-within        stacked: XGBoost on the other series' residuals with their own series effects taken out (what
//                     is common to every series after its level), the effects on what it leaves
// Usage: node bench/series-screen.mjs a|b|all VARIANT...
import { Matrix, CholeskyDecomposition, solve } from 'ml-matrix';
import { seriesStats, estimateComponents, groupKey, DEFAULT_SERIES_BY, logBatchCenter, effectFor, mergeSeriesStats } from '../dist/energy/model/series-effects.js';
import { seriesPosteriors } from '../dist/energy/model/series-posteriors.js';
import { covariateEncoder, fitPriorMean } from '../dist/energy/model/series-prior-mean.js';
import { createMethods } from '../dist/energy/index.js';
import { byHash } from '../dist/util/hash.js';
import { seriesScreenSetup, rng } from './series-screen-setup.mjs';

const { recs, res, by, center, keyOf, half, variants, idxBy, H } = await seriesScreenSetup();
const [xgb] = await createMethods(['xgboost']);
const asTarget = (r, t) => ({ ...r, energy_j: r.output_tokens * Math.exp(t) });

for (const v of variants) {
  const out = {}; for (const k of [0, 3, 5, 10]) out[k] = { e: 0, n: 0, cov: 0 };
  const [kind, spec] = v.split(':');
  for (const key of H) {
    const own = idxBy.get(key);
    const restIdx = recs.map((_, i) => i).filter((i) => keyOf(recs[i]) !== key);
    let r = res.slice();
    // stacked residual model: trained on the other series only
    if (kind.startsWith('gbm')) {
      // gbm-raw: the raw residuals; gbm-within: with each series' posterior effect taken out; gbm-level: its level and
      // slope only (the model then learns setting patterns common to all series); -cf: the training series' residuals
      // for the spreads come from models that did not see them (5 folds of series), so the spreads stay honest
      let target = restIdx.map((i) => res[i]);
      if (kind.startsWith('gbm-within') || kind.startsWith('gbm-level')) {
        const rs = seriesStats(restIdx.map((i) => recs[i]), target, by, center);
        const c = estimateComponents(rs); const post = seriesPosteriors({ stats: rs, components: c });
        target = restIdx.map((i, j) => {
          if (kind.startsWith('gbm-within')) return target[j] - effectFor(recs[i], by, center, c, post).shift;
          const m = post.get(keyOf(recs[i])).mean; return target[j] - m[0] - m[1] * (Math.log(recs[i].batch) - center);
        });
      }
      const fitOn = (ix) => { const m = xgb.fit(ix.map((j) => asTarget(recs[restIdx[j]], target[j])), { seed: 1 }); return m; };
      const m = fitOn(restIdx.map((_, j) => j));
      const p = m.predict(recs).map(Math.log);
      m.dispose?.();
      r = res.map((x, i) => x - p[i]);
      if (kind.endsWith('-cf')) {
        const keys = byHash(new Set(restIdx.map((i) => keyOf(recs[i]))));
        const fold = new Map(keys.map((k, j) => [k, j % 5]));
        for (let f = 0; f < 5; f++) {
          const inF = restIdx.map((i, j) => [i, j]).filter(([i]) => fold.get(keyOf(recs[i])) === f);
          const mf = fitOn(restIdx.map((i, j) => j).filter((j) => fold.get(keyOf(recs[restIdx[j]])) !== f));
          const pf = mf.predict(inF.map(([i]) => recs[i])).map(Math.log);
          mf.dispose?.();
          inF.forEach(([i], q) => { r[i] = res[i] - pf[q]; });
        }
      }
    }
    const restStats = seriesStats(restIdx.map((i) => recs[i]), restIdx.map((i) => r[i]), by, center);
    let comp; let prior = null; let enc;
    if (kind === 'cov' || kind === 'cov2') {
      enc = covariateEncoder(restIdx.map((i) => recs[i]), spec.split('+'));
      prior = fitPriorMean(restStats, restStats.map((s) => enc.encode(recs[idxBy.get(s.key)[0]])), { slope: kind === 'cov2' });
      comp = prior.components;
    } else comp = estimateComponents(restStats);
    const rest = prior ? prior.shifted : restStats;
    const mine = prior ? prior.meanOf(enc.encode(recs[own[0]])) : [0, 0];
    for (let seed = 1; seed <= 3; seed++) {
      const rnd = rng(seed * 1000 + own[0]); const sh = own.map((i) => [rnd(), i]).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
      const test = sh.slice(10);
      for (const k of [0, 3, 5, 10]) {
        const cal = sh.slice(0, k);
        const fresh = k ? seriesStats(cal.map((i) => recs[i]), cal.map((i) => r[i] - mine[0] - mine[1] * (Math.log(recs[i].batch) - center)), by, center) : [];
        const post = seriesPosteriors({ stats: mergeSeriesStats(rest, fresh), components: comp });
        for (const i of test) {
          const x = effectFor(recs[i], by, center, comp, post);
          const shift = x.shift + mine[0] + mine[1] * (Math.log(recs[i].batch) - center);
          out[k].e += Math.abs(Math.exp(r[i] - shift) - 1); out[k].n++; out[k].cov += Math.abs(r[i] - shift) < 1.96 * x.sd ? 1 : 0;
        }
      }
    }
  }
  console.log(v.padEnd(40), half, Object.entries(out).map(([k, o]) => `k=${k} ${(100 * o.e / o.n).toFixed(1)}% cov ${(100 * o.cov / o.n).toFixed(0)}`).join('  '));
}
