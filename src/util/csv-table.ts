/** Reading a numeric table from a CSV file for the `sr` command, with errors that name file, row and column. */
import { parse } from 'csv-parse/sync';
import { EnergyLensError } from '../errors.js';
import { readTextFile } from './read-text.js';

export interface NumericTable {
  columns: string[];
  /** rows[r][c] for the chosen columns; r counts data rows from 1 in messages */
  rows: number[][];
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The number in a cell, or why it is not one. */
export function parseCell(cell: string): number | string {
  if (cell === '') return 'is empty';
  if (/^[+-]?(nan|inf|infinity)$/i.test(cell)) return `is "${cell}"; only finite numbers are allowed`;
  if (!DECIMAL.test(cell)) return `"${cell}" is not a number`;
  const v = Number(cell);
  return Number.isFinite(v) ? v : `"${cell}" is too large for a 64-bit float`;
}

/** Reads the columns that `choose` picks from the header (it may throw to reject the header). */
export function readNumericCsv(path: string, choose: (header: string[]) => string[]): NumericTable {
  return parseNumericCsv(path, readTextFile(path, 'CSV file', 'INVALID_CSV'), choose);
}

/** The same from the text of a CSV (a file dropped on the web workbench); `path` names it in messages. */
export function parseNumericCsv(path: string, text: string, choose: (header: string[]) => string[]): NumericTable {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true, info: true }) as unknown as typeof records;
  } catch (err) {
    // every csv-parse error (CSV_*, INVALID_OPENING_QUOTE, ...) carries the line and the 0-based field
    const e = err as { message?: string; lines?: number; column?: unknown };
    const where = typeof e.lines === 'number' ? `, line ${e.lines}${typeof e.column === 'number' ? `, column #${e.column + 1}` : ''}` : '';
    throw new EnergyLensError('INVALID_CSV', `${path}${where}: malformed CSV: ${e.message ?? String(err)}`);
  }
  if (records.length === 0) throw new EnergyLensError('INVALID_CSV', `${path} is empty (expected a header row and data rows)`);
  const header = records[0].record;
  const seen = new Set<string>();
  header.forEach((h, i) => {
    if (h === '') throw new EnergyLensError('INVALID_CSV', `${path}: header column ${i + 1} has no name`);
    if (seen.has(h)) throw new EnergyLensError('INVALID_CSV', `${path}: column "${h}" appears twice in the header`);
    seen.add(h);
  });
  if (records.length === 1) throw new EnergyLensError('INVALID_CSV', `${path} has a header but no data rows`);
  const wanted = choose(header);
  const idx = wanted.map((name) => {
    const i = header.indexOf(name);
    if (i < 0) throw new EnergyLensError('INVALID_CSV', `${path}: no column "${name}" (columns: ${header.join(', ')})`);
    return i;
  });
  const rows: number[][] = [];
  for (let r = 1; r < records.length; r++) {
    const { record, info } = records[r];
    rows.push(idx.map((c, k) => {
      const v = parseCell(record[c]);
      if (typeof v === 'string') {
        throw new EnergyLensError('INVALID_CSV', `${path}, row ${r} (line ${info.lines}), column "${wanted[k]}": ${v}`);
      }
      return v;
    }));
  }
  return { columns: [...wanted], rows };
}

/**
 * The header, split into numeric columns and text columns (for `sr` without --features). A column is text when
 * its first data row holds text that is no spelling of a number (a hardware or model name, say); a column that
 * starts with a number and breaks later is numeric, and readNumericCsv then reports the bad cell by row and column.
 */
export function numericColumns(path: string): { header: string[]; numeric: string[]; skipped: string[] } {
  return numericColumnsOfText(path, readTextFile(path, 'CSV file', 'INVALID_CSV'));
}

/** The same from the text of a CSV; `path` names it in messages. */
export function numericColumnsOfText(path: string, text: string): { header: string[]; numeric: string[]; skipped: string[] } {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true }) as string[][];
  } catch (err) {
    throw new EnergyLensError('INVALID_CSV', `${path}: ${(err as Error).message}`);
  }
  if (records.length === 0) throw new EnergyLensError('INVALID_CSV', `${path} is empty (expected a header row and data rows)`);
  const header = records[0];
  const first = records[1] ?? [];
  const isText = (cell: string | undefined): boolean => cell !== undefined && cell !== '' && typeof parseCell(cell) === 'string' && !/^[+-]?(nan|inf|infinity)$/i.test(cell);
  const numeric = header.filter((_, c) => !isText(first[c]));
  return { header, numeric, skipped: header.filter((h) => !numeric.includes(h)) };
}
