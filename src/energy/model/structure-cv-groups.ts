/**
 * Groups for leave-group-out cross-validation of the structure choice. K-fold CV deals records of every serving
 * stack into every fold, so it cannot see that a correction learnt on some stacks fails on another: on
 * llm-inference-bench, a correction that won 5-fold CV on two frameworks made the third worse than physics alone.
 * When the training records hold several groups of a stack kind (by default the `framework` column, when it has
 * at least two values), each candidate is also scored with one group held out at a time, and a candidate replaces
 * physics only if it does not lose there either.
 */
import { EnergyLensError } from '../../errors.js';
import { builtinCatalog, type Catalog } from '../catalog/catalog.js';

/** The column grouped CV uses when none is named and it holds at least two values. */
export const DEFAULT_CV_GROUP_COLUMN = 'framework';

export interface CvGroups {
  column: string;
  /** the group names, sorted; `ids` index into them */
  names: string[];
  /** the group of each record */
  ids: Int32Array;
}

/** What a record's group column holds, as text ('' when absent). */
function valueOf(record: object, column: string): string {
  const v = (record as Record<string, unknown>)[column];
  return v === undefined || v === null ? '' : String(v).trim();
}

/**
 * The groups of the records by `column`. `column` undefined: the default column when its records hold at least
 * two distinct values, else null (no grouped CV). `column` 'none': null. A named column that no record fills, or
 * that holds a single value, is refused (INVALID_OPTION) naming the flag.
 */
export function cvGroupsOf(records: readonly object[], column?: string, flag = '--cv-groups'): CvGroups | null {
  if (column === 'none') return null;
  const name = column ?? DEFAULT_CV_GROUP_COLUMN;
  const values = records.map((r) => valueOf(r, name));
  const names = [...new Set(values)].sort();
  if (names.length < 2 || (column === undefined && names.includes(''))) {
    if (column === undefined) return null;
    const filled = values.filter((v) => v !== '').length;
    throw new EnergyLensError('INVALID_OPTION', filled === 0
      ? `${flag} ${name}: no record has a "${name}" value`
      : `${flag} ${name}: the records hold one value of "${name}" ("${names[0]}"); leave-group-out cross-validation needs at least 2 (or give ${flag} none)`);
  }
  const index = new Map(names.map((n, i) => [n, i]));
  return { column: name, names, ids: Int32Array.from(values, (v) => index.get(v)!) };
}

/** A record's stack by `column` ('' when absent). */
export const stackOf = (record: object, column: string): string => valueOf(record, column);

/**
 * The stacks the records hold by `column` (default: the column grouped CV uses), sorted, for the rule that a
 * discovered correction applies only to the serving stacks its training records hold. `column` undefined: null when
 * no record fills the default column. `column` 'none': null. A named column that no record fills is refused
 * (INVALID_OPTION) naming the flag. Records without a value are not a stack of their own.
 */
export function stacksOf(records: readonly object[], column?: string, flag = '--stack-column'): { column: string; seen: string[] } | null {
  if (column === 'none') return null;
  const name = column ?? DEFAULT_CV_GROUP_COLUMN;
  const seen = [...new Set(records.map((r) => valueOf(r, name)).filter((v) => v !== ''))].sort();
  if (seen.length > 0) return { column: name, seen };
  if (column === undefined) return null;
  throw new EnergyLensError('INVALID_OPTION', `${flag} ${name}: no record has a "${name}" value (or give ${flag} none)`);
}

/**
 * A column a discovered correction is limited to beside the serving stack: the values the training records hold.
 * A correction's terms are learnt on the training records' GPUs (or models) and held at those values elsewhere; the
 * records cannot validate it for a GPU they do not show (ML.ENERGY v3, trained on B200 and calibrated on 5 H100
 * records: physics x exp(g) 3.1 MAPE points worse than physics), so rows of another value get the physics fit.
 */
export interface FallbackScope {
  column: string;
  /** the values of the training records, sorted (hardware and model by the catalog's names) */
  seen: string[];
}

/** The columns a discovered correction is limited to by default, beside the serving stack: the GPU. */
export const DEFAULT_FALLBACK_COLUMNS: readonly string[] = ['hardware'];

/** The columns a fallback scope may name besides a serving stack's column. */
export const FALLBACK_COLUMNS: readonly string[] = ['hardware', 'model'];

/**
 * A record's value of a scope column: hardware and model by the catalog's name when it knows them (so an alias, H100,
 * matches the name the training records used, H100-SXM5-80GB), any other column as text ('' when absent).
 */
export function scopeValueOf(record: object, column: string, catalog: Catalog = builtinCatalog()): string {
  const v = valueOf(record, column);
  if (v === '') return v;
  if (column === 'hardware') return catalog.findHardware(v)?.name ?? v;
  if (column === 'model') return catalog.findModel(v)?.name ?? v;
  return v;
}

/**
 * The scopes of the records for `columns` (each one of FALLBACK_COLUMNS, else INVALID_OPTION naming the flag): the
 * values each column holds, sorted; a column no record fills is left out.
 */
export function scopesOf(records: readonly object[], columns: readonly string[] = DEFAULT_FALLBACK_COLUMNS, catalog: Catalog = builtinCatalog(), flag = '--fallback-columns'): FallbackScope[] {
  const out: FallbackScope[] = [];
  for (const column of [...new Set(columns)]) {
    if (!FALLBACK_COLUMNS.includes(column)) throw new EnergyLensError('INVALID_OPTION', `${flag}: unknown column "${column}" (known: ${FALLBACK_COLUMNS.join(', ')}, or none)`);
    const seen = [...new Set(records.map((r) => scopeValueOf(r, column, catalog)).filter((v) => v !== ''))].sort();
    if (seen.length > 0) out.push({ column, seen });
  }
  return out;
}

/**
 * Where a row lies outside a fallback's scopes: the first column whose value the training records lack (the serving
 * stack's by its text, as stacksOf reads it; the scopes' by scopeValueOf), with that value; null when inside all.
 */
export function outsideScope(record: object, stack: { column: string; seen: readonly string[] } | null, scopes: readonly FallbackScope[], catalog: Catalog = builtinCatalog()): { column: string; value: string } | null {
  if (stack) {
    const value = valueOf(record, stack.column);
    if (!stack.seen.includes(value)) return { column: stack.column, value };
  }
  for (const s of scopes) {
    const value = scopeValueOf(record, s.column, catalog);
    if (!s.seen.includes(value)) return { column: s.column, value };
  }
  return null;
}
