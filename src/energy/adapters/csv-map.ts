/**
 * Generic CSV import: rename the source's columns to the record schema (`energy_j=Energy,tp=TP`), optionally
 * set constant columns (`hardware=H100`), validate every row, and write the records atomically. The source is
 * streamed twice (validate, then write), so memory stays bounded; nothing is written when any row is bad.
 */
import { createReadStream } from 'node:fs';
import { EnergyLensError } from '../../errors.js';
import { COLUMN_NAMES, type ProfilingRecord } from '../records/schema.js';
import { layoutHeader, parseRow, type HeaderLayout } from '../records/row.js';
import { ProblemCollector, type RecordProblem } from '../records/problems.js';
import { assertReadableFile, invalidRecordsError, type ValidationReport } from '../records/read.js';
import { csvItems } from '../records/csv-rows.js';
import { writeRecordsCsv } from '../records/write.js';

/** `target=source` pairs, comma-separated; targets must be schema columns. */
export function parseColumnMap(text: string, flag = '--map'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new EnergyLensError('INVALID_OPTION', `${flag}: expected target=source pairs, got "${part}"`);
    const target = part.slice(0, eq).trim();
    if (!COLUMN_NAMES.includes(target)) {
      throw new EnergyLensError('INVALID_OPTION', `${flag}: "${target}" is not a record column (columns: ${COLUMN_NAMES.join(', ')})`);
    }
    if (target in out) throw new EnergyLensError('INVALID_OPTION', `${flag}: "${target}" is mapped twice`);
    out[target] = part.slice(eq + 1).trim();
  }
  return out;
}

export interface CsvImportOptions {
  /** schema column -> source column */
  map: Record<string, string>;
  /** schema column -> constant value for every row */
  set?: Record<string, string>;
  maxProblems?: number;
  /** progress over both passes: bytes done so far of 2 x the file size */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

/** Source header -> renamed header; mapped source columns must exist. */
function renameHeader(header: string[], opts: CsvImportOptions, file: string): string[] {
  const missing = Object.entries(opts.map).filter(([, src]) => !header.includes(src));
  if (missing.length > 0) {
    throw new EnergyLensError('INVALID_CSV', `${file}: no column ${missing.map(([t, s]) => `"${s}" (for ${t})`).join(', ')}; columns: ${header.join(', ')}`);
  }
  const bySource = new Map(Object.entries(opts.map).map(([t, s]) => [s, t]));
  const targets = new Set([...Object.keys(opts.map), ...Object.keys(opts.set ?? {})]);
  // an unmapped source column whose name is a mapped target would clash: keep it under a prefixed name
  return header.map((h) => bySource.get(h) ?? (targets.has(h) ? `source_${h}` : h));
}

interface PassState { dataRows: number; extraColumns: string[]; sourceHeader: string[]; progress?: (bytesRead: number) => void }

async function* convertedRows(path: string, opts: CsvImportOptions, report: (p: RecordProblem) => void, state: PassState):
  AsyncGenerator<ProfilingRecord> {
  const input = createReadStream(path);
  const setCols = Object.entries(opts.set ?? {});
  let layout: HeaderLayout | undefined;
  let row = 0;
  for await (const item of csvItems(path, input)) {
    if (item.kind === 'malformed') {
      const p = item.problem;
      const field = p.field === undefined ? '' : `#${p.field + 1}`;
      if (!layout) {
        report({ file: path, line: p.line, row: 0, column: field, expected: `${p.expected} in the header (reading stopped here)`, got: p.message, code: 'INVALID_CSV' });
        return;
      }
      if (!p.sameRecord) row += 1;
      state.dataRows = row;
      // the source's own column name: the problem is in the source file
      const column = p.field === undefined ? '' : state.sourceHeader[p.field] || field;
      report({ file: path, line: p.line, row, column, expected: p.expected, got: p.message, code: 'INVALID_CSV' });
      continue;
    }
    if (!layout) {
      state.sourceHeader = item.cells.map((c) => c.trim());
      const renamed = renameHeader(item.cells, opts, path);
      layout = layoutHeader([...renamed, ...setCols.map(([k]) => k)], path, report);
      state.extraColumns = layout.extra.map((i) => layout!.header[i]);
      continue;
    }
    row += 1;
    state.dataRows = row;
    if (state.progress && row % 20000 === 0) state.progress(input.bytesRead);
    const cells = [...item.cells, ...setCols.map(([, v]) => v)];
    const rec = parseRow(cells, layout, { file: path, line: item.line, row }, report);
    if (rec) yield rec;
  }
}

/** Validates the mapped source (every problem at once), then writes `outPath`. Returns the rows written. */
export async function importCsv(inPath: string, outPath: string, opts: CsvImportOptions): Promise<number> {
  const sizeBytes = assertReadableFile(inPath);
  const progress = opts.onProgress;
  const collector = new ProblemCollector(opts.maxProblems ?? 1000);
  const state: PassState = { dataRows: 0, extraColumns: [], sourceHeader: [], ...(progress ? { progress: (b: number) => progress(b, 2 * sizeBytes) } : {}) };
  let valid = 0;
  for await (const _ of convertedRows(inPath, opts, (p) => collector.add(p), state)) valid += 1;
  if (state.dataRows === 0 && collector.count === 0) throw new EnergyLensError('INVALID_CSV', `${inPath}: no data rows (${state.sourceHeader.length === 0 ? 'the file is empty' : 'the file has only a header'})`);
  const report: ValidationReport = {
    file: inPath, ok: collector.count === 0, rows: state.dataRows, validRows: valid, problems: collector.problems,
    problemCount: collector.count, truncated: collector.truncated, columns: [],
  };
  if (!report.ok) throw invalidRecordsError(report);
  const second: PassState = { dataRows: 0, extraColumns: [], sourceHeader: [], ...(progress ? { progress: (b: number) => progress(sizeBytes + b, 2 * sizeBytes) } : {}) };
  const rows = await writeRecordsCsv(outPath, convertedRows(inPath, opts, () => {}, second), { extraColumns: state.extraColumns });
  progress?.(2 * sizeBytes, 2 * sizeBytes);
  return rows;
}
