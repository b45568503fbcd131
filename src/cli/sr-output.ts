/** What `energylens sr` prints and writes: the front as a table, and the JSON result. */
import type { Equation } from '../sr/index.js';

export interface SrEquationJSON {
  expression: string;
  complexity: number;
  loss: number;
  r2: number;
  /** with --units: true when the expression breaks no dimension rule */
  dimensionallyConsistent?: boolean;
}

/** The JSON result, exactly these keys. */
export interface SrResultJSON {
  best: SrEquationJSON | null;
  front: SrEquationJSON[];
  evaluations: number;
  seconds: number;
  seed: number;
}

const plain = (e: Equation): SrEquationJSON => ({
  expression: e.expression, complexity: e.complexity, loss: e.loss, r2: e.r2,
  ...(e.dimensionallyConsistent !== undefined ? { dimensionallyConsistent: e.dimensionallyConsistent } : {}),
});

export function srResultJSON(front: readonly Equation[], best: Equation | undefined, run: { evaluations: number; seconds: number; seed: number }): SrResultJSON {
  return { best: best ? plain(best) : null, front: front.map(plain), evaluations: run.evaluations, seconds: Number(run.seconds.toFixed(3)), seed: run.seed };
}

const fmt = (v: number): string => (Number.isFinite(v) ? (v === 0 ? '0' : v.toExponential(3)) : String(v));

/** Why a search stopped, in words: "stopped by <this>". */
export function stopText(stoppedBy: 'time' | 'evaluations' | 'generations' | 'target' | 'exact' | 'aborted'): string {
  if (stoppedBy === 'aborted') return 'the user (SIGINT, Ctrl-C)';
  if (stoppedBy === 'exact') return 'reaching an exact fit';
  if (stoppedBy === 'target') return 'reaching the target loss';
  return stoppedBy;
}

/** Why a front is empty, and what to try: nothing was evaluated, or everything evaluated was non-finite. */
export function emptyFrontText(lossName: string, evaluations: number): string {
  return evaluations > 0
    ? `no expression with a finite ${lossName} was found in ${evaluations} evaluations: every one gave NaN or infinity on some row (try other operators, a loss that suits the target's range such as msle, a target rescaled to moderate values, or a longer run)`
    : 'no expression was evaluated (the search stopped before its first cycle ended)';
}

/**
 * The front as an aligned text table; the selected equation is marked with '*'. An empty front says whether
 * nothing was evaluated or everything evaluated was non-finite (`evaluations` done so far).
 */
export function frontTable(front: readonly Equation[], best: Equation | undefined, lossName: string, evaluations = 0): string {
  if (front.length === 0) return emptyFrontText(lossName, evaluations);
  // with units, a column says which rows are dimensionally consistent
  const units = front.some((e) => e.dimensionallyConsistent !== undefined);
  const head = ['', 'complexity', lossName, 'R2', ...(units ? ['units'] : []), 'expression'];
  const rows = front.map((e) => [
    e === best ? '*' : '', String(e.complexity), fmt(e.loss), Number.isFinite(e.r2) ? e.r2.toFixed(6) : String(e.r2),
    ...(units ? [e.dimensionallyConsistent ? 'ok' : 'MISMATCH'] : []), e.expression,
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

export const SELECTION_NOTE =
  '* selected: among expressions within 1.5x of the lowest loss, the one with the steepest fall in log(loss) per unit of complexity';
