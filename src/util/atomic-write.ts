/** Writing a whole file atomically, for both floors (the engine's checkpoints, the application's files). */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SrError } from '../sr/errors.js';

let tmpCounter = 0;

/** Writes `text` to `path` atomically (temporary file in the same folder, fsync, rename, folder fsync). */
export function writeFileAtomic(path: string, text: string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${++tmpCounter}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      const bytes = Buffer.from(text, 'utf8');
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new SrError('WRITE_FAILED', `could not write ${path}: ${(err as Error).message}`);
  }
  // make the rename itself durable; not every platform can open a folder, and the file is complete either way
  try {
    const dfd = openSync(dir, 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch { /* best effort */ }
}
