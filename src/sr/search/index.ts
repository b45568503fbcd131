export * from './options.js';
export { HallOfFame, paretoFront, selectModel } from './hall-of-fame.js';
export { fitConstants, solveLinear, invertMatrix, type FitConstantsOptions, type FitConstantsResult, type FitTarget } from './constants.js';
export { simplifyTree, evaluateAt } from './simplify.js';
export { createIslandState, runIslandTask, baselineLoss, type IslandContext } from './island.js';
export { InProcessRunner } from './in-process-runner.js';
export { equationSearch, type SearchResult, type SearchProgress, type SearchState, type SearchHooks, type FrontMember } from './search.js';
export { complexity, satisfiesConstraints } from './tree-ops.js';
export * from './runner.js';
