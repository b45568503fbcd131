/** Piscina worker: holds one WASM evaluator and the dataset, runs island tasks. */
import { workerData } from 'node:worker_threads';
import { createWasmEvaluator } from '../eval/wasm-kernel.js';
import type { Dataset, Evaluator } from '../eval/types.js';
import { runIslandTask } from '../search/island.js';
import type { IslandRequest, IslandResponse, WorkerDataset } from './protocol.js';

let evaluator: Evaluator | undefined;
let current: { id: string; data: Dataset } | undefined;

function useDataset(ds: WorkerDataset): void {
  evaluator ??= createWasmEvaluator();
  evaluator.setDataset(ds.data);
  current = { id: ds.id, data: ds.data };
}

const initial = (workerData as { dataset?: WorkerDataset } | undefined)?.dataset;

export default function runIsland(req: IslandRequest): IslandResponse {
  if (req.crash) process.exit(70);
  try {
    if (!current || current.id !== req.datasetId) {
      const ds = req.dataset ?? (initial?.id === req.datasetId ? initial : undefined);
      if (!ds) return { ok: false, code: 'WORKER_FAILED', message: `worker has no dataset ${req.datasetId}` };
      useDataset(ds);
    }
    return { ok: true, result: runIslandTask(req.task, { evaluator: evaluator!, data: current!.data }) };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { ok: false, code: e.code ?? 'WORKER_FAILED', message: e.message ?? String(err) };
  }
}
