/**
 * Random forest regression (mljs's ml-random-forest on ml-cart trees) on the shared feature table (tabular.ts),
 * target log energy per output token, categories as ordinal columns ordered by their mean target (ml-cart tries
 * every cut of every column, in time quadratic in the records, so one column per category instead of one per
 * level keeps a 500-record forest to seconds). Hyperparameters (RANDOM_FOREST_OPTIONS): bootstrap samples of the
 * records, each tree on a random half of the columns (ml-random-forest draws columns per tree, not per split),
 * unpruned trees with leaves of at least 2 records, 50 trees (ml-cart's split search is quadratic in the records:
 * 100 trees on 500 records took 23 s to fit here); fixed settings, not tuned on any data set.
 */
import { RandomForestRegression } from 'ml-random-forest';
import { EnergyLensError } from '../../errors.js';
import { energyPerTokenJ, type EnergyMethod, type FittedMethod, type MethodContext, type TrainRecord } from './method.js';
import { tabularEncoder } from './tabular.js';

export const RANDOM_FOREST_OPTIONS = { nEstimators: 50, maxFeatures: 0.5, replacement: false, useSampleBagging: true, minNumSamples: 2 } as const;

function fitForest(records: readonly TrainRecord[], ctx: MethodContext): FittedMethod {
  if (records.length < 2) throw new EnergyLensError('INVALID_DATA', `random forest: ${records.length} training record(s); need at least 2`);
  const y = records.map((r) => Math.log(energyPerTokenJ(r)));
  const encoder = tabularEncoder(records, ctx, 'ordinal', y);
  const X = encoder.encode(records);
  const o = RANDOM_FOREST_OPTIONS;
  const forest = new RandomForestRegression({
    nEstimators: o.nEstimators, maxFeatures: o.maxFeatures, replacement: o.replacement, useSampleBagging: o.useSampleBagging,
    seed: ((ctx.seed ?? 0) * 2654435761 + 12345) % 2 ** 31, noOOB: true, selectionMethod: 'mean',
    treeOptions: { minNumSamples: o.minNumSamples },
  } as unknown as ConstructorParameters<typeof RandomForestRegression>[0]);
  forest.train(X, y);
  return {
    method: 'random-forest',
    notes: [`${encoder.columns.length} features (${records.length} records), ${o.nEstimators} trees, half the columns per tree`],
    predict: (configs) => (configs.length === 0 ? [] : forest.predict(encoder.encode(configs)).map((v) => Math.exp(v))),
  };
}

export const randomForestMethod: EnergyMethod = {
  name: 'random-forest',
  label: 'random forest',
  kind: 'ensemble ML',
  description: 'random forest regression (ml-random-forest) of log energy per token on the closed form\'s physical features plus one-hot categories',
  fit: (records, ctx = {}) => fitForest(records, ctx),
};
