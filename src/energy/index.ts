/** The energy application's public face: records, catalogs, adapters and the profiling simulator. */
export * from './records/index.js';
export * from './catalog/index.js';
export * from './adapters/index.js';
export * from './simulator/index.js';
