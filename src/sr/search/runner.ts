/**
 * The contract between the evolution loop (which knows nothing about threads or machines) and whatever
 * runs island cycles: in-process, a piscina worker pool, or a distributed queue.
 *
 * One task is one island's whole cycle (many generations). Everything in a task and its result is
 * JSON-safe (numbers, strings, arrays, plain objects), so it can go to a worker, a checkpoint file or a queue.
 * Island states are opaque here: the search module defines and reads them.
 */
import type { Dataset, LossName } from '../eval/types.js';

/** A JSON-safe expression with its scores. `code` holds postfix (opcode, arg) pairs as in `Program`. */
export interface SerializedMember {
  code: number[];
  consts: number[];
  loss: number;
  complexity: number;
  /** generation in which it was born (age-regularised evolution) */
  birth: number;
}

/** JSON-safe island state; its inner shape belongs to src/sr/search. */
export type SerializedIsland = { readonly version: number } & Record<string, unknown>;

export interface IslandTask {
  islandId: number;
  state: SerializedIsland;
  /** generations to run in this cycle */
  generations: number;
  /** expressions arriving from other islands (or the merged hall of fame) at the start of the cycle */
  migrants: SerializedMember[];
  /** the JSON-safe search options (see search/options.ts) */
  options: Record<string, unknown>;
  /** with a time budget: wall-clock time (ms since the epoch) after which the island ends its cycle early */
  stopAtEpochMs?: number;
}

export interface IslandTaskResult {
  islandId: number;
  state: SerializedIsland;
  /** the island's best expression of each complexity after the cycle */
  hallOfFame: SerializedMember[];
  /** expressions evaluated during the cycle (including constant-fitting evaluations) */
  evaluations: number;
}

/** Runs island tasks somewhere. `setDataset` is called once per run before any task. */
export interface IslandRunner {
  readonly name: string;
  setDataset(data: Dataset, loss: LossName): Promise<void>;
  run(tasks: readonly IslandTask[]): Promise<IslandTaskResult[]>;
  close(): Promise<void>;
}
