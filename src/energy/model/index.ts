/** The closed-form energy model: features, the formula, fitting, prediction, the model file. */
export * from './features.js';
export * from './closed-form.js';
export * from './design.js';
export * from './fit.js';
export * from './predict.js';
export * from './model-file.js';
export * from './select.js';
export * from './discover.js';
export * from './structure-features.js';
export * from './structure.js';
export * from './structure-physics.js';
export * from './structure-check.js';
export * from './structure-select.js';
export * from './structure-cv-groups.js';
export * from './series-effects.js';
export * from './series-posteriors.js';
export { fitHierarchical, calibrateSeries, predictHierarchical, posteriorsOf, type HierarchicalFit, type HierarchicalOptions, type HierarchicalPrediction, type SeriesModel, type SharedFit } from './hierarchical.js';
export * from './series-fit.js';
