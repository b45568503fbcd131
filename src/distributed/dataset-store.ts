/**
 * Datasets in Redis: stored once per run under their content fingerprint, as one binary value (a small header,
 * then X feature-major, y and the weights as little-endian f64), with an expiry renewed by each run that uses
 * it. A worker fetches a dataset the first time a job names it and keeps it by id; what it reads is checked
 * (header, length, and the fingerprint recomputed over the bytes), so a damaged or foreign value is refused.
 */
import type { Redis } from 'ioredis';
import { DistributedError } from './errors.js';
import type { Dataset } from '../sr/index.js';
import { datasetFingerprint } from '../sr/runtime.js';

const MAGIC = 0x53444c45; // "ELDS"
const FORMAT = 1;
const HEADER_BYTES = 24;

export const datasetKey = (prefix: string, queue: string, id: string): string => `${prefix}:${queue}:dataset:${id}`;

export function encodeDataset(data: Dataset): Buffer {
  const { nFeatures, nRows } = data;
  const values = nRows * (nFeatures + 1 + (data.weights ? 1 : 0));
  const buf = Buffer.alloc(HEADER_BYTES + 8 * values);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(FORMAT, 4);
  buf.writeUInt32LE(nFeatures, 8);
  buf.writeUInt32LE(nRows, 12);
  buf.writeUInt32LE(data.weights ? 1 : 0, 16);
  let off = HEADER_BYTES;
  for (const a of [data.X.subarray(0, nFeatures * nRows), data.y.subarray(0, nRows), ...(data.weights ? [data.weights.subarray(0, nRows)] : [])]) {
    for (let i = 0; i < a.length; i++, off += 8) buf.writeDoubleLE(a[i], off);
  }
  return buf;
}

/** The dataset in `buf`, checked against its id. */
export function decodeDataset(buf: Buffer, id: string): Dataset {
  const bad = (why: string): never => { throw new DistributedError('INVALID_JOB', `dataset ${id} in Redis: ${why}`); };
  if (buf.length < HEADER_BYTES || buf.readUInt32LE(0) !== MAGIC) bad('not an energylens dataset');
  if (buf.readUInt32LE(4) !== FORMAT) bad(`format ${buf.readUInt32LE(4)}; this version reads ${FORMAT}`);
  const nFeatures = buf.readUInt32LE(8);
  const nRows = buf.readUInt32LE(12);
  const weighted = buf.readUInt32LE(16) === 1;
  const values = nRows * (nFeatures + 1 + (weighted ? 1 : 0));
  if (buf.length !== HEADER_BYTES + 8 * values) bad(`${buf.length} bytes; ${nRows} rows x ${nFeatures} features need ${HEADER_BYTES + 8 * values}`);
  let off = HEADER_BYTES;
  const read = (n: number): Float64Array => {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++, off += 8) a[i] = buf.readDoubleLE(off);
    return a;
  };
  const X = read(nFeatures * nRows);
  const y = read(nRows);
  const data: Dataset = weighted ? { X, y, weights: read(nRows), nFeatures, nRows } : { X, y, nFeatures, nRows };
  if (datasetFingerprint(data) !== id) bad('its bytes do not match its fingerprint');
  return data;
}

/** Stores the dataset unless it is there already; renews its expiry either way. */
export async function storeDataset(redis: Redis, key: string, data: Dataset, ttlSeconds: number): Promise<void> {
  if ((await redis.expire(key, ttlSeconds)) === 1) return;
  await redis.set(key, encodeDataset(data), 'EX', ttlSeconds);
}

/** Datasets a worker has fetched, by id, the most recent few. */
export class DatasetCache {
  private readonly cache = new Map<string, Dataset>();

  constructor(private readonly redis: Redis, private readonly keyOf: (id: string) => string, private readonly max = 4) {}

  async get(id: string): Promise<Dataset> {
    const hit = this.cache.get(id);
    if (hit) {
      this.cache.delete(id);
      this.cache.set(id, hit);
      return hit;
    }
    const buf = await this.redis.getBuffer(this.keyOf(id));
    // an ordinary failure: the job is retried (attempts, backoff) while the head stores the dataset again
    if (!buf) throw new DistributedError('WORKER_FAILED', `dataset ${id} is not in Redis (expired, or Redis restarted without persistence); the head stores it again`);
    const data = decodeDataset(buf, id);
    this.cache.set(id, data);
    while (this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value as string);
    return data;
  }
}
