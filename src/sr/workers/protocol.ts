/** Every message between the pool and its island workers. */
import type { Dataset } from '../eval/types.js';
import type { IslandTask, IslandTaskResult } from '../search/runner.js';

/** The dataset as sent to workers (typed arrays are copied by structured clone, once per worker). */
export interface WorkerDataset {
  id: string;
  data: Dataset;
}

export interface IslandRequest {
  /** the dataset id this task expects the worker to hold */
  datasetId: string;
  /** present when the pool was not created with the dataset as workerData (a caller's own pool) */
  dataset?: WorkerDataset;
  task: IslandTask;
  /** test hook: the worker thread exits abruptly instead of running the task */
  crash?: boolean;
}

export type IslandResponse =
  | { ok: true; result: IslandTaskResult }
  | { ok: false; code: string; message: string };
