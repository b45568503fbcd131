/**
 * Making a found expression readable without making it worse: constants gathered where they can be named
 * (normalize.ts), at the fewest significant digits that keep the loss, named numbers recognised (4 pi, 1 / 3,
 * sqrt(2): recognize.ts), mathjs simplification, and the
 * value-preserving tidy rewrites (no `x - (-c)`). "Keeps the loss": at most `tolerance` (1e-6) relative worse
 * than the expression as found, or under the exact floor (float precision).
 */
import { compile } from '../expression/compile.js';
import { constantNodes, size, type Node } from '../expression/node.js';
import { namedConstant } from '../expression/print.js';
import type { Evaluator, LossName } from '../eval/types.js';
import { normalizeConstants } from './normalize.js';
import { recognizeConstants } from './recognize.js';
import { simplifyTree, tidyTree } from './simplify.js';

export interface PolishOptions {
  loss: LossName;
  /** loss at float precision (exactLossFloor) */
  floor: number;
  /** relative loss increase allowed by each step (default 1e-6) */
  tolerance?: number;
  /** operators the simplified form may use */
  operators?: readonly string[];
}

/** A copy of `tree` whose constants, in postfix order, take `values`. */
function withConstants(tree: Node, values: readonly number[]): Node {
  let k = 0;
  const walk = (n: Node): Node => {
    if (n.kind === 'const') return { kind: 'const', value: values[k++] };
    if (n.kind === 'feature') return n;
    return { kind: 'op', op: n.op, children: n.children.map(walk) };
  };
  return walk(tree);
}

/**
 * Each constant in turn, at the fewest significant digits (1 to 12) with which the loss holds against
 * `reference`. The evaluator must hold the data.
 */
export function shortestConstants(tree: Node, evaluator: Evaluator, o: PolishOptions, reference: number): Node {
  const tolerance = o.tolerance ?? 1e-6;
  const values = constantNodes(tree).map((c) => c.value);
  const holds = (l: number): boolean => l <= Math.max(reference * (1 + tolerance), o.floor);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (!Number.isFinite(v) || v === 0 || namedConstant(v)) continue;
    for (let digits = 1; digits <= 12; digits++) {
      const trial = values.slice();
      trial[k] = Number(v.toPrecision(digits));
      if (trial[k] === v) break;
      if (holds(evaluator.losses([compile(withConstants(tree, trial))], o.loss)[0])) {
        values[k] = trial[k];
        break;
      }
    }
  }
  return withConstants(tree, values);
}

/**
 * Readable forms of `tree`, each with a loss that holds: [simplified, unsimplified] (the same tree twice when
 * simplification changes nothing). The evaluator must hold the data whose target is `target`.
 */
export function polishTree(tree: Node, evaluator: Evaluator, target: { y: Float64Array; weights?: Float64Array }, o: PolishOptions): Node[] {
  const score = (t: Node): number => evaluator.losses([compile(t)], o.loss)[0];
  const reference = score(tree);
  if (!Number.isFinite(reference)) return [tree];
  const tolerance = o.tolerance ?? 1e-6;
  const holds = (t: Node): boolean => score(t) <= Math.max(reference * (1 + tolerance), o.floor);
  const readable = (t: Node): Node => {
    const recognised = recognizeConstants(t, evaluator, target, { loss: o.loss, floor: o.floor, tolerance }).tree;
    const base = holds(recognised) ? recognised : t;
    return tidyTree(shortestConstants(base, evaluator, o, reference));
  };
  // constants gathered where recognition can name them (normalize.ts), when that form is as good and no larger
  const normalized = normalizeConstants(tree);
  const plain = readable(size(normalized) <= size(tree) && holds(normalized) ? normalized : tree);
  const simplified = simplifyTree(plain, { operators: o.operators });
  const out = [plain];
  if (simplified !== plain) {
    const again = readable(simplified);
    if (holds(again)) out.unshift(again);
  }
  return out;
}
