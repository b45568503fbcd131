/**
 * Atomic file writes: the content goes to a temporary file beside the target (same folder, so the rename is
 * atomic), is flushed, then renamed over the target. A reader sees the old file or the new one, never half.
 *
 * Temporary names are `.<target>.<pid>.<random>.tmp`: the random suffix means two runs never collide (a new
 * process that gets a dead one's PID, as PID 1 in a fresh container does, still gets a fresh name). Temporary
 * files are removed on every exit path this process controls: on error, on `process.exit`, on an uncaught
 * exception, and on SIGINT/SIGTERM/SIGHUP when no one else handles the signal. A kill -9 cannot be caught: the
 * next write of the same target removes the temporary files of that target left by processes that no longer
 * run (their PID is gone, or it is this process's PID and the file is not one of ours).
 *
 * Limitation: liveness is judged by PID on this machine; a folder shared with writers on other machines or in
 * other PID namespaces could see a live writer's temporary file removed (that writer then fails with
 * WRITE_FAILED, and its target is left as it was).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SrError } from '../sr/errors.js';

/** Temporary files this process has open: removed at exit if still there. */
const live = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let hooked = false;

function removeLive(): void {
  for (const tmp of live) rmSync(tmp, { force: true });
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // someone else handles this signal (sr stops after the current cycle): the write finishes or fails on its own
  if (process.listenerCount(signal) > 1) return;
  removeLive();
  unhook();
  // no listener left: the default action ends the process with the usual status (128 + signal number)
  process.kill(process.pid, signal);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', removeLive);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function unhook(): void {
  if (!hooked) return;
  hooked = false;
  process.off('exit', removeLive);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/**
 * Why writing `path` failed, in words that name the target rather than the temporary file beside it (the system's
 * message names the temporary file, which the user never asked for and which is already gone).
 */
export function writeFailureReason(path: string, err: unknown): string {
  switch ((err as { code?: string }).code) {
    case 'ENOENT': return existsSync(dirname(path)) ? (err as Error).message : `the folder ${dirname(path)} does not exist`;
    case 'EISDIR': return 'it is a folder';
    case 'ENOTDIR': return `a part of ${dirname(path)} is not a folder`;
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'the file system is read-only';
    case 'ENOSPC': return 'no space left on the device';
    case 'EDQUOT': return 'disk quota exceeded';
    default: return (err as Error).message;
  }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A fresh temporary path beside `path`, registered for removal at exit (call `releaseTemp` when done). */
export function tempPathFor(path: string): string {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  live.add(tmp);
  hook();
  return tmp;
}

/** Forgets a temporary path (renamed or removed); unhooks the exit and signal handlers when none is left. */
export function releaseTemp(tmp: string): void {
  live.delete(tmp);
  if (live.size === 0) unhook();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Removes temporary files of `path` left by processes that no longer run; returns how many it removed. */
export function removeStaleTemps(path: string): number {
  const dir = dirname(path);
  const pattern = new RegExp(`^\\.${escape(basename(path))}\\.(\\d+)\\.[0-9a-z]+\\.tmp$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0; // no folder: the write itself reports it
  }
  let removed = 0;
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const full = join(dir, name);
    const pid = Number(m[1]);
    const stale = pid === process.pid ? !live.has(full) : !alive(pid);
    if (!stale) continue;
    try {
      rmSync(full, { force: true });
      removed++;
    } catch { /* another run removed it first, or it is not ours to remove */ }
  }
  return removed;
}

/** Writes `text` to `path` atomically (temporary file in the same folder, fsync, rename, folder fsync). */
export function writeFileAtomic(path: string, text: string): void {
  removeStaleTemps(path);
  const dir = dirname(path);
  const tmp = tempPathFor(path);
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
    throw new SrError('WRITE_FAILED', `could not write ${path}: ${writeFailureReason(path, err)}`);
  } finally {
    releaseTemp(tmp);
  }
  // make the rename itself durable; not every platform can open a folder, and the file is complete either way
  try {
    const dfd = openSync(dir, 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch { /* best effort */ }
}
