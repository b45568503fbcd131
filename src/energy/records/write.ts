/**
 * Writing CSV atomically (profiling records, or any rows through AtomicCsvWriter): rows stream into a temporary file in the target's directory,
 * which is renamed over the target only when everything was written. On any error the temporary file is
 * removed, so no partial output is ever left behind.
 */
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { stringify, type Stringifier } from 'csv-stringify';
import { EnergyLensError } from '../../errors.js';
import { releaseTemp, removeStaleTemps, tempPathFor, writeFailureReason } from '../../util/atomic-write.js';
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

/**
 * A CSV written row by row into a temporary file beside `path`, renamed over `path` by `commit` and removed by
 * `abort` (call one of them: until then the temporary file is registered for removal at exit).
 */
export class AtomicCsvWriter {
  private failure: Error | undefined;
  private done = false;
  rows = 0;

  private constructor(readonly path: string, private readonly tmp: string, private readonly out: WriteStream, private readonly csv: Stringifier) {
    const fail = (err: Error): void => { this.failure ??= err; };
    out.on('error', fail);
    csv.on('error', fail);
    csv.pipe(out);
  }

  /** Opens the temporary file (stale ones of `path` left by dead processes are removed first) and writes the header. */
  static async open(path: string, columns: readonly string[]): Promise<AtomicCsvWriter> {
    removeStaleTemps(path);
    const tmp = tempPathFor(path);
    let out;
    try {
      out = createWriteStream(tmp, { flags: 'wx' });
      await once(out, 'open');
    } catch (err) {
      rmSync(tmp, { force: true });
      releaseTemp(tmp);
      throw new EnergyLensError('WRITE_FAILED', `cannot write ${path}: ${writeFailureReason(path, err)}`);
    }
    const writer = new AtomicCsvWriter(path, tmp, out, stringify({ record_delimiter: 'unix' }));
    // the header as a row like the others (csv-stringify's `columns` would also cut longer rows to the header)
    writer.csv.write([...columns]);
    return writer;
  }

  /** Writes one row; waits while the file lags behind. */
  async write(cells: readonly string[]): Promise<void> {
    if (this.failure) this.fail(this.failure);
    if (!this.csv.write(cells)) await drained(this.csv, this.out);
    this.rows += 1;
  }

  /** Finishes the file and renames it over the target. */
  async commit(): Promise<void> {
    try {
      this.csv.end();
      if (!this.failure) await once(this.out, 'finish').catch((err: Error) => { this.failure ??= err; });
      if (this.failure) this.fail(this.failure);
      try {
        renameSync(this.tmp, this.path);
      } catch (err) {
        this.fail(err as Error);
      }
      this.release();
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  /** Drops the temporary file; the target is left as it was. Safe to call more than once. */
  abort(): void {
    if (this.done) return;
    this.csv.destroy();
    this.out.destroy();
    rmSync(this.tmp, { force: true });
    this.release();
  }

  private release(): void {
    this.done = true;
    releaseTemp(this.tmp);
  }

  private fail(err: Error): never {
    this.abort();
    throw new EnergyLensError('WRITE_FAILED', `cannot write ${this.path}: ${writeFailureReason(this.path, err)}`);
  }
}

/** Writes records (an array, iterable or async iterable) to `path` atomically; returns the number of rows. */
export async function writeRecordsCsv(
  path: string,
  records: Iterable<ProfilingRecord> | AsyncIterable<ProfilingRecord>,
  options: WriteOptions = {},
): Promise<number> {
  const extras = options.extraColumns ?? (Array.isArray(records) ? extraColumnsOf(records) : []);
  const writer = await AtomicCsvWriter.open(path, [...COLUMN_NAMES, ...extras]);
  try {
    for await (const r of records as AsyncIterable<ProfilingRecord>) await writer.write(cellsOf(r, extras));
    await writer.commit();
  } finally {
    writer.abort();
  }
  return writer.rows;
}
