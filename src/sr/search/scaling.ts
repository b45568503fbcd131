/**
 * Linear scaling (Keijzer 2003; Operon scores every candidate this way): with `options.linearScaling` a member f
 * is scored by the mse of the best a * f + b, found in closed form by the kernel ('mse-scaled'), so the search
 * looks for the shape of the law and never spends mutations on its scale and offset. What leaves the island (hall
 * of fame, result) is the scaled expression itself, a * f + b with the fitted a and b, dropping a or b where the
 * loss holds without it, so every expression the search shows is one that predicts y.
 */
import { compile } from '../expression/compile.js';
import { clone, constant, op, type Node } from '../expression/node.js';
import { scalingCoefficients } from '../eval/linear-scaling.js';
import type { Dataset, Evaluator } from '../eval/types.js';
import { fitConstants, type FitConstantsOptions } from './constants.js';

/**
 * The expression a * f + b that the scaled loss of `f` scores, in its simplest form whose mse stays within 1e-6
 * relative of the full form's (or under `floor`): f, a * f, f + b or a * f + b. Returns it with its mse, or null
 * when f does not evaluate.
 */
export function scaledExpression(f: Node, evaluator: Evaluator, data: Pick<Dataset, 'y' | 'weights'>, floor: number): { tree: Node; loss: number } | null {
  const p = evaluator.predict(compile(f));
  if (!p.every(Number.isFinite)) return null;
  const { a, b } = scalingCoefficients(p, data);
  const forms: Node[] = [f, op('*', constant(a), f), op('+', f, constant(b)), op('+', op('*', constant(a), f), constant(b))];
  const losses = evaluator.losses(forms.map(compile), 'mse');
  const limit = Math.max(losses[3] * (1 + 1e-6), floor);
  for (let i = 0; i < forms.length; i++) if (losses[i] <= limit) return { tree: forms[i], loss: losses[i] };
  return Number.isFinite(losses[3]) ? { tree: forms[3], loss: losses[3] } : null;
}

/**
 * Levenberg-Marquardt on the constants of f under linear scaling: the constants of a * f + b, started from the
 * closed-form a and b, fitted together (mse). Returns f's own constants and the mse of the scaled fit, which
 * bounds f's scaled loss from above.
 */
export function fitScaledConstants(f: Node, evaluator: Evaluator, data: Dataset, fit: Omit<FitConstantsOptions, 'loss' | 'initial' | 'lower' | 'upper'> & { lower?: readonly number[]; upper?: readonly number[] }): { constants: Float64Array; loss: number; evaluations: number } {
  const p = evaluator.predict(compile(f));
  const { a, b } = p.every(Number.isFinite) ? scalingCoefficients(p, data) : { a: 1, b: 0 };
  const wrapped = op('+', op('*', constant(a), clone(f)), constant(b));
  const open = (bound: readonly number[] | undefined, side: number): number[] | undefined => (bound ? [side, ...bound, side] : undefined);
  const result = fitConstants(compile(wrapped), evaluator, data, { ...fit, loss: 'mse', lower: open(fit.lower, -Infinity), upper: open(fit.upper, Infinity) });
  // postfix order of a * f + b: a, f's constants, b
  const constants = result.constants.slice(1, result.constants.length - 1);
  return { constants, loss: result.loss, evaluations: result.evaluations + 1 };
}

