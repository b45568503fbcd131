/**
 * Runs island tasks on a piscina pool of worker threads. The pool is created lazily (with the dataset as
 * workerData, so each worker receives it once) and closed by `close()`; a caller may hand in its own pool, in
 * which case the dataset travels with each task and the pool is left open.
 *
 * A worker that dies mid-task does not take the run down: the task (the island's state at the last migration)
 * is run again on a fresh worker, and `onEvent` says so. Tasks are pure, so the retry gives the same result.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { Piscina } from 'piscina';
import { EnergyLensError, errorFromPlain } from '../../errors.js';
import type { Dataset, LossName } from '../eval/types.js';
import type { IslandRunner, IslandTask, IslandTaskResult } from '../search/runner.js';
import type { IslandRequest, IslandResponse, WorkerDataset } from './protocol.js';

export interface PoolRunnerOptions {
  /** worker threads (default: the number of CPU cores) */
  workers?: number;
  /** a pool of the caller's (its filename must be this package's island worker); left open by close() */
  pool?: Piscina;
  /** retries of a task whose worker died (default 3) */
  maxRetries?: number;
  onEvent?: (event: { type: 'worker-restarted'; islandId: number; attempt: number; reason: string }) => void;
  /** test hook: the worker running this island's task in this cycle (1-based) crashes once */
  crashOnce?: { islandId: number; cycle: number };
}

/** The compiled worker file (when this module runs from src/ under a test runner, the one in dist/). */
export function islandWorkerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const js = here.replace(/\.ts$/, '.js').replace(/pool-runner\.js$/, 'island-worker.js');
  if (here.endsWith('.ts')) {
    const dist = js.replace(/([/\\])src([/\\])/, '$1dist$2');
    if (!existsSync(dist)) throw new EnergyLensError('WORKER_FAILED', `worker file ${dist} is missing; run "npm run build" first`);
    return dist;
  }
  return js;
}

export function datasetFingerprint(data: Dataset): string {
  const h = createHash('sha256');
  h.update(`${data.nFeatures}:${data.nRows}:`);
  h.update(Buffer.from(data.X.buffer, data.X.byteOffset, data.X.byteLength));
  h.update(Buffer.from(data.y.buffer, data.y.byteOffset, data.y.byteLength));
  if (data.weights) h.update(Buffer.from(data.weights.buffer, data.weights.byteOffset, data.weights.byteLength));
  return h.digest('hex').slice(0, 16);
}

export class PoolRunner implements IslandRunner {
  readonly name = 'piscina';
  private pool: Piscina | undefined;
  private readonly ownPool: boolean;
  private dataset: WorkerDataset | undefined;
  private cycle = 0;
  private crashed = false;

  constructor(private readonly options: PoolRunnerOptions = {}) {
    if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 1)) {
      throw new EnergyLensError('INVALID_OPTION', `workers must be a positive integer, got ${options.workers}`);
    }
    this.pool = options.pool;
    this.ownPool = !options.pool;
  }

  get workers(): number {
    return this.options.workers ?? Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  }

  async setDataset(data: Dataset, _loss: LossName): Promise<void> {
    // a copy, so later changes by the caller cannot reach the workers
    const copy: Dataset = { X: data.X.slice(), y: data.y.slice(), nFeatures: data.nFeatures, nRows: data.nRows, weights: data.weights?.slice() };
    this.dataset = { id: datasetFingerprint(copy), data: copy };
    if (this.ownPool && this.pool) { await this.pool.destroy(); this.pool = undefined; }
  }

  private getPool(): Piscina {
    if (!this.pool) {
      const n = this.workers;
      this.pool = new Piscina({ filename: islandWorkerPath(), minThreads: n, maxThreads: n, idleTimeout: 60_000, workerData: { dataset: this.dataset } });
    }
    return this.pool;
  }

  async run(tasks: readonly IslandTask[]): Promise<IslandTaskResult[]> {
    const ds = this.dataset;
    if (!ds) throw new EnergyLensError('WORKER_FAILED', 'PoolRunner: setDataset first');
    this.cycle++;
    const pool = this.getPool();
    const maxRetries = this.options.maxRetries ?? 3;
    const runOne = async (task: IslandTask): Promise<IslandTaskResult> => {
      for (let attempt = 0; ; attempt++) {
        const crash = !this.crashed && this.options.crashOnce?.islandId === task.islandId && this.options.crashOnce.cycle === this.cycle;
        if (crash) this.crashed = true;
        const req: IslandRequest = { datasetId: ds.id, task, crash, dataset: this.ownPool ? undefined : ds };
        let res: IslandResponse;
        try {
          res = (await pool.run(req)) as IslandResponse;
        } catch (err) {
          // the worker died (crash, out of memory, exit): run the same task again on a fresh worker
          if (attempt >= maxRetries) throw new EnergyLensError('WORKER_FAILED', `island ${task.islandId} failed ${attempt + 1} times: ${(err as Error).message}`);
          this.options.onEvent?.({ type: 'worker-restarted', islandId: task.islandId, attempt: attempt + 1, reason: (err as Error).message });
          continue;
        }
        if (!res.ok) throw errorFromPlain(res);
        return res.result;
      }
    };
    return Promise.all(tasks.map(runOne));
  }

  async close(): Promise<void> {
    if (this.ownPool && this.pool) await this.pool.destroy();
    this.pool = undefined;
  }
}
