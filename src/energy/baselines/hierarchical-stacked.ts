/**
 * The hierarchical fit with a stacked residual model (model/stacked-residuals.ts) behind the method interface, by
 * `fit`'s own path: the closed form fitted pooled (fitEnergyModel), series effects and residual trees added
 * (fitSeriesEffects with `residualTrees`: the model file `fit` writes, trees included), calibrated to a new series by
 * `fit --base`'s calibrateFromBase and predicted by predictEnergy (the trees walked in TypeScript). What the
 * new-deployment benchmark measures under `hierarchical-stacked` is therefore what `fit` writes and `predict` reads.
 */
import { fitEnergyModel } from '../model/fit.js';
import type { EnergyModel } from '../model/model-file.js';
import { predictEnergy } from '../model/predict.js';
import { calibrateFromBase, fitSeriesEffects } from '../model/series-fit.js';
import type { StackedResidualOptions } from '../model/stacked-residuals.js';
import { memoisedFit, type IntervalMethod } from './hierarchical.js';
import type { EnergyMethod, MethodContext, PredictInput, TrainRecord } from './method.js';

export type StackedOptions = Pick<StackedResidualOptions, 'folds' | 'target' | 'maxTrainRecords'>;

/** A model file (any: pooled, with series effects, with residual trees) behind the method interface, with intervals. */
export function fittedModelFile(model: EnergyModel, ctx: MethodContext, method: string): IntervalMethod & { model: EnergyModel } {
  const predict = (configs: readonly PredictInput[]) => predictEnergy(model, configs, { catalog: ctx.catalog });
  const t = model.residualTrees;
  return {
    method, model,
    notes: t ? [`residual trees: ${t.treeNodes.length} trees on ${t.features.length} features (${t.records} records), series effects on what they leave (${t.folds}-fold cross-fitted)`] : [],
    predict: (configs) => predict(configs).map((p) => p.energyPerTokenJ),
    predictInterval: (configs) => predict(configs).map((p) => ({ lowJ: p.energyPerTokenJ * (p.energyLowJ / p.energyJ), highJ: p.energyPerTokenJ * (p.energyHighJ / p.energyJ) })),
    calibrate: (records: readonly TrainRecord[]) => fittedModelFile(calibrateFromBase(model, records, { catalog: ctx.catalog }), ctx, method),
  };
}

/**
 * The stacked method: `residualModel` (XGBoost's) learns g. The model `fit` would write with series effects and
 * residual trees on these records (seed: the split's); fits are memoised per training set.
 */
export function createStackedHierarchicalMethod(residualModel: EnergyMethod, options: StackedOptions = {}): EnergyMethod {
  const memo = new Map<string, EnergyModel>();
  return {
    name: 'hierarchical-stacked',
    label: `closed form + ${residualModel.name} residuals + series effects`,
    kind: 'closed form',
    description: `fit's model with residual trees: the hierarchical fit with a ${residualModel.name} model of what the series share beyond the structure (their level and slope taken out), the series effects on what it leaves`,
    fit: (records, ctx = {}) => {
      const model = memoisedFit(memo, records, ctx.seed, () => {
        const fitOptions = { seed: ctx.seed, catalog: ctx.catalog, inputTokens: ctx.inputTokens };
        return fitSeriesEffects(fitEnergyModel(records, fitOptions), records, fitOptions, { catalog: ctx.catalog, residualTrees: { method: residualModel, ...options } });
      });
      return fittedModelFile(model, ctx, 'hierarchical-stacked');
    },
  };
}
