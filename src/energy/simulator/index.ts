export { simulate, resolveSimulateOptions, visionTokensFor, DEFAULT_SIMULATE_OPTIONS, type SimulateOptions, type SimulateResult, type InfeasibleConfig } from './simulate.js';
export { estimateServing, effectiveTp, gpuPowerW, type ServingConfig, type ServingEstimate } from './physics.js';
export { checkMemory, type MemoryCheck } from './memory.js';
export { DEFAULT_PHYSICS, BYTES_PER_PARAM, computeMultiplier, type PhysicsConstants } from './constants.js';
export * from './model-math.js';
export { createRng, type Rng } from './rng.js';
export { compareWithMeasurements, summariseRatios, TASK_INPUT_TOKENS, DEFAULT_INPUT_TOKENS, type CalibrationRow, type CalibrationResult, type RatioSummary } from './calibration.js';
