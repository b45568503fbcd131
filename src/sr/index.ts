/** The symbolic-regression engine's public face. The energy application imports only from here. */
export * from './expression/operators.js';
export * from './expression/node.js';
export * from './expression/compile.js';
export { toInfix, toLatex, formatNumber, checkFeatureNames } from './expression/print.js';
export { parseExpression } from './expression/parse.js';
export { randomTree, randomLeaf, type RandomTreeOptions } from './expression/random.js';
export * from './eval/types.js';
export * from './eval/dataset.js';
export { validateProgram } from './eval/validate-program.js';
export { createWasmEvaluator, WasmEvaluator, kernelPath, type WasmEvaluatorOptions } from './eval/wasm-kernel.js';
export { ReferenceEvaluator } from './eval/reference.js';
export * as mathlib from './eval/mathlib.js';
export { createRng, deriveSeed, type Rng } from './util/rng.js';
export * from './search/index.js';
export { PoolRunner, defaultWorkerCount, islandWorkerPath, datasetFingerprint, type PoolRunnerOptions, type WorkerCrashEvent } from './workers/pool-runner.js';
export {
  SymbolicRegressor, datasetFromRows, r2Score, exactLossFloor, MIN_ROWS, presentFront, shortDecimal,
  type RegressorOptions, type RegressorJSON, type Equation, type FitInput, type Rows,
} from './regressor.js';
export {
  saveCheckpoint, loadCheckpoint, writeFileAtomic, optionDifferences, CheckpointWriter, CHECKPOINT_VERSION,
  type Checkpoint, type CheckpointDataset,
} from './checkpoint.js';
// parametric fitting: named parameters of fixed expressions, several row kinds, robust Levenberg-Marquardt,
// covariance, prediction intervals, cross-validation
export * from './fit/index.js';
