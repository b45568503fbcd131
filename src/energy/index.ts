/** The energy application's public face: records, catalogs, adapters, the profiling simulator and the energy model. */
export * from './records/index.js';
export * from './catalog/index.js';
export * from './adapters/index.js';
export * from './physics/index.js';
export * from './simulator/index.js';
export * from './model/index.js';
export * from './evaluation/index.js';
export * from './baselines/index.js';
export * from './profiler/index.js';
