export * from './options.js';
export { HallOfFame, paretoFront, selectModel } from './hall-of-fame.js';
export { fitConstants, solveLinear, invertMatrix, type FitConstantsOptions, type FitConstantsResult, type FitTarget } from './constants.js';
export { simplifyTree, evaluateAt } from './simplify.js';
export { selectionCost, updateSizeFrequency, emptyFrequency, FREQUENCY_SMOOTHING, type CostInput } from './parsimony.js';
export { mutate, crossover, mutationContext, randomMember, type MutationContext, type MutationName } from './mutate.js';
export { tournament, makeMember, serializeMember, deserializeMember, type Member } from './population.js';
export { createIslandState, runIslandTask, baselineLoss, ISLAND_STATE_VERSION, type IslandContext } from './island.js';
export { InProcessRunner } from './in-process-runner.js';
export {
  equationSearch, resumeSearch, migrate,
  type SearchResult, type SearchProgress, type SearchState, type SearchHooks, type FrontMember,
} from './search.js';
export { complexity, satisfiesConstraints, preorder, replaceAt, foldConstants } from './tree-ops.js';
export * from './runner.js';
