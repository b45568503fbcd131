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

interface CsvParseError { code?: string; lines?: number; column?: unknown; records?: number; message?: string }

/**
 * A csv-parse error in plain words, naming the file and the line (and the row or the cell where csv-parse says):
 * a row with more or fewer cells than the header, a quote that never closes, a quote inside an unquoted cell, text
 * after a closing quote. Other errors keep csv-parse's words after the place.
 */
function malformedCsv(path: string, text: string, err: unknown): EnergyLensError {
  const e = err as CsvParseError;
  const line = typeof e.lines === 'number' ? e.lines : undefined;
  const at = `${path}${line === undefined ? '' : `, line ${line}`}${typeof e.column === 'number' ? `, cell ${e.column + 1}` : ''}`;
  const lengths = /expect (\d+), got (\d+)/.exec(e.message ?? '');
  if (e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && lengths && typeof e.records === 'number') {
    // e.records counts the header: the bad row is data row e.records
    return new EnergyLensError('INVALID_CSV', `${path}, row ${e.records} (line ${line}): ${lengths[2]} cells where the header has ${lengths[1]}${headerText(text)}`);
  }
  if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
    // csv-parse names the file's last line: the line the quote opened on is the one to fix
    const opened = openQuoteLine(text) ?? line;
    return new EnergyLensError('INVALID_CSV', `${path}, line ${opened}: a quote opens a cell that never closes (the file ends inside it, at line ${line}); close it, or write a quote meant as text as "" inside a quoted cell`);
  }
  const what = e.code === 'INVALID_OPENING_QUOTE'
    ? 'a quote inside a cell that does not start with one (quote the whole cell and double the quote inside it)'
    : e.code === 'CSV_INVALID_CLOSING_QUOTE' || e.code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE'
      ? 'text after a closing quote (expected a comma or the end of the line)'
      : `malformed CSV: ${e.message ?? String(err)}`;
  return new EnergyLensError('INVALID_CSV', `${at}: ${what}`);
}

/** The header's names in parentheses (" (x, y)"), or nothing when the first line is not a plain header. */
function headerText(text: string): string {
  try {
    const [header] = parse(text.replace(/^\uFEFF/, '').trimStart().split('\n', 1)[0], { trim: true }) as string[][];
    return header ? ` (${header.join(', ')})` : '';
  } catch {
    return '';
  }
}

/** The line on which a quote that never closes opened (every '"' opens or closes one; "" inside a quoted cell does both). */
function openQuoteLine(text: string): number | undefined {
  let open = false;
  let line = 1;
  let openedOn = 1;
  for (const ch of text) {
    if (ch === '\n') line++;
    else if (ch === '"') {
      open = !open;
      if (open) openedOn = line;
    }
  }
  return open ? openedOn : undefined;
}

/** True for text that parses as JSON and starts as an object or an array. */
function isJson(text: string): boolean {
  if (!/^[[{]/.test(text)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The CSV's records (cells trimmed, empty lines skipped) with the line each ends on; a file that is JSON or binary is named as such. */
function csvRecords(path: string, text: string): { record: string[]; info: { lines: number } }[] {
  if (isJson(text.replace(/^\uFEFF/, '').trim())) {
    throw new EnergyLensError('INVALID_CSV', `${path} looks like JSON; expected a CSV file (a header row of column names, then one row per data point)`);
  }
  if (text.includes('\u0000')) throw new EnergyLensError('INVALID_CSV', `${path} holds NUL bytes; expected a text CSV file`);
  try {
    return parse(text, { bom: true, skip_empty_lines: true, trim: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    throw malformedCsv(path, text, err);
  }
}

/**
 * A header that lacks a column, in one line: the columns it has, and when it is one column holding ';', a tab or
 * '|', that the file seems separated by that character (sr reads comma-separated values).
 */
export function noColumnText(path: string, what: string, header: readonly string[]): string {
  const sep = header.length === 1 ? [';', '\t', '|'].find((c) => header[0].includes(c)) : undefined;
  const hint = sep ? `; the header is one column with "${sep === '\t' ? '\\t' : sep}" in it: sr reads comma-separated values` : '';
  return `${path}: no ${what} (columns: ${header.join(', ')})${hint}`;
}

/** Reads the columns that `choose` picks from the header (it may throw to reject the header). */
export function readNumericCsv(path: string, choose: (header: string[]) => string[]): NumericTable {
  return parseNumericCsv(path, readTextFile(path, 'CSV file', 'INVALID_CSV'), choose);
}

/** The same from the text of a CSV (a file dropped on the web workbench); `path` names it in messages. */
export function parseNumericCsv(path: string, text: string, choose: (header: string[]) => string[]): NumericTable {
  const records = csvRecords(path, text);
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
    if (i < 0) throw new EnergyLensError('INVALID_CSV', noColumnText(path, `column "${name}"`, header));
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
  const records = csvRecords(path, text).map((r) => r.record);
  if (records.length === 0) throw new EnergyLensError('INVALID_CSV', `${path} is empty (expected a header row and data rows)`);
  const header = records[0];
  const first = records[1] ?? [];
  const isText = (cell: string | undefined): boolean => cell !== undefined && cell !== '' && typeof parseCell(cell) === 'string' && !/^[+-]?(nan|inf|infinity)$/i.test(cell);
  const numeric = header.filter((_, c) => !isText(first[c]));
  return { header, numeric, skipped: header.filter((h) => !numeric.includes(h)) };
}
