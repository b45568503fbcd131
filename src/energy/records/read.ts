/**
 * Streaming CSV reading and validation of profiling records. The file is read as a stream and each row is
 * checked and dropped (or handed to the caller), so memory stays bounded whatever the file size; only the
 * first `maxProblems` problems are kept, with a count of all of them.
 */
import { createReadStream, statSync } from 'node:fs';
import { EnergyLensError } from '../../errors.js';
import { RecordTable } from './columns.js';
import { csvItems, textInput, type CsvInput } from './csv-rows.js';
import { ProblemCollector, summariseProblems, type RecordProblem } from './problems.js';
import { layoutHeader, parseRow, type HeaderLayout } from './row.js';
import type { ProfilingRecord } from './schema.js';

export interface RowPlace {
  file: string;
  line: number;
  row: number;
}

/** A row handed to `onRecord`: where it is, and its cells exactly as the file has them (untrimmed text). */
export interface ScannedRow extends RowPlace {
  cells: readonly string[];
}

export interface ScanOptions {
  /** problems kept in the report (all are counted); default 1000 */
  maxProblems?: number;
  /** extra checks on a row that parsed (catalog lookups); returns problems as (column, expected, got) */
  check?: (record: ProfilingRecord) => { column: string; expected: string; got?: string }[];
  /** called now and then with the bytes read so far and the file size */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** required columns the header may lack (prediction inputs need no measured energy_j) */
  optionalColumns?: readonly string[];
  /** called once with the header (names trimmed) when it has every required column, before any row; may throw */
  onHeader?: (header: readonly string[]) => void | Promise<void>;
  /** called with every problem as it is found (a streaming caller stops its output at the first) */
  onProblem?: (problem: RecordProblem) => void;
}

export interface ValidationReport {
  file: string;
  ok: boolean;
  /** data rows seen */
  rows: number;
  /** rows without any problem */
  validRows: number;
  /** the first problems (at most maxProblems) */
  problems: RecordProblem[];
  /** every problem found */
  problemCount: number;
  truncated: boolean;
  columns: string[];
}

export { isCsvError } from './csv-rows.js';

export const DEFAULT_MAX_PROBLEMS = 1000;

/** Throws FILE_NOT_FOUND unless `path` is a readable regular file. */
export function assertReadableFile(path: string): number {
  let isFile = false;
  let isFolder = false;
  let size = 0;
  try {
    const st = statSync(path);
    isFile = st.isFile();
    isFolder = st.isDirectory();
    size = st.size;
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new EnergyLensError('FILE_NOT_FOUND', code === 'ENOENT' ? `${path}: no such file` : `${path}: ${(err as Error).message}`);
  }
  if (isFolder) throw new EnergyLensError('FILE_NOT_FOUND', `${path} is a folder; expected a records CSV file`);
  if (!isFile) throw new EnergyLensError('FILE_NOT_FOUND', `${path}: not a regular file`);
  return size;
}

/**
 * Reads `path` row by row; calls `onRecord` for every row without problems. Never throws for bad data:
 * every problem goes into the report. Throws only when the file cannot be opened.
 */
export async function scanRecords(
  path: string,
  onRecord?: (record: ProfilingRecord, place: ScannedRow) => void | Promise<void>,
  options: ScanOptions = {},
): Promise<ValidationReport> {
  const sizeBytes = assertReadableFile(path);
  return scanCsvInput(path, createReadStream(path), sizeBytes, onRecord, options);
}

/**
 * The same checks on a CSV already in memory (a file dropped on the web workbench): `name` stands for the file
 * in every problem, so the messages are the CLI's.
 */
export function scanRecordsText(
  name: string,
  text: string,
  onRecord?: (record: ProfilingRecord, place: ScannedRow) => void | Promise<void>,
  options: ScanOptions = {},
): Promise<ValidationReport> {
  return scanCsvInput(name, textInput(text), text.length, onRecord, options);
}

async function scanCsvInput(
  path: string,
  input: CsvInput,
  sizeBytes: number,
  onRecord: ((record: ProfilingRecord, place: ScannedRow) => void | Promise<void>) | undefined,
  options: ScanOptions,
): Promise<ValidationReport> {
  const collector = new ProblemCollector(options.maxProblems ?? DEFAULT_MAX_PROBLEMS);
  const report = (p: RecordProblem): void => {
    collector.add(p);
    options.onProblem?.(p);
  };
  let layout: HeaderLayout | undefined;
  let rows = 0;
  let validRows = 0;
  let csvProblems = 0;
  try {
    for await (const item of csvItems(path, input)) {
      if (item.kind === 'malformed') {
        const p = item.problem;
        csvProblems += 1;
        if (layout === undefined) {
          // a malformed header: what follows cannot be laid out against it, so reading stops here
          report({ file: path, line: p.line, row: 0, column: p.field === undefined ? '' : `#${p.field + 1}`, expected: `${p.expected} in the header (reading stopped here)`, got: p.message, code: 'INVALID_CSV' });
          break;
        }
        if (!p.sameRecord) rows += 1;
        const column = p.field === undefined ? '' : layout.header[p.field] || `#${p.field + 1}`;
        report({ file: path, line: p.line, row: rows, column, expected: p.expected, got: p.message, code: 'INVALID_CSV' });
        continue;
      }
      const { cells, line } = item;
      if (layout === undefined) {
        layout = layoutHeader(cells, path, report, options.optionalColumns);
        if (layout.missing.length === 0) await options.onHeader?.(layout.header);
        continue;
      }
      rows += 1;
      if (options.onProgress && rows % 20000 === 0) options.onProgress(input.bytesRead, sizeBytes);
      const place = { file: path, line, row: rows };
      const rec = parseRow(cells, layout, place, report, options.check);
      // without a required column no row is a record, however good its cells
      if (rec === undefined || layout.missing.length > 0) continue;
      validRows += 1;
      if (onRecord) await onRecord(rec, { ...place, cells });
    }
  } catch (err) {
    const e = err as { message?: string; code?: string };
    if (e.code === 'EISDIR' || e.code === 'EACCES') throw new EnergyLensError('FILE_NOT_FOUND', `${path}: ${e.message}`);
    throw err;
  }
  options.onProgress?.(sizeBytes, sizeBytes);
  if (layout === undefined && csvProblems === 0) report({ file: path, line: 0, row: 0, column: '', expected: 'a header row and data rows (the file is empty)' });
  else if (layout !== undefined && rows === 0) report({ file: path, line: 0, row: 0, column: '', expected: 'at least one data row after the header (the file has only a header)' });
  return {
    file: path, ok: collector.count === 0, rows, validRows, problems: collector.problems, problemCount: collector.count,
    truncated: collector.truncated, columns: layout?.header ?? [],
  };
}

/** Validates a file without keeping its rows. */
export function validateRecordsFile(path: string, options: ScanOptions = {}): Promise<ValidationReport> {
  return scanRecords(path, undefined, options);
}

/** Reads every record of a file; any problem is an INVALID_RECORD error listing them (details: the report). */
export async function readRecords(path: string, options: ScanOptions = {}): Promise<ProfilingRecord[]> {
  const out: ProfilingRecord[] = [];
  const report = await scanRecords(path, (r) => { out.push(r); }, options);
  if (!report.ok) throw invalidRecordsError(report);
  return out;
}

/**
 * As readRecords, streamed into columns (columns.ts): the records returned are views of a RecordTable, a few
 * dozen bytes each, for files of hundreds of thousands of records. Read them by field name; do not spread them.
 */
export async function readRecordTable(path: string, options: ScanOptions = {}): Promise<RecordTable> {
  const table = new RecordTable();
  const report = await scanRecords(path, (r) => { table.push(r); }, options);
  if (!report.ok) throw invalidRecordsError(report);
  return table;
}

export function invalidRecordsError(report: ValidationReport): EnergyLensError {
  const head = `${report.file}: ${report.problemCount} problem${report.problemCount === 1 ? '' : 's'} in ${report.rows} data rows`;
  const code = report.problems.some((p) => p.code === 'INVALID_CSV') ? 'INVALID_CSV' : 'INVALID_RECORD';
  return new EnergyLensError(code, `${head}\n${summariseProblems(report.problems, report.problemCount)}`, report);
}
