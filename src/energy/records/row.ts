/** Turning one CSV row (text cells) into a typed record, collecting every problem on the way. */
import {
  ARCHITECTURES, COLUMNS, MODALITIES, PRECISIONS, REQUIRED_COLUMNS, expectation, gpuCount,
  type ColumnSpec, type ProfilingRecord,
} from './schema.js';
import type { RecordProblem } from './problems.js';

/** Where each known column sits in the header, and which header cells are passed through. */
export interface HeaderLayout {
  header: string[];
  /** index of the first occurrence of each known column */
  known: Map<string, number>;
  /** indexes of unknown columns (first occurrences), passed through untouched */
  extra: number[];
  /** required columns the header lacks (and the caller did not let it lack): no row of the file is a record */
  missing: string[];
}

/** `optional`: required columns the caller lets the header lack. */
export function layoutHeader(header: string[], file: string, report: (p: RecordProblem) => void, optional: readonly string[] = []): HeaderLayout {
  const known = new Map<string, number>();
  const extra: number[] = [];
  const seen = new Set<string>();
  const knownNames = new Set(COLUMNS.map((c) => c.name as string));
  header.forEach((raw, i) => {
    const name = raw.trim();
    if (name === '') {
      report({ file, line: 1, row: 0, column: `#${i + 1}`, expected: 'a column name in the header', got: raw });
      return;
    }
    if (seen.has(name)) {
      report({ file, line: 1, row: 0, column: name, expected: 'each column name once in the header (this one is repeated)' });
      return;
    }
    seen.add(name);
    if (knownNames.has(name)) known.set(name, i);
    else extra.push(i);
  });
  const missing = REQUIRED_COLUMNS.filter((req) => !known.has(req) && !optional.includes(req));
  for (const req of missing) report({ file, line: 1, row: 0, column: req, expected: `required column "${req}" in the header` });
  return { header: header.map((h) => h.trim()), known, extra, missing };
}

type Cell = string | number | undefined;

/**
 * One copy of each repeated text cell (model, hardware, workload, pass-through columns): a large file repeats a
 * few names on every row, and a copy per row would hold most of the records' memory. Bounded, so a column of
 * unique values costs nothing more than before.
 */
const INTERNED = new Map<string, string>();
const MAX_INTERNED = 50_000;
function intern(s: string): string {
  const known = INTERNED.get(s);
  if (known !== undefined) return known;
  if (INTERNED.size < MAX_INTERNED) INTERNED.set(s, s);
  return s;
}

function convert(spec: ColumnSpec, text: string): { ok: true; value: Cell } | { ok: false } {
  const t = text.trim();
  if (t === '') return spec.required ? { ok: false } : { ok: true, value: undefined };
  switch (spec.kind) {
    case 'string':
      return { ok: true, value: intern(t) };
    case 'positiveInteger': {
      const n = Number(t);
      return Number.isInteger(n) && n > 0 ? { ok: true, value: n } : { ok: false };
    }
    case 'positiveNumber': {
      const n = Number(t);
      return Number.isFinite(n) && n > 0 ? { ok: true, value: n } : { ok: false };
    }
    case 'nonNegativeNumber': {
      const n = Number(t);
      return Number.isFinite(n) && n >= 0 ? { ok: true, value: n } : { ok: false };
    }
    case 'precision':
      return (PRECISIONS as readonly string[]).includes(t.toLowerCase()) ? { ok: true, value: t.toLowerCase() } : { ok: false };
    case 'architecture':
      return (ARCHITECTURES as readonly string[]).includes(t.toLowerCase()) ? { ok: true, value: t.toLowerCase() } : { ok: false };
    case 'modality':
      return (MODALITIES as readonly string[]).includes(t.toLowerCase()) ? { ok: true, value: t.toLowerCase() } : { ok: false };
  }
}

/**
 * Converts one data row. Returns the record when the row has no problem, otherwise undefined;
 * every problem of the row is reported. `check` (catalog lookups) runs on every row whose model and hardware
 * cells are present, so its problems are reported alongside the others.
 */
export function parseRow(
  cells: string[], layout: HeaderLayout, where: { file: string; line: number; row: number },
  report: (p: RecordProblem) => void,
  check?: (record: ProfilingRecord) => { column: string; expected: string; got?: string }[],
): ProfilingRecord | undefined {
  const base = { file: where.file, line: where.line, row: where.row };
  let bad = false;
  const problem = (column: string, expected: string, got?: string): void => {
    bad = true;
    report({ ...base, column, expected, ...(got === undefined ? {} : { got }) });
  };
  if (cells.length !== layout.header.length) {
    problem('', `${layout.header.length} cells as in the header`, `${cells.length} cells`);
  }
  const out: Record<string, Cell> = {};
  for (const spec of COLUMNS) {
    const i = layout.known.get(spec.name);
    if (i === undefined) continue;
    const text = cells[i] ?? '';
    const r = convert(spec, text);
    if (!r.ok) {
      let expected = expectation(spec.kind);
      if (spec.name === 'energy_j') expected = 'a positive finite energy in joules (> 0)';
      if (spec.required && text.trim() === '') expected = `a value (required): ${expected}`;
      problem(spec.name, expected, text);
    } else if (r.value !== undefined) out[spec.name] = r.value;
  }
  const rec = out as unknown as ProfilingRecord;
  // cross-column rules, checked only on cells that converted
  if (typeof rec.tp === 'number' && typeof rec.pp === 'number' && rec.num_gpus !== undefined) {
    const need = rec.tp * rec.pp * (rec.dp ?? 1);
    if (need > rec.num_gpus) problem('num_gpus', `at least tp*pp*dp = ${need} GPUs`, String(rec.num_gpus));
  }
  if (rec.ep !== undefined && typeof rec.tp === 'number' && typeof rec.pp === 'number' && rec.ep > gpuCount(rec)) {
    problem('ep', `at most num_gpus = ${gpuCount(rec)}`, String(rec.ep));
  }
  if (rec.params_b !== undefined && rec.active_params_b !== undefined && rec.active_params_b > rec.params_b * (1 + 1e-9)) {
    problem('active_params_b', `at most params_b = ${rec.params_b}`, String(rec.active_params_b));
  }
  if (check && typeof rec.model === 'string' && typeof rec.hardware === 'string') {
    for (const p of check(rec)) problem(p.column, p.expected, p.got);
  }
  if (bad) return undefined;
  if (layout.extra.length > 0) {
    const extra: Record<string, string> = {};
    for (const i of layout.extra) extra[layout.header[i]] = intern(cells[i] ?? '');
    rec.extra = extra;
  }
  return rec;
}
