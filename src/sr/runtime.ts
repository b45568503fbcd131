/**
 * The engine's machinery, for the layers that run searches elsewhere (src/distributed: islands as queue jobs,
 * checkpoints on the head) and for benchmarks (energylens/sr/runtime). A library user needs ./index.ts only.
 * Not a stable API: it follows the engine's internals.
 */
export type { IslandRunner, IslandTask, IslandTaskResult, SerializedIsland, SerializedMember } from './search/runner.js';
export { createIslandState, runIslandTask, baselineLoss, ISLAND_STATE_VERSION, type IslandContext } from './search/island.js';
export { InProcessRunner } from './search/in-process-runner.js';
export { migrate } from './search/search.js';
export { HallOfFame } from './search/hall-of-fame.js';
export { selectionCost, updateSizeFrequency, emptyFrequency, FREQUENCY_SMOOTHING, type CostInput } from './search/parsimony.js';
export { mutate, crossover, mutationContext, randomMember, type MutationContext, type MutationName } from './search/mutate.js';
export { tournament, makeMember, serializeMember, deserializeMember, type Member } from './search/population.js';
export { satisfiesConstraints, preorder, replaceAt, foldConstants } from './search/tree-ops.js';
export { randomTree, randomLeaf, type RandomTreeOptions } from './expression/random.js';
export * as mathlib from './eval/mathlib.js';
export { createRng, deriveSeed, type Rng } from './util/rng.js';
export {
  PoolRunner, islandWorkerPath, datasetFingerprint, type PoolRunnerOptions, type WorkerCrashEvent,
} from './workers/pool-runner.js';
export {
  saveCheckpoint, loadCheckpoint, optionDifferences, CheckpointWriter, CHECKPOINT_VERSION,
  type Checkpoint, type CheckpointDataset,
} from './checkpoint.js';
