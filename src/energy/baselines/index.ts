/** The closed form and its baselines behind one interface: fit on records, predict energy per output token. */
export * from './method.js';
export * from './closed-form.js';
export * from './hierarchical.js';
export * from './discovered.js';
export * from './latency-proxy.js';
export * from './wilkins.js';
export * from './roofline.js';
export * from './tabular.js';
export * from './random-forest.js';
export * from './gradient-boosting.js';
export * from './registry.js';
export * from './hierarchical-stacked.js';
export * from './hierarchical-kriging.js';
export * from './hierarchical-covariance.js';
export * from './hierarchical-kfeatures.js';
