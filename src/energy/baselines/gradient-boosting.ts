/**
 * Gradient-boosted trees: XGBoost itself, compiled to WebAssembly (mljs's ml-xgboost, an emscripten build of
 * XGBoost's C++ core; the only gradient-boosting build on the registry that installs and runs on Node 20 here with
 * nothing native), on the shared feature table (tabular.ts), target log energy per output token.
 *
 * Hyperparameters (GRADIENT_BOOSTING_OPTIONS): the usual small-data settings: shallow trees (depth 4), learning
 * rate 0.05 with 400 rounds, 80 % row and column subsampling, min_child_weight 1 so that even 10 records can be
 * split. They are fixed textbook settings: not tuned, neither per split nor on any data set.
 *
 * The module is loaded once (loadGradientBoosting) and kept; each fit creates a booster and frees it in dispose().
 */
import { createRequire } from 'node:module';
import { EnergyLensError } from '../../errors.js';
import { energyPerTokenJ, type EnergyMethod, type FittedMethod, type MethodContext, type TrainRecord } from './method.js';
import { tabularEncoder } from './tabular.js';
import { readXGBoostBinary } from './xgboost-binary.js';

export const GRADIENT_BOOSTING_OPTIONS = {
  booster: 'gbtree', objective: 'reg:linear', max_depth: 4, eta: 0.05, iterations: 400, min_child_weight: 1,
  subsample: 0.8, colsample_bytree: 0.8, lambda: 1, silent: 1,
} as const;

interface Booster {
  train(X: number[][], y: number[]): void;
  predict(X: number[][]): number[];
  free(): void;
  /** the saved model: its bytes as signed bytes */
  toJSON(): { model: number[] };
}
type BoosterClass = new (options: Record<string, string | number>) => Booster;

let loading: Promise<BoosterClass> | undefined;

/**
 * Loads the XGBoost WebAssembly module once. The emscripten loader reports on the console that it falls back from
 * streaming compilation (harmless under Node); that line is kept off the user's terminal.
 */
export function loadGradientBoosting(): Promise<BoosterClass> {
  if (!loading) {
    const warn = console.warn;
    const error = console.error;
    const log = console.log;
    const quiet = (): void => {};
    console.warn = quiet; console.error = quiet; console.log = quiet;
    const restore = (): void => { console.warn = warn; console.error = error; console.log = log; };
    try {
      const required = createRequire(import.meta.url)('ml-xgboost') as Promise<BoosterClass>;
      loading = required.then((c) => { restore(); return c; }, (err: unknown) => {
        restore();
        loading = undefined;
        throw new EnergyLensError('WASM_LOAD_FAILED', `gradient boosting: the XGBoost module did not load (${(err as Error)?.message ?? String(err)})`);
      });
    } catch (err) {
      restore();
      throw new EnergyLensError('WASM_LOAD_FAILED', `gradient boosting: the XGBoost module did not load (${(err as Error).message})`);
    }
  }
  return loading;
}

function fitBoosted(XGBoost: BoosterClass, records: readonly TrainRecord[], ctx: MethodContext): FittedMethod {
  if (records.length < 2) throw new EnergyLensError('INVALID_DATA', `gradient boosting: ${records.length} training record(s); need at least 2`);
  const encoder = tabularEncoder(records, ctx);
  const X = encoder.encode(records);
  const y = records.map((r) => Math.log(energyPerTokenJ(r)));
  // boosting starts from base_score: the mean of the target, so few rounds are not spent on the offset
  const base = y.reduce((a, b) => a + b, 0) / y.length;
  const booster = new XGBoost({ ...GRADIENT_BOOSTING_OPTIONS, base_score: base, seed: ctx.seed ?? 0 });
  let freed = false;
  booster.train(X, y);
  return {
    method: 'xgboost',
    notes: [`${encoder.columns.length} features (${records.length} records), ${GRADIENT_BOOSTING_OPTIONS.iterations} rounds of depth-${GRADIENT_BOOSTING_OPTIONS.max_depth} trees`],
    predict: (configs) => {
      if (freed) throw new EnergyLensError('INVALID_OPTION', 'gradient boosting: predict after dispose');
      return configs.length === 0 ? [] : booster.predict(encoder.encode(configs)).map((v) => Math.exp(v));
    },
    trees: () => {
      if (freed) throw new EnergyLensError('INVALID_OPTION', 'gradient boosting: trees after dispose');
      const decoded = readXGBoostBinary(Uint8Array.from(booster.toJSON().model, (b) => b & 0xff));
      if (decoded.numFeature !== encoder.columns.length) throw new EnergyLensError('INVALID_DATA', `gradient boosting: the booster saw ${decoded.numFeature} features, the encoder writes ${encoder.columns.length}`);
      return { features: encoder.columns, baseScore: decoded.baseScore, trees: decoded.trees };
    },
    dispose: () => { if (!freed) { booster.free(); freed = true; } },
  };
}

/** The gradient-boosting method, once its WebAssembly module is loaded. */
export async function createGradientBoostingMethod(): Promise<EnergyMethod> {
  const XGBoost = await loadGradientBoosting();
  return {
    name: 'xgboost',
    label: 'gradient-boosted trees (XGBoost)',
    kind: 'ensemble ML',
    description: 'XGBoost (ml-xgboost, WebAssembly) regression of log energy per token on the closed form\'s physical features plus one-hot categories',
    fit: (records, ctx = {}) => fitBoosted(XGBoost, records, ctx),
  };
}
