/** A dataset's identity: a hash of its shape and bytes (workers cache datasets by it; checkpoints record it). */
import { createHash } from 'node:crypto';
import type { Dataset } from '../eval/types.js';

export function datasetFingerprint(data: Dataset): string {
  const h = createHash('sha256');
  h.update(`${data.nFeatures}:${data.nRows}:${data.weights ? 'w' : '-'}:`);
  const bytes = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  h.update(bytes(data.X));
  h.update(bytes(data.y));
  if (data.weights) h.update(bytes(data.weights));
  return h.digest('hex').slice(0, 16);
}
