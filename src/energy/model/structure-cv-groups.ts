/**
 * Groups for leave-group-out cross-validation of the structure choice. K-fold CV deals records of every serving
 * stack into every fold, so it cannot see that a correction learnt on some stacks fails on another: on
 * llm-inference-bench, a correction that won 5-fold CV on two frameworks made the third worse than physics alone.
 * When the training records hold several groups of a stack kind (by default the `framework` column, when it has
 * at least two values), each candidate is also scored with one group held out at a time, and a candidate replaces
 * physics only if it does not lose there either.
 */
import { EnergyLensError } from '../../errors.js';

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
