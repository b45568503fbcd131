/**
 * Distributed runs on BullMQ and Redis (energylens/distributed): island cycles, fits and structure discoveries as
 * queue jobs, run by `energylens worker` processes on any number of machines. Sits on both floors (the engine and
 * the energy application); neither imports it.
 */
export { DistributedError, type DistributedErrorCode } from './errors.js';
export {
  parseRedisUrl, maskUrl, isLoopback, authWarning, redisOptions, checkRedis, PASSWORD_ENV, DEFAULT_REDIS_PORT,
  type RedisTarget, type RedisConnectOptions,
} from './connection.js';
export { BullMQRunner, type BullMQRunnerOptions } from './queue-runner.js';
export { startWorker, type WorkerOptions, type WorkerLogEntry, type DistributedWorker } from './worker.js';
export {
  JobClient, jobId, errorFromReason, checkQueueName, isConnectionError, DEFAULT_QUEUE, DEFAULT_PREFIX,
  type JobClientOptions, type JobRequest, type DistributedEvent, type QueueNameOptions,
} from './job-client.js';
export * from './jobs.js';
export { encodeDataset, decodeDataset, storeDataset, datasetKey, DatasetCache } from './dataset-store.js';
export {
  groupRecords, discoverOnQueue, discoverByGroup, fitOnQueue, discoveryFromJSON, GROUP_BY,
  type GroupBy, type RecordGroup, type GroupedDiscoveryJSON, type QueueJobOptions,
} from './energy-jobs.js';
