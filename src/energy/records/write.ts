/**
 * Writing profiling records as CSV, atomically: rows stream into a temporary file in the target's directory,
 * which is renamed over the target only when everything was written. On any error the temporary file is
 * removed, so no partial output is ever left behind.
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import { EnergyLensError } from '../../errors.js';
import { releaseTemp, removeStaleTemps, tempPathFor } from '../../util/atomic-write.js';
import { COLUMN_NAMES, type ProfilingRecord } from './schema.js';

export interface WriteOptions {
  /** pass-through columns written after the schema's; default: every `extra` key of the records (arrays only) */
  extraColumns?: string[];
}

function extraColumnsOf(records: readonly ProfilingRecord[]): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r.extra ?? {})) if (!COLUMN_NAMES.includes(k)) seen.add(k);
  return [...seen];
}

function cellsOf(r: ProfilingRecord, extras: readonly string[]): string[] {
  const known = r as unknown as Record<string, unknown>;
  const cells = COLUMN_NAMES.map((c) => {
    const v = known[c];
    return v === undefined || v === null ? '' : String(v);
  });
  for (const e of extras) cells.push(r.extra?.[e] ?? '');
  return cells;
}

/** Resolves when `csv` drains, or when `out` fails or closes (the caller then sees the failure). */
function drained(csv: NodeJS.EventEmitter, out: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      csv.off('drain', done);
      out.off('error', done);
      out.off('close', done);
      resolve();
    };
    csv.on('drain', done);
    out.on('error', done);
    out.on('close', done);
  });
}

/** Writes records (an array, iterable or async iterable) to `path` atomically; returns the number of rows. */
export async function writeRecordsCsv(
  path: string,
  records: Iterable<ProfilingRecord> | AsyncIterable<ProfilingRecord>,
  options: WriteOptions = {},
): Promise<number> {
  const extras = options.extraColumns ?? (Array.isArray(records) ? extraColumnsOf(records) : []);
  removeStaleTemps(path);
  const tmp = tempPathFor(path);
  let out;
  try {
    out = createWriteStream(tmp, { flags: 'wx' });
    await once(out, 'open');
  } catch (err) {
    rmSync(tmp, { force: true });
    releaseTemp(tmp);
    throw new EnergyLensError('WRITE_FAILED', `cannot write ${path}: ${(err as Error).message}`);
  }
  const csv = stringify({ header: true, columns: [...COLUMN_NAMES, ...extras], record_delimiter: 'unix' });
  let failure: Error | undefined;
  const fail = (err: Error): void => { failure ??= err; };
  out.on('error', fail);
  csv.on('error', fail);
  csv.pipe(out);
  let n = 0;
  try {
    for await (const r of records as AsyncIterable<ProfilingRecord>) {
      if (failure) break;
      if (!csv.write(cellsOf(r, extras))) await drained(csv, out);
      n += 1;
    }
    csv.end();
    if (!failure) await once(out, 'finish').catch(fail);
    if (failure) throw failure;
    renameSync(tmp, path);
  } catch (err) {
    csv.destroy();
    out.destroy();
    rmSync(tmp, { force: true });
    if (err !== failure) throw err;
    throw new EnergyLensError('WRITE_FAILED', `cannot write ${path}: ${(err as Error).message}`);
  } finally {
    releaseTemp(tmp);
  }
  return n;
}
