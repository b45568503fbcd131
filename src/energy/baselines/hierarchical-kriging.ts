/**
 * The hierarchical fit with kriging series effects (model/series-kriging.ts) behind the method interface: the
 * closed form with series effects fitted as `hierarchical` fits it, then a Gaussian process per series with shared
 * hyperparameters (empirical Bayes) on its log residuals; a new series' k records set its posterior.
 */
import { fitHierarchical } from '../model/hierarchical.js';
import { fitEnergyModel } from '../model/fit.js';
import type { EnergyModel } from '../model/model-file.js';
import { DEFAULT_SERIES_SPREADS, fitSeriesEffects, seriesSpreadsEstimator } from '../model/series-fit.js';
import { fittedModelFile } from './hierarchical-stacked.js';
import { calibrateSeriesKriging, fitSeriesKriging, predictSeriesKriging, type SeriesKrigingFit } from '../model/series-kriging-fit.js';
import type { KrigingPosterior } from '../model/series-kriging.js';
import { closedFormMethod } from './closed-form.js';
import { memoisedFit, type IntervalMethod } from './hierarchical.js';
import type { EnergyMethod, TrainRecord } from './method.js';

/** A kriging fit behind the method interface (predict, intervals, calibrate by adding a series' records). */
export function fittedKriging(fit: SeriesKrigingFit): IntervalMethod {
  const k = fit.kernel;
  const cache = new Map<string, KrigingPosterior | undefined>();
  const notes = [
    ...fit.hierarchical.shared.notes,
    `kriging series effects: ${fit.series.size} series; level ${k.level.toFixed(3)}, slope ${k.slope.toFixed(3)}, setting ${k.setting.toFixed(3)}, smooth ${k.spread.toFixed(3)} (lengths ${k.features.map((f, i) => `${f} ${k.lengths[i].toFixed(2)}`).join(', ')}), residual ${k.sigma.toFixed(3)}`,
  ];
  return {
    method: 'hierarchical-kriging',
    notes,
    predict: (configs) => predictSeriesKriging(fit, configs, cache).map((p) => p.energyPerTokenJ),
    predictInterval: (configs) => predictSeriesKriging(fit, configs, cache).map(({ lowJ, highJ }) => ({ lowJ, highJ })),
    calibrate: (records: readonly TrainRecord[]) => fittedKriging(calibrateSeriesKriging(fit, records)),
  };
}

export function createKrigingHierarchicalMethod(): EnergyMethod {
  const estimateSpreads = seriesSpreadsEstimator(DEFAULT_SERIES_SPREADS);
  const memo = new Map<string, SeriesKrigingFit>();
  return {
    name: 'hierarchical-kriging',
    label: 'closed form + kriging series effects',
    kind: 'closed form',
    description: 'the closed form with series effects, each series\' log residuals a Gaussian process (level, slope, setting and a smooth term in the configuration\'s log features) with hyperparameters shared by every series, by empirical Bayes',
    fit: (records, ctx = {}) => {
      return fittedKriging(memoisedFit(memo, records, ctx.seed, () =>
        fitSeriesKriging(records, fitHierarchical(records, (recs, c) => closedFormMethod.fit(recs, c), ctx, estimateSpreads ? { estimateSpreads } : {}))));
    },
  };
}

/**
 * The kriging series effects by `fit`'s own path (fit --series-kriging, with --residual-trees when `residualModel` is
 * given): the model file fit writes, calibrated by fit --base's path and predicted by predictEnergy. Named
 * `fit-kriging`, or `hierarchical-stacked-kriging` with trees. Fits are memoised per training set.
 */
export function createFitKrigingMethod(residualModel?: EnergyMethod): EnergyMethod {
  const memo = new Map<string, EnergyModel>();
  const name = residualModel ? 'hierarchical-stacked-kriging' : 'fit-kriging';
  return {
    name,
    label: residualModel ? `closed form + ${residualModel.name} residuals + kriging series effects` : 'fit\'s model + kriging series effects',
    kind: 'closed form',
    description: `fit's model with series effects${residualModel ? ` and ${residualModel.name} residual trees` : ''}, each series' residuals a Gaussian process with shared hyperparameters (fit --series-kriging)`,
    fit: (records, ctx = {}) => {
      const model = memoisedFit(memo, records, ctx.seed, () => {
        const fitOptions = { seed: ctx.seed, catalog: ctx.catalog, inputTokens: ctx.inputTokens };
        return fitSeriesEffects(fitEnergyModel(records, fitOptions), records, fitOptions, { catalog: ctx.catalog, kriging: true, ...(residualModel ? { residualTrees: { method: residualModel } } : {}) });
      });
      return fittedModelFile(model, ctx, name);
    },
  };
}
