/** The symbolic-regression engine's public face. The energy application imports only from here. */
export * from './expression/operators.js';
export * from './expression/node.js';
export * from './expression/compile.js';
export * from './eval/types.js';
export * from './eval/dataset.js';
export { createWasmEvaluator, WasmEvaluator, validateProgram, kernelPath, type WasmEvaluatorOptions } from './eval/wasm-kernel.js';
export * as mathlib from './eval/mathlib.js';
export { createRng, deriveSeed, type Rng } from './util/rng.js';
export * from './search/runner.js';
