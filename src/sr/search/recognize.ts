/**
 * Constant recognition: a fitted constant such as 12.566370614 is most likely 4 pi. Each constant of an
 * expression is tried, nearest first, against the "named" numbers close to it (small rationals, rational
 * multiples of pi and of pi squared, e, square roots of small integers and their reciprocals); the named value is fixed, the
 * other constants are refitted by Levenberg-Marquardt, and the change is kept only when the loss holds
 * (no worse than `tolerance` relative, or under the exact floor).
 *
 * The printer writes these values by name (one table: expression/named-numbers.ts), so a recognised constant reads
 * as `4 * pi` and not as 12.566370614359172.
 */
import { compile, setConstants } from '../expression/compile.js';
import { namedValuesBetween } from '../expression/named-numbers.js';
import { clone, constantNodes, type Node } from '../expression/node.js';
import type { Evaluator, LossName } from '../eval/types.js';
import { fitConstants } from './constants.js';

/** constants smaller than this in magnitude are also tried at 0 */
const TINY = 1e-8;

/** Named numbers within `relative` of `value`, nearest first: the values the printer names (expression/named-numbers.ts). */
export function namedCandidates(value: number, relative = 1e-3): number[] {
  if (!Number.isFinite(value) || value === 0) return [];
  const sign = Math.sign(value);
  const a = Math.abs(value);
  return namedValuesBetween(a - relative * a, a + relative * a).map((v) => sign * v).sort((x, y) => Math.abs(x - value) - Math.abs(y - value));
}

export interface RecognizeOptions {
  loss: LossName;
  /** loss at float precision: a loss under it always holds */
  floor: number;
  /** a substitution is kept when the refitted loss is at most (1 + tolerance) times the loss before it */
  tolerance?: number;
  /** Levenberg-Marquardt iterations for the refit of the other constants */
  iterations?: number;
}

/**
 * `tree` with as many constants as possible replaced by named numbers (the evaluator must hold the data).
 * Returns the new tree and its loss; the input tree is not changed.
 */
export function recognizeConstants(tree: Node, evaluator: Evaluator, target: { y: Float64Array; weights?: Float64Array }, o: RecognizeOptions): { tree: Node; loss: number } {
  const tolerance = o.tolerance ?? 1e-6;
  let current = clone(tree);
  let loss = evaluator.losses([compile(current)], o.loss)[0];
  const n = constantNodes(current).length;
  if (n === 0 || !Number.isFinite(loss)) return { tree: current, loss };
  const fixed = new Set<number>();
  for (let k = 0; k < n; k++) {
    const values = constantNodes(current).map((c) => c.value);
    // a constant at rounding-noise size (8e-17 beside theta) is tried at 0 too: dropped if the loss holds
    const candidates = Math.abs(values[k]) < TINY ? [...namedCandidates(values[k]), 0] : namedCandidates(values[k]);
    for (const named of candidates) {
      const trial = clone(current);
      const start = values.slice();
      start[k] = named;
      setConstants(trial, start);
      let trialLoss: number;
      let constants = start;
      if (fixed.size + 1 < n) {
        // the other free constants are refitted with this one (and those already named) held
        const lower = start.map((v, i) => (i === k || fixed.has(i) ? v : -Infinity));
        const upper = start.map((v, i) => (i === k || fixed.has(i) ? v : Infinity));
        const fit = fitConstants(compile(trial), evaluator, target, { loss: o.loss, maxIterations: o.iterations ?? 30, lower, upper });
        constants = Array.from(fit.constants);
        constants[k] = named; // exactly, whatever the projection left
        setConstants(trial, constants);
      }
      trialLoss = evaluator.losses([compile(trial)], o.loss)[0];
      if (trialLoss <= Math.max(loss * (1 + tolerance), o.floor)) {
        current = trial;
        loss = trialLoss;
        fixed.add(k);
        break;
      }
    }
  }
  return { tree: current, loss };
}
