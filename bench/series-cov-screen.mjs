// A quick screen of functional series effects with a learnt covariance (model/series-covariance.ts) against the
// series effects, on one shared closed-form fit of all ML.ENERGY v3 records (so optimistic, for ranking only;
// bench/new-deployment.bench.mjs confirms). As bench/crossed-effects-screen.mjs: each eligible series of one half is
// left out, the model is estimated on the other series' log residuals, given k = 0, 3, 5, 10 of its records
// (3 seeds) and scored on its records past the tenth.
// Usage: node bench/series-cov-screen.mjs a|b|all VARIANT...
//   series                       the series effects (level, slope in log batch, setting level)
//   cov:F1+F2...[@SHRINK]        the covariance model on the basis F (batch, batch2, workload, gpus, tp, input,
//                                output; `default`: batch+batch2+workload+gpus+tp), Sigma's correlations shrunk by a
//                                prior weight of SHRINK series (default 0)
import { seriesStats, estimateComponents, groupKey, DEFAULT_SERIES_BY, logBatchCenter, effectFor, mergeSeriesStats } from '../dist/energy/model/series-effects.js';
import { seriesPosteriors } from '../dist/energy/model/series-posteriors.js';
import { covBasisOf, covSeriesStats, estimateCovEffects, covPosterior, covEffectAt, DEFAULT_COV_FEATURES } from '../dist/energy/model/series-covariance.js';
import { seriesScreenSetup, rng } from './series-screen-setup.mjs';

const { recs, res, by, center, keyOf, half, variants, idxBy, H } = await seriesScreenSetup();

for (const v of variants) {
  const out = {}; for (const k of [0, 3, 5, 10]) out[k] = { e: 0, n: 0, cov: 0 };
  const [kind, rest0] = v.split(':');
  const [spec, shrinkText] = (rest0 ?? '').split('@');
  const features = spec === 'default' ? DEFAULT_COV_FEATURES : (spec ?? '').split('+').filter(Boolean);
  let last;
  for (const key of H) {
    const own = idxBy.get(key);
    const restIdx = recs.map((_, i) => i).filter((i) => keyOf(recs[i]) !== key);
    const restRecs = restIdx.map((i) => recs[i]); const restRes = restIdx.map((i) => res[i]);
    const restStats = seriesStats(restRecs, restRes, by, center);
    const comp = estimateComponents(restStats);
    let model, covStats;
    if (kind === 'cov') {
      const basis = covBasisOf(restRecs, center, features, keyOf);
      covStats = covSeriesStats(basis, by, restRecs, restRes, keyOf);
      const variances = basis.names.map((n) => (n === 'level' ? comp.tauLevel ** 2 : n === 'batch' ? comp.tauSlope ** 2 : 0.01));
      model = estimateCovEffects(covStats, basis, { variances, tauSetting: comp.tauSetting, sigma: comp.sigma }, { shrink: Number(shrinkText ?? 0) });
      last = model;
    }
    for (let seed = 1; seed <= 3; seed++) {
      const rnd = rng(seed * 1000 + own[0]); const sh = own.map((i) => [rnd(), i]).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
      const test = sh.slice(10);
      for (const k of [0, 3, 5, 10]) {
        const cal = sh.slice(0, k);
        let at;
        if (kind === 'cov') {
          const mine = k ? covSeriesStats(model.basis, by, cal.map((i) => recs[i]), cal.map((i) => res[i]), keyOf)[0] : undefined;
          const post = mine ? covPosterior(model, mine) : undefined;
          at = (r) => covEffectAt(model, post, r, by);
        } else {
          const fresh = k ? seriesStats(cal.map((i) => recs[i]), cal.map((i) => res[i]), by, center) : [];
          const post = seriesPosteriors({ stats: mergeSeriesStats(restStats, fresh), components: comp });
          at = (r) => effectFor(r, by, center, comp, post);
        }
        for (const i of test) {
          const x = at(recs[i]);
          out[k].e += Math.abs(Math.exp(res[i] - x.shift) - 1); out[k].n++; out[k].cov += Math.abs(res[i] - x.shift) < 1.96 * x.sd ? 1 : 0;
        }
      }
    }
  }
  console.log(v.padEnd(40), half, Object.entries(out).map(([k, o]) => `k=${k} ${(100 * o.e / o.n).toFixed(1)}% cov ${(100 * o.cov / o.n).toFixed(0)}`).join('  '));
  if (process.env.SHOW && last) {
    const d = last.basis.names.length; const sd = last.basis.names.map((_, i) => Math.sqrt(last.cov[i * d + i]));
    console.log('  sd', last.basis.names.map((n, i) => `${n} ${sd[i].toFixed(3)}`).join(', '), `setting ${last.tauSetting.toFixed(3)} sigma ${last.sigma.toFixed(3)}`);
    console.log('  corr\n' + last.basis.names.map((n, i) => `  ${n.padEnd(22)} ` + last.basis.names.map((_, j) => (last.cov[i * d + j] / sd[i] / sd[j]).toFixed(2).padStart(6)).join('')).join('\n'));
  }
}
