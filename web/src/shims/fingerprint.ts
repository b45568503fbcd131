/**
 * src/sr/workers/fingerprint.ts in the browser: the same role (a dataset's identity for the workers' cache) with a
 * synchronous 64-bit FNV-1a over the shape and bytes, since the browser has no synchronous SHA-256. Checkpoint
 * files, which record the Node fingerprint, are never written from the page.
 */
import type { Dataset } from '../../../src/sr/eval/types.js';

export function datasetFingerprint(data: Dataset): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ data.nRows;
  const feed = (bytes: Uint8Array): void => {
    for (let i = 0; i < bytes.length; i++) {
      h1 = Math.imul(h1 ^ bytes[i], 0x01000193);
      h2 = Math.imul(h2 ^ bytes[i], 0x5bd1e995);
    }
  };
  feed(new TextEncoder().encode(`${data.nFeatures}:${data.nRows}:${data.weights ? 'w' : '-'}:`));
  for (const a of [data.X, data.y, data.weights]) if (a) feed(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
