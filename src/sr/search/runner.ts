/**
 * The contract between the evolution loop (which knows nothing about threads or machines) and whatever
 * runs island cycles: in-process, a piscina worker pool, or a distributed queue.
 *
 * One task is one island's whole cycle (many generations). Everything in a task and its result is
 * JSON-safe (numbers, strings, arrays, plain objects), so it can go to a worker, a checkpoint file or a queue.
 * Island states are typed here; only the search module (island.ts) reads and writes their fields.
 */
import type { Dataset, LossName } from '../eval/types.js';
import type { SearchOptions } from './options.js';
import type { DimensionTable } from './units.js';

/** A JSON-safe expression with its scores. `code` holds postfix (opcode, arg) pairs as in `Program`. */
export interface SerializedMember {
  code: number[];
  consts: number[];
  loss: number;
  complexity: number;
  /** generation in which it was born (age-regularised evolution) */
  birth: number;
  /** with options.ageLayers: generation in which its oldest ancestor was drawn at random (search/age-layers.ts) */
  origin?: number;
}

/** JSON-safe state of one island between cycles (what a checkpoint holds and a worker receives). */
export interface IslandState {
  version: number;
  islandId: number;
  generation: number;
  rng: number[];
  members: SerializedMember[];
  hallOfFame: SerializedMember[];
  /** smoothed share of each complexity in the population (adaptive parsimony) */
  frequency: number[];
  /**
   * keys (postfix code and constants) of expressions whose constants Levenberg-Marquardt already fitted, newest
   * last, at most OPTIMIZED_MEMORY of them: refitting them again would spend evaluations for nothing
   */
  optimized?: string[];
  /** lowest loss the island has held, and the cycles since it last fell (restarts, options.restartAfterCycles) */
  bestLoss?: number;
  stagnantCycles?: number;
  restarts?: number;
}

/** An island's state as it travels (the same JSON-safe shape). */
export type SerializedIsland = IslandState;

export interface IslandTask {
  islandId: number;
  state: SerializedIsland;
  /** generations to run in this cycle */
  generations: number;
  /** expressions arriving from other islands (or the merged hall of fame) at the start of the cycle */
  migrants: SerializedMember[];
  /** the JSON-safe search options */
  options: SearchOptions;
  /** with a time budget: wall-clock time (ms since the epoch) after which the island ends its cycle early */
  stopAtEpochMs?: number;
  /**
   * with an evaluation budget: the island's share of what is left of it; the island ends its cycle early once
   * its own evaluations in this task reach it (deterministic, unlike the time budget)
   */
  evaluationBudget?: number;
  /**
   * with options.ageLayers: members that outgrew the layer below, moving up into this island (each takes a free
   * place or replaces the costliest member when it costs less)
   */
  arrivals?: SerializedMember[];
  /** with options.units: their dimensions, parsed once by the search (units.ts), so islands need no unit parser */
  dimensions?: DimensionTable;
}

export interface IslandTaskResult {
  islandId: number;
  state: SerializedIsland;
  /** the island's best expression of each complexity after the cycle */
  hallOfFame: SerializedMember[];
  /** expressions evaluated during the cycle (including constant-fitting evaluations) */
  evaluations: number;
  /** with options.ageLayers: members that reached this island's age limit and left it, to move up a layer */
  outgrown?: SerializedMember[];
}

/** Runs island tasks somewhere. `setDataset` is called once per run before any task. */
export interface IslandRunner {
  readonly name: string;
  setDataset(data: Dataset, loss: LossName): Promise<void>;
  run(tasks: readonly IslandTask[]): Promise<IslandTaskResult[]>;
  close(): Promise<void>;
}
