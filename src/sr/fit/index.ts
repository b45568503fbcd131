/** Fitting the named parameters of a fixed expression: the engine's parametric-fitting API. */
export * from './parametric.js';
export * from './evaluate.js';
export * from './levenberg-marquardt.js';
export * from './intervals.js';
export * from './cross-validate.js';
export * from './sample.js';
export * from './covariance.js';
