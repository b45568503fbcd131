/** Reading a numeric table from a CSV file for the `sr` command, with errors that name file, row and column. */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { EnergyLensError } from '../errors.js';

export interface NumericTable {
  columns: string[];
  /** rows[r][c]; r is the data row (the file's line is r + 2 with the header on line 1) */
  rows: number[][];
}

/** Reads the columns that `choose` picks from the header (it may throw to reject the header). */
export function readNumericCsv(path: string, choose: (header: string[]) => string[]): NumericTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new EnergyLensError('FILE_NOT_FOUND', code === 'ENOENT' ? `${path}: no such file` : `${path}: ${(err as Error).message}`);
  }
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: false }) as string[][];
  } catch (err) {
    throw new EnergyLensError('INVALID_CSV', `${path}: ${(err as Error).message}`);
  }
  if (records.length === 0) throw new EnergyLensError('INVALID_CSV', `${path} is empty`);
  const header = records[0];
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new EnergyLensError('INVALID_CSV', `${path}: column "${h}" appears twice in the header`);
    seen.add(h);
  }
  if (records.length === 1) throw new EnergyLensError('INVALID_CSV', `${path} has a header but no data rows`);
  const wanted = choose(header);
  const idx = wanted.map((name) => {
    const i = header.indexOf(name);
    if (i < 0) throw new EnergyLensError('INVALID_CSV', `${path}: no column "${name}" (columns: ${header.join(', ')})`);
    return i;
  });
  const rows: number[][] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r];
    rows.push(idx.map((c, k) => {
      const cell = rec[c];
      const v = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) {
        throw new EnergyLensError('INVALID_CSV', `${path}, line ${r + 1}, column "${wanted[k]}": "${cell}" is not a finite number`);
      }
      return v;
    }));
  }
  return { columns: [...wanted], rows };
}
