export * from './hardware.js';
export * from './model-spec.js';
export { MLENERGY_MODELS } from './models-mlenergy.js';
export { OPEN_MODELS } from './models-open.js';
export { LLM_INFERENCE_BENCH_MODELS } from './models-llm-inference-bench.js';
export * from './user-catalog.js';
export * from './catalog.js';
export { nameKey, withoutOrg } from './aliases.js';
