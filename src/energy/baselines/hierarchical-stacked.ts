/**
 * The hierarchical fit with a stacked residual model (issue 15, a new deployment from a few records):
 *
 *   log y = log f(x; theta) + g(x) + u_s + v_s c + w_{s,l} + e
 *
 * f is the shared structure, (u, v, w) the series effects (hierarchical.ts), and g a residual model (gradient-boosted
 * trees, say) learnt on the other series' residuals with each series' own level and slope taken out: what every
 * series shares beyond the structure, e.g. how a workload or a layout moves energy, so a setting of a new series
 * that none of its few records covers starts from what the other series say about it. The effects are then
 * re-estimated on what g leaves; for the training series g's predictions come from models that did not see them
 * (cross-fitting over `folds` groups of series), so the spreads describe a series g has not seen, which a new
 * deployment is. The k records of a new series then set its effects under f + g (the usual posterior).
 */
import { fitHierarchical, logResiduals, posteriorsOf, type HierarchicalFit, type HierarchicalOptions } from '../model/hierarchical.js';
import { effectFor, estimateComponents, groupKey, seriesStats } from '../model/series-effects.js';
import { closedFormMethod } from './closed-form.js';
import { fingerprint, fittedHierarchical } from './hierarchical.js';
import type { EnergyMethod, FittedMethod, MethodContext, TrainRecord } from './method.js';

export interface StackedOptions extends Omit<HierarchicalOptions, 'crossed'> {
  /** cross-fitting folds of series for the spreads (default 5) */
  folds?: number;
  /** what g learns: the residuals with each series' level and slope taken out (default), or also its setting levels */
  target?: 'level' | 'effects';
}

const hash = (key: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
};

/** A record whose energy per token is exp(t): the residual model's training row (its features are the record's). */
const withTarget = (r: TrainRecord, t: number): TrainRecord => ({ ...r, energy_j: r.output_tokens * Math.exp(t) });

function stackedFit(records: readonly TrainRecord[], residualModel: EnergyMethod, ctx: MethodContext, options: StackedOptions): HierarchicalFit {
  const base = fitHierarchical(records, (recs, c) => closedFormMethod.fit(recs, c), ctx, options);
  const { by, center, components } = base.series;
  const keys = records.map((r) => groupKey(r, by.series));
  const res = logResiduals(base.shared, records);
  const target = records.map((r, i) => {
    if (options.target === 'effects') return res[i] - effectFor(r, by, center, components, base.posteriors, keys[i]).shift;
    const m = base.posteriors.get(keys[i])?.mean ?? [0, 0];
    return res[i] - m[0] - m[1] * (Math.log(r.batch) - center);
  });
  const fitOn = (idx: readonly number[]): FittedMethod => residualModel.fit(idx.map((i) => withTarget(records[i], target[i])), ctx);
  const all = records.map((_, i) => i);
  const g = fitOn(all);
  // cross-fitted residuals of the training series: g fitted without the series' fold
  const folds = Math.max(2, options.folds ?? 5);
  const seriesKeys = [...new Set(keys)].sort((a, b) => hash(a) - hash(b) || (a < b ? -1 : 1));
  const foldOf = new Map(seriesKeys.map((k, j) => [k, j % folds]));
  const left = new Float64Array(records.length);
  for (let f = 0; f < Math.min(folds, seriesKeys.length); f++) {
    const inside = all.filter((i) => foldOf.get(keys[i]) === f);
    const gf = fitOn(all.filter((i) => foldOf.get(keys[i]) !== f));
    const p = gf.predict(inside.map((i) => records[i]));
    gf.dispose?.();
    inside.forEach((i, j) => { left[i] = res[i] - Math.log(p[j]); });
  }
  const stats = seriesStats(records, left, by, center, (_, i) => keys[i]);
  const series = { by, center, components: estimateComponents(stats), stats };
  const shared: FittedMethod = {
    method: 'hierarchical-stacked',
    notes: [...base.shared.notes, `stacked residual model: ${residualModel.name} on the series' residuals after their level and slope (${folds}-fold cross-fitted for the spreads)`],
    predict: (configs) => {
      const f = base.shared.predict(configs);
      const r = g.predict(configs);
      return f.map((v, i) => v * r[i]);
    },
    dispose: () => { g.dispose?.(); base.shared.dispose?.(); },
  };
  return { shared, series, posteriors: posteriorsOf(series) };
}

/** The stacked method: `residualModel` is the other method (XGBoost's) that learns g. Fits are memoised per training set. */
export function createStackedHierarchicalMethod(residualModel: EnergyMethod, options: StackedOptions = {}): EnergyMethod {
  const memo = new Map<string, HierarchicalFit>();
  return {
    name: 'hierarchical-stacked',
    label: `closed form + ${residualModel.name} residuals + series effects`,
    kind: 'closed form',
    description: `the hierarchical fit with a ${residualModel.name} model of what the series share beyond the structure (their level and slope taken out), the series effects on what it leaves`,
    fit: (records, ctx = {}) => {
      const key = fingerprint(records, ctx.seed);
      let fit = memo.get(key);
      if (!fit) {
        fit = stackedFit(records, residualModel, ctx, options);
        if (memo.size >= 64) {
          const oldest = memo.keys().next().value as string;
          memo.get(oldest)?.shared.dispose?.();
          memo.delete(oldest);
        }
        memo.set(key, fit);
      }
      return { ...fittedHierarchical(fit), method: 'hierarchical-stacked' };
    },
  };
}
