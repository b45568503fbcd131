/**
 * BullMQRunner: island cycles as BullMQ jobs, run by `energylens worker` processes on any number of machines
 * (an IslandRunner, like the in-process and piscina runners).
 *
 * - setDataset stores the dataset once in Redis, binary, under its content fingerprint; workers fetch it the
 *   first time a job names it and keep it.
 * - run() adds one job per island task and waits for every result. A task holds the island's state at the last
 *   migration, so a retried job (its worker killed, its lock expired) redoes exactly that cycle: the search gives
 *   the same result for a seed as a local run, whatever happens to the workers.
 * - The head's own restart is the search's checkpoint (sr --checkpoint F --resume); jobs are named by their
 *   content, so a cycle a restarted head submits again finds the results already computed.
 */
import type { Dataset, IslandRunner, LossName } from '../sr/index.js';
import { datasetFingerprint, type IslandTask, type IslandTaskResult } from '../sr/runtime.js';
import { datasetKey, storeDataset } from './dataset-store.js';
import { JobClient, type JobClientOptions } from './job-client.js';
import { checkIslandResult, JOB_PROTOCOL, type IslandJob } from './jobs.js';

export interface BullMQRunnerOptions extends JobClientOptions {
  /** seconds a stored dataset lives in Redis after the last cycle that used it (default 86400) */
  datasetTtlSeconds?: number;
}

export class BullMQRunner implements IslandRunner {
  readonly name = 'bullmq';
  private readonly client: JobClient;
  private data: Dataset | undefined;
  private datasetId: string | undefined;

  constructor(private readonly options: BullMQRunnerOptions) {
    this.client = new JobClient(options);
    this.client.beforeResubmit = () => this.storeDataset();
  }

  /** Connects now (REDIS_UNAVAILABLE at once when Redis cannot be reached); otherwise the first setDataset does. */
  connect(): Promise<void> {
    return this.client.connect();
  }

  private async storeDataset(): Promise<void> {
    if (!this.data || !this.datasetId) return;
    const redis = await this.client.redis();
    const { data, datasetId } = this;
    // a Redis restart while the dataset is stored is waited out, as the jobs' are
    await this.client.untilAnswered(() => storeDataset(redis, datasetKey(this.client.prefix, this.client.queueName, datasetId), data, this.options.datasetTtlSeconds ?? 86400));
  }

  async setDataset(data: Dataset, _loss: LossName): Promise<void> {
    // a copy, so that later changes by the caller cannot make the stored bytes disagree with the id
    this.data = { X: data.X.slice(), y: data.y.slice(), nFeatures: data.nFeatures, nRows: data.nRows, ...(data.weights ? { weights: data.weights.slice() } : {}) };
    this.datasetId = datasetFingerprint(this.data);
    await this.storeDataset();
  }

  async run(tasks: readonly IslandTask[]): Promise<IslandTaskResult[]> {
    const datasetId = this.datasetId;
    if (!datasetId) throw new Error('BullMQRunner: setDataset first');
    await this.storeDataset(); // renews its expiry; stores it again if Redis lost it
    return this.client.submit(tasks.map((task) => {
      const data: IslandJob = { protocol: JOB_PROTOCOL, datasetId, task };
      return { name: 'island' as const, data, label: `island ${task.islandId}`, check: (v: unknown) => checkIslandResult(v, task.islandId) };
    }));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
