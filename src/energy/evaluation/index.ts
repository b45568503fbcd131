/** Evaluation of energy predictions for configuration selection. */
export * from './metrics.js';
