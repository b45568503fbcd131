/**
 * The hardware and model arithmetic that the simulator and the energy model share: bytes per parameter, FLOPs
 * and bytes per token, KV-cache and state sizes, the memory check, the effective tensor degree and prompt tokens.
 * Imported by both src/energy/simulator and src/energy/model; imports neither.
 */
export { DEFAULT_PHYSICS, BYTES_PER_PARAM, computeMultiplier, type PhysicsConstants } from './constants.js';
export * from './model-math.js';
export { checkMemory, type MemoryCheck } from './memory.js';
export { effectiveTp, type ServingConfig } from './serving-config.js';
export { visionTokensFor, promptTokens, TASK_INPUT_TOKENS, DEFAULT_INPUT_TOKENS } from './tokens.js';
