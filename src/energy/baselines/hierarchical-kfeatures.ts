/**
 * The hierarchical fit with residual trees given the series' own k records (model/series-kfeatures.ts) behind the
 * method interface (a bench method: `hierarchical-kfeat`, or `hierarchical-stacked-kfeat` on the stacked residual
 * trees' residuals). The trees learn the correction to a series' effects posterior from a record's tabular features
 * and the features of its series' k records, on rows built from random draws of k records of each training series;
 * a new series' k records (calibrate) give its features. With no record of a series: the hierarchical fit's
 * prediction (with stacking: the shared structure times the stacked trees' factor, as fit --residual-trees predicts).
 */
import { fitHierarchical, logResiduals, predictHierarchical, type HierarchicalFit } from '../model/hierarchical.js';
import { DEFAULT_SERIES_SPREADS, seriesSpreadsEstimator } from '../model/series-fit.js';
import { groupKey, type VarianceComponents } from '../model/series-effects.js';
import { fitStackedResiduals } from '../model/stacked-residuals.js';
import { kFeatureRows, kRecordFeatures, type KRecords } from '../model/series-kfeatures.js';
import { closedFormMethod } from './closed-form.js';
import { createGradientBoostingMethod, GRADIENT_BOOSTING_OPTIONS, loadGradientBoosting } from './gradient-boosting.js';
import { memoisedFit, type IntervalMethod } from './hierarchical.js';
import type { EnergyMethod, FittedMethod, PredictInput, TrainRecord } from './method.js';
import { tabularEncoder, type TabularEncoder } from './tabular.js';

interface KFeaturesFit {
  hierarchical: HierarchicalFit;
  /** the stacked residual trees (with stacking) */
  stack?: FittedMethod;
  components: VarianceComponents;
  encoder: TabularEncoder;
  booster: { predict(X: number[][]): number[] };
}

const Z95 = 1.959963984540054;

function fittedKFeatures(fit: KFeaturesFit, name: string, own: Map<string, KRecords>): IntervalMethod {
  const { by, center } = fit.hierarchical.series;
  const stackLog = (configs: readonly PredictInput[]): number[] => (fit.stack && configs.length ? fit.stack.predict(configs).map(Math.log) : configs.map(() => 0));
  const predict = (configs: readonly PredictInput[]): { mid: number; sd: number }[] => {
    const out = (fit.stack ? configs.map(() => undefined) : predictHierarchical(fit.hierarchical, configs).map((p) => ({ mid: p.energyPerTokenJ, sd: p.sd }))) as ({ mid: number; sd: number } | undefined)[];
    const todo = configs.flatMap((c, i) => (fit.stack || own.has(groupKey(c, by.series)) ? [i] : []));
    if (todo.length === 0) return out as { mid: number; sd: number }[];
    const cs = todo.map((i) => configs[i]);
    const base = fit.hierarchical.shared.predict(cs);
    const g = stackLog(cs);
    const q = cs.map((c) => { const key = groupKey(c, by.series); return kRecordFeatures(c, own.get(key) ?? { records: [], residuals: [] }, key, by, center, fit.components); });
    const X = fit.encoder.encode(cs).map((row, j) => [...row, ...q[j].features]);
    const withK = cs.map((c) => own.has(groupKey(c, by.series)));
    const h = withK.some(Boolean) ? fit.booster.predict(X) : cs.map(() => 0);
    todo.forEach((i, j) => { out[i] = { mid: base[j] * Math.exp(g[j] + q[j].shift + (withK[j] ? h[j] : 0)), sd: q[j].sd }; });
    return out as { mid: number; sd: number }[];
  };
  return {
    method: name,
    notes: [...fit.hierarchical.shared.notes, `trees given the series' k records${fit.stack ? ', on the stacked residual trees' : ''}`],
    predict: (configs) => predict(configs).map((p) => p.mid),
    predictInterval: (configs) => predict(configs).map((p) => ({ lowJ: p.mid * Math.exp(-Z95 * p.sd), highJ: p.mid * Math.exp(Z95 * p.sd) })),
    calibrate: (records: readonly TrainRecord[]) => {
      const next = new Map([...own].map(([k, v]) => [k, { records: [...v.records], residuals: [...v.residuals] }]));
      const res = logResiduals(fit.hierarchical.shared, records);
      const g = stackLog(records);
      records.forEach((r, i) => {
        const key = groupKey(r, by.series);
        const o = next.get(key) ?? next.set(key, { records: [], residuals: [] }).get(key)!;
        (o.records as TrainRecord[]).push(r);
        (o.residuals as number[]).push(res[i] - g[i]);
      });
      return fittedKFeatures(fit, name, next);
    },
  };
}

/** The method (XGBoost's WebAssembly module loaded); `stacked`: on the stacked residual trees' residuals. */
export async function createKFeaturesHierarchicalMethod(options: { stacked?: boolean } = {}): Promise<EnergyMethod> {
  const XGBoost = await loadGradientBoosting();
  const trees = options.stacked ? await createGradientBoostingMethod() : undefined;
  const estimateSpreads = seriesSpreadsEstimator(DEFAULT_SERIES_SPREADS);
  const memo = new Map<string, KFeaturesFit>();
  const name = options.stacked ? 'hierarchical-stacked-kfeat' : 'hierarchical-kfeat';
  return {
    name,
    label: `closed form + series effects${trees ? ' + residual trees' : ''} + trees given the series' k records`,
    kind: 'closed form',
    description: 'the hierarchical fit with XGBoost correcting a series\' effects posterior from its k records\' features (trained on random draws of k records of each training series)',
    fit: (records, ctx = {}) => fittedKFeatures(memoisedFit(memo, records, ctx.seed, () => {
      const hierarchical = fitHierarchical(records, (recs, c) => closedFormMethod.fit(recs, c), ctx, estimateSpreads ? { estimateSpreads } : {});
      const { by, center } = hierarchical.series;
      let residuals: ArrayLike<number> = logResiduals(hierarchical.shared, records);
      let components = hierarchical.series.components;
      let stack: FittedMethod | undefined;
      if (trees) {
        const st = fitStackedResiduals(records, hierarchical, trees, ctx);
        residuals = st.crossFitted; components = st.series.components; stack = st.g;
      }
      const keys = records.map((r) => groupKey(r, by.series));
      const rows = kFeatureRows(records, residuals, keys, by, center, components, { seed: (ctx.seed ?? 0) + 1 });
      const encoder = tabularEncoder(records, ctx);
      const tab = encoder.encode(records);
      const booster = new XGBoost({ ...GRADIENT_BOOSTING_OPTIONS, base_score: 0, seed: ctx.seed ?? 0 });
      booster.train(rows.index.map((i, j) => [...tab[i], ...rows.features[j]]), rows.target);
      return { hierarchical, ...(stack ? { stack } : {}), components, encoder, booster };
    }), name, new Map()),
  };
}
