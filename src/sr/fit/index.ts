/** Fitting the named parameters of a fixed expression: the engine's parametric-fitting API. */
export * from './parametric.js';
export * from './evaluate.js';
