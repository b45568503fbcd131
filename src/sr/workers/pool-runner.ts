/**
 * PoolRunner: island tasks on a piscina pool of worker threads (an IslandRunner).
 *
 * - The pool is created on the first `run` and destroyed by `close()` (call it in `finally`). A caller may hand
 *   in a pool of its own: it is used for this package's worker file and left open by `close()`.
 * - The dataset is sent once per worker: as workerData to the workers of a pool this runner creates, else (a
 *   caller's pool, or a new dataset on a reused pool) on demand, when a worker answers DATASET_MISSING.
 * - A worker that dies mid-task does not take the run down: the task (the island's state at the last migration,
 *   which this side still holds) is run again on a fresh worker and `onEvent` reports it. Tasks are pure, so the
 *   rerun gives exactly what the lost run would have given. An error answered by a worker (bad options, bad
 *   state) is not retried: it is rebuilt into an SrError with its code.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { SrError, srErrorFromPlain } from '../errors.js';
import type { Dataset, LossName } from '../eval/types.js';
import type { IslandRunner, IslandTask, IslandTaskResult } from '../search/runner.js';
import { datasetFingerprint } from './fingerprint.js';
import {
  DATASET_MISSING, ISLAND_WORKER_EXPORT, PROTOCOL_VERSION, packTask, sliceDataset, transferables, unpackResult,
  type IslandRequest, type IslandResponse, type WorkerDataset, type WorkerFault,
} from './protocol.js';

/** Worker threads when none are asked for: one per core this process may use. */
export function defaultWorkerCount(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

export { datasetFingerprint };

export interface WorkerCrashEvent {
  type: 'worker-crashed';
  islandId: number;
  /** 1 for the first rerun of this task */
  attempt: number;
  /** what piscina reported (exit code, error message) */
  reason: string;
}

export interface PoolRunnerOptions {
  /** worker threads (default: the number of CPU cores); a positive integer */
  workers?: number;
  /** a pool of the caller's; tasks name this package's worker file, so any piscina pool will do; left open */
  pool?: Piscina;
  /** reruns of one task whose worker died before giving up with WORKER_FAILED (default 3) */
  maxRetries?: number;
  /** a worker died and its island is being rerun from its last migration state */
  onEvent?: (event: WorkerCrashEvent) => void;
  /** test hook: the worker running `islandId` in cycle `cycle` (1-based count of `run` calls) crashes once */
  injectFault?: { islandId: number; cycle: number; fault?: WorkerFault };
}

/**
 * The compiled worker file. Workers always run JavaScript from dist/: when this module is itself a .ts file
 * under src/ (a test runner executing sources), the matching file under dist/ is used.
 */
export function islandWorkerPath(from: string = import.meta.url): string {
  const here = from.startsWith('file:') ? fileURLToPath(from) : from;
  const dir = here.slice(0, Math.max(here.lastIndexOf('/'), here.lastIndexOf('\\')) + 1);
  if (!here.endsWith('.ts')) return `${dir}island-worker.js`;
  const at = Math.max(here.lastIndexOf('/src/'), here.lastIndexOf('\\src\\'));
  if (at < 0) throw new SrError('WORKER_FAILED', `cannot find the compiled island worker for ${here} (not under a src/ folder)`);
  const dist = `${dir.slice(0, at + 1)}dist${dir.slice(at + 4)}island-worker.js`;
  if (!existsSync(dist)) throw new SrError('WORKER_FAILED', `worker file ${dist} is missing; run "npm run build" first`);
  return dist;
}

export class PoolRunner implements IslandRunner {
  readonly name = 'piscina';
  /** worker crashes recovered so far (over the runner's life) */
  restarts = 0;
  private pool: Piscina | undefined;
  private readonly ownPool: boolean;
  private readonly workerFile: string;
  private dataset: WorkerDataset | undefined;
  private cycle = 0;
  private faultUsed = false;

  constructor(private readonly options: PoolRunnerOptions = {}) {
    const { workers, maxRetries } = options;
    if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) {
      throw new SrError('INVALID_OPTION', `workers must be a positive integer, got ${String(workers)}`);
    }
    if (maxRetries !== undefined && (!Number.isInteger(maxRetries) || maxRetries < 0)) {
      throw new SrError('INVALID_OPTION', `maxRetries must be a non-negative integer, got ${String(maxRetries)}`);
    }
    this.pool = options.pool;
    this.ownPool = !options.pool;
    this.workerFile = islandWorkerPath();
  }

  /** worker threads this runner asks for */
  get workers(): number {
    return this.options.workers ?? defaultWorkerCount();
  }

  async setDataset(data: Dataset, _loss: LossName): Promise<void> {
    // a copy: later changes by the caller cannot reach the workers, and no view of WASM memory is posted
    this.dataset = sliceDataset(datasetFingerprint(data), data);
  }

  private getPool(): Piscina {
    if (!this.pool) {
      const n = this.workers;
      // workers started by this pool get the dataset of the moment as workerData (once per worker)
      this.pool = new Piscina({ filename: this.workerFile, name: ISLAND_WORKER_EXPORT, minThreads: n, maxThreads: n, idleTimeout: 30_000, workerData: { dataset: this.dataset } });
    }
    return this.pool;
  }

  async run(tasks: readonly IslandTask[]): Promise<IslandTaskResult[]> {
    const ds = this.dataset;
    if (!ds) throw new SrError('WORKER_FAILED', 'PoolRunner.run: call setDataset first');
    this.cycle++;
    const pool = this.getPool();
    return Promise.all(tasks.map((task) => this.runOne(pool, ds, task)));
  }

  private async runOne(pool: Piscina, ds: WorkerDataset, task: IslandTask): Promise<IslandTaskResult> {
    const maxRetries = this.options.maxRetries ?? 3;
    let attach = false;
    for (let attempt = 0; ; ) {
      // packed afresh for every attempt: a sent request's buffers are transferred (gone from this side)
      const packed = packTask(task);
      const req: IslandRequest = { type: 'island', protocol: PROTOCOL_VERSION, datasetId: ds.id, task: packed };
      if (attach) req.dataset = ds;
      const f = this.options.injectFault;
      if (f && !this.faultUsed && f.islandId === task.islandId && f.cycle === this.cycle) {
        this.faultUsed = true;
        req.fault = f.fault ?? 'exit';
      }
      let res: IslandResponse;
      try {
        const transferList = transferables(packed.state.members, packed.state.hallOfFame, packed.migrants);
        res = (await pool.run(req, { filename: this.workerFile, name: ISLAND_WORKER_EXPORT, transferList })) as IslandResponse;
      } catch (err) {
        // the worker thread died (crash, exit, out of memory): rerun the same task on a fresh worker
        attempt++;
        const reason = (err as Error)?.message ?? String(err);
        if (attempt > maxRetries) {
          throw new SrError('WORKER_FAILED', `island ${task.islandId}: its worker died ${attempt} times (last: ${reason})`);
        }
        this.restarts++;
        this.options.onEvent?.({ type: 'worker-crashed', islandId: task.islandId, attempt, reason });
        attach = false;
        continue;
      }
      if (res.ok) return unpackResult(res.result);
      if (res.code === DATASET_MISSING) {
        if (attach) throw new SrError('WORKER_FAILED', `island ${task.islandId}: the worker did not keep the dataset it was sent`);
        attach = true;
        continue;
      }
      throw srErrorFromPlain(res);
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = this.ownPool ? undefined : pool;
    if (this.ownPool && pool) await pool.destroy();
  }
}
