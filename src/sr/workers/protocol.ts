/**
 * Every message between the pool (pool-runner.ts) and its island workers (island-worker.ts).
 *
 * - The dataset travels once per worker: a request names the dataset it needs by id; a worker that does not
 *   hold it answers `DATASET_MISSING` and the pool sends the request again with the dataset attached. Workers
 *   cache datasets by id, so a pool can be reused across datasets and a caller may hand in a pool of its own.
 * - The dataset is flat typed arrays, sliced (copied) before posting so no view of anyone's memory travels.
 * - Typed errors do not survive the thread boundary (they arrive as plain Errors), so a worker answers
 *   `{ ok: false, code, message }` and the pool rebuilds the SrError from it.
 */
import type { SrErrorCode } from '../errors.js';
import type { IslandTask, IslandTaskResult } from '../search/runner.js';

export const PROTOCOL_VERSION = 1;

/** The dataset as sent to a worker: feature-major X, as in `Dataset`. */
export interface WorkerDataset {
  /** content fingerprint (see datasetFingerprint) */
  id: string;
  X: Float64Array;
  y: Float64Array;
  weights?: Float64Array;
  nFeatures: number;
  nRows: number;
}

/**
 * Test hook: 'exit' runs the island and then ends the worker thread before answering, as a crash mid-task
 * would (the work is lost, the pool sees the worker die).
 */
export type WorkerFault = 'exit';

export interface IslandRequest {
  type: 'island';
  protocol: number;
  /** the dataset this task runs on */
  datasetId: string;
  /** attached only after the worker answered DATASET_MISSING */
  dataset?: WorkerDataset;
  task: IslandTask;
  fault?: WorkerFault;
}

/** Protocol code (never rebuilt into an error): this worker does not hold the dataset yet. */
export const DATASET_MISSING = 'DATASET_MISSING';

export type IslandResponse =
  | { ok: true; result: IslandTaskResult; /** the worker thread's id (diagnostics) */ threadId: number }
  | { ok: false; code: SrErrorCode | typeof DATASET_MISSING; message: string };

/** Copies a dataset's arrays into fresh buffers of exactly their length (safe to post or transfer). */
export function sliceDataset(id: string, data: { X: Float64Array; y: Float64Array; weights?: Float64Array; nFeatures: number; nRows: number }): WorkerDataset {
  const out: WorkerDataset = { id, X: data.X.slice(), y: data.y.slice(), nFeatures: data.nFeatures, nRows: data.nRows };
  if (data.weights) out.weights = data.weights.slice();
  return out;
}

/** The island worker's named export that piscina calls (its `name` option; the worker has no default export). */
export const ISLAND_WORKER_EXPORT = 'runIsland';
