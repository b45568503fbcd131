/**
 * The symbolic-regression engine's public face (energylens/sr): what a user of the library needs, nothing of its
 * machinery. Search (equationSearch, SymbolicRegressor), parametric fitting of the constants of a fixed expression
 * (fitConstants), expressions in and out (parse, print, LaTeX), evaluator creation, dataset types and the errors.
 * The energy application and the CLI import the engine only from here. The machinery that src/distributed needs
 * (island tasks, the pool runner, checkpoint internals) is the second entry, ./runtime.ts (energylens/sr/runtime).
 */
export { SrError, isSrError, srErrorFromPlain, type SrErrorCode } from './errors.js';

// expressions in and out
export * from './expression/operators.js';
export * from './expression/node.js';
export { compile, decompile, setConstants, MAX_PROGRAM_LENGTH, MAX_STACK_DEPTH, type Program } from './expression/compile.js';
export { toInfix, toLatex, formatNumber, checkFeatureNames } from './expression/print.js';
export { parseExpression } from './expression/parse.js';
export { simplifyTree, evaluateAt } from './search/simplify.js';
export { parseUnitAssignments, type UnitsOption } from './search/units.js';
export { complexity } from './search/tree-ops.js';

// data and evaluation
// readable output (issue 16): exports, named constants, polishing of found expressions
export { exportExpression, toSympy, toJavaScript, toExpressionJSON, EXPORT_FORMATS, type ExportFormat, type ExpressionJSON } from './expression/export.js';
export { namedConstant } from './expression/print.js';
export { recognizeConstants, namedCandidates } from './search/recognize.js';
export { polishTree, shortestConstants } from './search/polish.js';
export { tidyTree } from './search/simplify.js';
export * from './eval/types.js';
export * from './eval/dataset.js';
export { validateProgram } from './eval/validate-program.js';
export { createWasmEvaluator, WasmEvaluator, kernelPath, setKernelModule, loadKernelFromBytes, type WasmEvaluatorOptions } from './eval/wasm-kernel.js';
export { ReferenceEvaluator } from './eval/reference.js';

// a seeded generator, for reproducible splits, starts and searches around the engine
export { createRng, deriveSeed, type Rng } from './util/rng.js';

// parametric fitting: the constants of a fixed expression (Levenberg-Marquardt on the WASM Jacobian)
export {
  fitConstants, solveLinear, invertMatrix, type FitConstantsOptions, type FitConstantsResult, type FitTarget,
} from './search/constants.js';

// search
export * from './search/options.js';
export {
  equationSearch, resumeSearch,
  type SearchResult, type SearchProgress, type SearchState, type SearchHooks, type FrontMember,
} from './search/search.js';
export { paretoFront, selectModel } from './search/hall-of-fame.js';
export type { IslandRunner } from './search/runner.js';
export { defaultWorkerCount, type WorkerCrashEvent } from './workers/pool-runner.js';
export {
  SymbolicRegressor, datasetFromRows, r2Score, exactLossFloor, MIN_ROWS, presentFront, shortDecimal,
  type RegressorOptions, type RegressorJSON, type Equation, type FitInput, type Rows,
} from './regressor.js';
// parametric fitting: named parameters of fixed expressions, several row kinds, robust Levenberg-Marquardt,
// covariance, prediction intervals, cross-validation
export * from './fit/index.js';
