/**
 * Parsimony: how a member's loss becomes the cost that selection compares. Loss and cost stay separate fields:
 * the hall of fame and the Pareto front see only the loss; tournaments, annealing and the choice of members
 * for constant fitting see only the cost.
 *
 * The rule, "frequency-penalised cost" (after SymbolicRegression.jl's adaptive parsimony):
 *
 *   cost = (loss / baselineLoss + parsimony * complexity) * exp(adaptiveParsimonyScaling * frequency[complexity])
 *
 * - `baselineLoss` is the loss of the best constant predictor (the mean of y), so the linear parsimony term
 *   means the same whatever the scale of y.
 * - `frequency[c]` is the share of the island's population at complexity c, smoothed over recent generations by
 *   an exponential moving average (each generation weighs FREQUENCY_SMOOTHING). A size the population crowds
 *   into costs more, so selection pushes towards sizes that are under-explored, and the front fills at every
 *   complexity instead of collapsing onto one size.
 * - Complexities above the last bin share the last bin. A non-finite loss costs +Infinity.
 * - The default scaling is 100: a size holding a tenth of the population costs e^10 (about 22,000) times more
 *   than an empty one, so selection spreads the population over the sizes almost evenly. (With a scaling of 1
 *   the penalty was inert: on six Nguyen-style problems x 5 seeds with 400k evaluations, 4 of 30 runs reached
 *   the target with 1, 10 of 30 with 20. On Nguyen 4, 7, 8 and 12 without constants, 3 seeds x 1.5M
 *   evaluations, 1 of 12 runs recovered the truth with 20, 6 of 12 with 100.)
 */
import type { SearchOptions } from './options.js';

/** weight of the newest generation in the moving average of size frequencies */
export const FREQUENCY_SMOOTHING = 0.1;

/** Frequencies for complexities 0..maxSize, all zero (a new island). */
export function emptyFrequency(maxSize: number): number[] {
  return new Array<number>(maxSize + 1).fill(0);
}

/**
 * Folds one generation's complexities into `frequency` (in place, and returned):
 * frequency = (1 - FREQUENCY_SMOOTHING) * frequency + FREQUENCY_SMOOTHING * share of each complexity now.
 */
export function updateSizeFrequency(frequency: number[], complexities: readonly number[]): number[] {
  const last = frequency.length - 1;
  if (last < 0 || complexities.length === 0) return frequency;
  const share = new Array<number>(frequency.length).fill(0);
  for (const c of complexities) share[Math.max(0, Math.min(Math.round(c), last))] += 1 / complexities.length;
  for (let c = 0; c <= last; c++) frequency[c] = (1 - FREQUENCY_SMOOTHING) * frequency[c] + FREQUENCY_SMOOTHING * share[c];
  return frequency;
}

export interface CostInput {
  loss: number;
  complexity: number;
}

/** The frequency-penalised cost of a member (see the rule above). */
export function selectionCost(m: CostInput, o: Pick<SearchOptions, 'parsimony' | 'adaptiveParsimonyScaling'>, baselineLoss: number, frequency: readonly number[]): number {
  if (typeof m.loss !== 'number' || !Number.isFinite(m.loss)) return Infinity;
  const base = m.loss / baselineLoss + o.parsimony * m.complexity;
  const f = frequency.length === 0 ? 0 : (frequency[Math.max(0, Math.min(Math.round(m.complexity), frequency.length - 1))] ?? 0);
  return base * Math.exp(o.adaptiveParsimonyScaling * f);
}
