/** Profiling campaigns on real GPUs: plans, GPU energy sampling, the engine's lifecycle, load, sweeps. */
export * from './types.js';
export * from './plan.js';
export * from './gpu-energy.js';
export * from './server.js';
export * from './load.js';
export * from './measure.js';
export * from './campaign-files.js';
export * from './adaptive.js';
export * from './sweep.js';
