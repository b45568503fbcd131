/**
 * Piscina worker entry: one WASM evaluator per worker thread (instantiated on first use), datasets cached by
 * id, and `runIslandTask` (the pure function of src/sr/search) on each request. Never throws across the
 * boundary: failures are answered as `{ ok: false, code, message }`.
 */
import { threadId, workerData } from 'node:worker_threads';
import { isSrError } from '../errors.js';
import { createWasmEvaluator } from '../eval/wasm-kernel.js';
import type { Dataset, Evaluator } from '../eval/types.js';
import { runIslandTask } from '../search/island.js';
import { DATASET_MISSING, PROTOCOL_VERSION, packResult, unpackTask, type IslandRequest, type IslandResponse, type WorkerDataset } from './protocol.js';

/** datasets kept per worker (a pool reused across runs holds the current one and the one before) */
const MAX_CACHED = 2;
const cache = new Map<string, Dataset>();
let evaluator: Evaluator | undefined;
let loadedId: string | undefined;

function remember(ds: WorkerDataset): void {
  cache.delete(ds.id);
  cache.set(ds.id, { X: ds.X, y: ds.y, weights: ds.weights, nFeatures: ds.nFeatures, nRows: ds.nRows });
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
}

// a pool created by PoolRunner hands every worker the dataset of the moment when it starts
const initial = (workerData as { dataset?: WorkerDataset } | null | undefined)?.dataset;
if (initial) remember(initial);

/** Our typed errors keep their code; anything else (a bug, a Node error) is WORKER_FAILED with its message. */
function failure(err: unknown): IslandResponse {
  const message = err instanceof Error ? err.message : String(err);
  if (isSrError(err)) return { ok: false, code: err.code, message };
  return { ok: false, code: 'WORKER_FAILED', message: `island worker: ${err instanceof Error ? `${err.name}: ` : ''}${message}` };
}

export function runIsland(req: IslandRequest): IslandResponse {
  try {
    if (req?.type !== 'island' || req.protocol !== PROTOCOL_VERSION) {
      return { ok: false, code: 'WORKER_FAILED', message: `island worker speaks protocol ${PROTOCOL_VERSION}; got ${String(req?.protocol)}` };
    }
    if (req.dataset) remember(req.dataset);
    const data = cache.get(req.datasetId);
    if (!data) return { ok: false, code: DATASET_MISSING, message: `worker ${threadId} has no dataset ${req.datasetId}` };
    evaluator ??= createWasmEvaluator();
    if (loadedId !== req.datasetId) {
      evaluator.setDataset(data);
      loadedId = req.datasetId;
    }
    const result = runIslandTask(unpackTask(req.task), { evaluator, data });
    if (req.fault === 'exit') process.exit(70); // ends this worker thread only, with the work lost
    return { ok: true, result: packResult(result), threadId };
  } catch (err) {
    return failure(err);
  }
}
