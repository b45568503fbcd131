/** Evaluation of energy predictions for configuration selection: metrics, protocols, running methods over them. */
export * from './metrics.js';
export * from './protocols.js';
export * from './run-splits.js';
export * from './evaluate.js';
