/**
 * A queue worker (`energylens worker`): takes jobs from the queue until it is closed.
 *
 * - 'island': one island's cycle, by the engine's pure runIslandTask, with one WASM evaluator per process (or,
 *   with concurrency N > 1, on a pool of N worker threads in this process); datasets fetched from Redis once and
 *   kept by id.
 * - 'fit' and 'discover': a whole fit or structure discovery on the records of one group (e.g. a hardware set).
 *
 * Every payload is validated on receipt (jobs.ts): a malformed job fails at once with INVALID_JOB and is not
 * retried. An engine error (bad options, a damaged state) fails the job without retries as well; anything else
 * (Redis away, a dataset that must be stored again) fails the attempt and BullMQ retries it. A worker killed
 * mid-job stops renewing its lock; another worker's stalled-job check puts the job back in the queue.
 * Failures travel as "[CODE] message", which the head rebuilds into the typed error.
 */
import os from 'node:os';
import { Piscina } from 'piscina';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { isEnergyLensError } from '../errors.js';
import { DistributedError } from './errors.js';
import { Catalog, parseUserCatalog } from '../energy/catalog/index.js';
import { discoverEnergyStructure, discoveryJSON } from '../energy/model/discover.js';
import { fitEnergyModel } from '../energy/model/fit.js';
import { createWasmEvaluator, type Evaluator } from '../sr/index.js';
import { islandWorkerPath, PoolRunner, runIslandTask, type IslandTaskResult } from '../sr/runtime.js';
import { checkRedis, createRedisClient, parseRedisUrl, type RedisConnectOptions } from './connection.js';
import { DatasetCache, datasetKey } from './dataset-store.js';
import { checkQueueName, DEFAULT_PREFIX, DEFAULT_QUEUE, type QueueNameOptions } from './job-client.js';
import { validateJob, type DiscoverJob, type DiscoverJobResult, type FitJob, type FitJobResult, type IslandJob, type ValidJob } from './jobs.js';

export interface WorkerOptions extends RedisConnectOptions, QueueNameOptions {
  /** jobs at once (default 1); island jobs then run on that many threads */
  concurrency?: number;
  /** milliseconds a job's lock lasts without renewal (default 30000); must exceed the longest island cycle when concurrency is 1 */
  lockDurationMs?: number;
  /** milliseconds between checks for stalled jobs (default 30000): how soon a killed worker's job is taken up again */
  stalledIntervalMs?: number;
  /** times a job may stall (its worker lost) before it fails (default 5) */
  maxStalledCount?: number;
  /** one entry per job started, done or failed */
  onLog?: (entry: WorkerLogEntry) => void;
}

export interface WorkerLogEntry {
  event: 'active' | 'completed' | 'failed';
  job: string;
  name: string;
  label: string;
  seconds?: number;
  attempt: number;
  reason?: string;
}

export interface DistributedWorker {
  readonly queue: string;
  /** jobs completed and failed by this process */
  readonly counts: { completed: number; failed: number };
  /** waits for the jobs in hand, then stops */
  close(): Promise<void>;
}

const bad = (message: string): never => { throw new DistributedError('INVALID_OPTION', message); };

function checkWorkerOptions(o: WorkerOptions): void {
  const posInt = (name: string, v: number | undefined, min = 1): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) bad(`${name} must be an integer >= ${min}, got ${String(v)}`);
  };
  posInt('concurrency', o.concurrency);
  posInt('lockDurationMs', o.lockDurationMs, 100);
  posInt('stalledIntervalMs', o.stalledIntervalMs, 100);
  posInt('maxStalledCount', o.maxStalledCount, 0);
}

/** "[CODE] message": the form the head reads back (errorFromReason). */
const reason = (err: unknown): string => (isEnergyLensError(err) ? `[${err.code}] ${err.message}` : err instanceof Error ? err.message : String(err));

/** Runs island tasks: in this thread with concurrency 1, else on a pool of threads shared by every dataset. */
class IslandExecutor {
  private evaluator: Evaluator | undefined;
  private loaded: string | undefined;
  private pool: Piscina | undefined;
  private readonly runners = new Map<string, PoolRunner>();

  constructor(private readonly threads: number, private readonly datasets: DatasetCache) {}

  async run(job: IslandJob): Promise<IslandTaskResult> {
    const data = await this.datasets.get(job.datasetId);
    if (this.threads === 1) {
      this.evaluator ??= createWasmEvaluator();
      if (this.loaded !== job.datasetId) {
        this.evaluator.setDataset(data);
        this.loaded = job.datasetId;
      }
      return runIslandTask(job.task, { evaluator: this.evaluator, data });
    }
    this.pool ??= new Piscina({ filename: islandWorkerPath(), minThreads: this.threads, maxThreads: this.threads });
    let runner = this.runners.get(job.datasetId);
    if (!runner) {
      runner = new PoolRunner({ pool: this.pool });
      await runner.setDataset(data, job.task.options.loss as never);
      this.runners.set(job.datasetId, runner);
      while (this.runners.size > 4) this.runners.delete(this.runners.keys().next().value as string);
    }
    const [result] = await runner.run([job.task]);
    return result;
  }

  async close(): Promise<void> {
    this.evaluator?.dispose();
    this.evaluator = undefined;
    await this.pool?.destroy();
    this.pool = undefined;
  }
}

const catalogOf = (raw: unknown, where: string): Catalog | undefined => (raw === undefined ? undefined : new Catalog(parseUserCatalog(raw, `${where}.catalog`)));

function runFit(job: FitJob): FitJobResult {
  const model = fitEnergyModel(job.records, { ...job.options, catalog: catalogOf(job.catalog, 'fit job') });
  return { ...(job.group ? { group: job.group } : {}), model };
}

async function runDiscover(job: DiscoverJob): Promise<DiscoverJobResult> {
  // one thread per job: a worker with concurrency N keeps N cores busy
  const d = await discoverEnergyStructure(job.records, { ...job.options, workers: 1, catalog: catalogOf(job.catalog, 'discover job') });
  return { ...(job.group ? { group: job.group } : {}), discovery: discoveryJSON(d) };
}

const labelOf = (v: ValidJob): string => (v.name === 'island' ? `island ${v.data.task.islandId}` : `${v.name}${v.data.group ? ` ${v.data.group.value}` : ''}`);

/** Starts a worker on the queue; REDIS_UNAVAILABLE at once when Redis cannot be reached. */
export async function startWorker(options: WorkerOptions): Promise<DistributedWorker> {
  checkWorkerOptions(options);
  const queue = checkQueueName(options.queue ?? DEFAULT_QUEUE);
  const prefix = checkQueueName(options.prefix ?? DEFAULT_PREFIX, 'prefix');
  const target = parseRedisUrl(options.redis);
  await checkRedis(target, options);
  const concurrency = options.concurrency ?? 1;
  const clients: Redis[] = [];
  const client = (role: string): Redis => {
    const c = createRedisClient(target, options, `energylens-worker-${os.hostname()}-${process.pid}-${role}`);
    clients.push(c);
    return c;
  };
  const datasets = new DatasetCache(client('data'), (id) => datasetKey(prefix, queue, id));
  const islands = new IslandExecutor(concurrency, datasets);
  const counts = { completed: 0, failed: 0 };
  const labels = new Map<string, string>();

  const process_ = async (job: Job): Promise<unknown> => {
    let valid: ValidJob;
    try {
      valid = validateJob(job.name, job.data);
    } catch (err) {
      throw new UnrecoverableError(reason(err));
    }
    labels.set(job.id ?? '', labelOf(valid));
    try {
      if (valid.name === 'island') return await islands.run(valid.data);
      if (valid.name === 'fit') return runFit(valid.data);
      return await runDiscover(valid.data);
    } catch (err) {
      // deterministic failures of the work itself are not retried; a missing dataset or a lost connection is
      if (isEnergyLensError(err) && err.code !== 'WORKER_FAILED') throw new UnrecoverableError(reason(err));
      throw new Error(reason(err));
    }
  };

  const worker = new Worker(queue, process_, {
    connection: client('queue'), prefix, concurrency, autorun: true,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 5,
    // after a lost connection, try again within a second (BullMQ's default waits 15 s)
    runRetryDelay: 1000,
  });
  worker.on('error', () => { /* connection errors: ioredis reconnects; BullMQ resumes */ });
  worker.on('active', (job) => {
    options.onLog?.({ event: 'active', job: job.id ?? '', name: job.name, label: labels.get(job.id ?? '') ?? job.name, attempt: job.attemptsMade + 1 });
  });
  worker.on('completed', (job) => {
    counts.completed++;
    const label = labels.get(job.id ?? '') ?? job.name;
    labels.delete(job.id ?? '');
    options.onLog?.({ event: 'completed', job: job.id ?? '', name: job.name, label, attempt: job.attemptsMade, seconds: job.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : undefined });
  });
  worker.on('failed', (job, err) => {
    counts.failed++;
    if (!job) return;
    const label = labels.get(job.id ?? '') ?? job.name;
    labels.delete(job.id ?? '');
    options.onLog?.({ event: 'failed', job: job.id ?? '', name: job.name, label, attempt: job.attemptsMade, reason: err.message });
  });
  await worker.waitUntilReady();

  let closing: Promise<void> | undefined;
  return {
    queue, counts,
    close: () => {
      closing ??= (async () => {
        await worker.close();
        await islands.close();
        for (const c of clients) c.disconnect();
      })();
      return closing;
    },
  };
}
