/**
 * The front as users see it: search members made readable (polishTree: named constants recognised, the rest at
 * the fewest digits that keep the loss, mathjs simplification, no `x - (-c)`), scored on the data, and filtered to
 * a Pareto front that ends at the first exact equation.
 */
import { compile } from './expression/compile.js';
import { constantNodes, type Node } from './expression/node.js';
import { toInfix, toLatex } from './expression/print.js';
import type { Dataset, Evaluator } from './eval/types.js';
import type { SearchOptions } from './search/options.js';
import { polishTree } from './search/polish.js';
import { dimensionTable, dimensionViolations, penalisedLoss, unitsByIndex } from './search/units.js';
import { complexity } from './search/tree-ops.js';
import { exactLossFloor, r2Score } from './regressor-data.js';

export interface Equation {
  complexity: number;
  /** loss on the training data (options.loss) */
  loss: number;
  /** R² on the training data */
  r2: number;
  /** infix with the feature names; parseExpression reads it back exactly */
  expression: string;
  latex: string;
  tree: Node;
  /**
   * with options.units: true when the expression breaks no dimension rule (search/units.ts; under linear scaling
   * the root is not compared with the target's unit); absent without units
   */
  dimensionallyConsistent?: boolean;
}

/** `value` with the fewest significant digits (up to 12) that stays within `relative` of it. */
export function shortDecimal(value: number, relative = 1e-9): number {
  if (!Number.isFinite(value) || value === 0) return value;
  for (let digits = 1; digits <= 12; digits++) {
    const v = Number(value.toPrecision(digits));
    if (Math.abs(v - value) <= relative * Math.abs(value)) return v;
  }
  return value;
}

/** A copy of `tree` with every constant replaced by `f(constant)`. */
export function mapConstants(tree: Node, f: (v: number) => number): Node {
  if (tree.kind === 'const') return { kind: 'const', value: f(tree.value) };
  if (tree.kind === 'feature') return tree;
  return { kind: 'op', op: tree.op, children: tree.children.map((c) => mapConstants(c, f)) };
}

/**
 * Scores each member's readable forms (simplified and not, see polishTree, each with a loss within 1e-6 relative
 * of the member's or under the exact floor); keeps, complexity by complexity, a candidate that beats every
 * simpler one. Once a candidate is exact (loss at the rounding
 * floor, see exactLossFloor) nothing more complex is kept: beating it is noise. Expressions with more
 * constants than rows are left out (data that small is fitted exactly by them).
 */
export function presentFront(trees: readonly Node[], data: Dataset, o: SearchOptions, featureNames: readonly string[], evaluator: Evaluator): Equation[] {
  const floor = exactLossFloor(data, o.loss);
  evaluator.setDataset(data);
  const score = (tree: Node): number => evaluator.losses([compile(tree)], o.loss)[0];
  // with units, the front is chosen on the loss the search saw (inconsistent expressions penalised)
  const table = o.units ? dimensionTable(unitsByIndex(o.units, featureNames), data.nFeatures) : null;
  let baseline = 1;
  if (table) {
    let mean = 0;
    for (let i = 0; i < data.nRows; i++) mean += data.y[i] / data.nRows;
    const l = score({ kind: 'const', value: mean });
    baseline = Number.isFinite(l) && l > 0 ? l : 1;
  }
  const violations = new Map<Node, number>();
  const violationsOf = (tree: Node): number => {
    if (!table) return 0;
    const v = dimensionViolations(tree, table, !o.linearScaling);
    violations.set(tree, v);
    return v;
  };
  const rank = (e: Equation): number => (table ? penalisedLoss(e.loss, violations.get(e.tree) ?? 0, table, baseline) : e.loss);
  const candidates: Equation[] = [];
  for (const raw of trees) {
    const rawLoss = score(raw);
    if (!Number.isFinite(rawLoss)) continue;
    for (const tree of polishTree(raw, evaluator, data, { loss: o.loss, floor })) {
      if (constantNodes(tree).length > data.nRows) continue;
      const program = compile(tree);
      const loss = evaluator.losses([program], o.loss)[0];
      if (!Number.isFinite(loss)) continue;
      candidates.push({
        tree, loss, complexity: complexity(tree, o), r2: r2Score(evaluator.predict(program), data.y, data.weights),
        expression: toInfix(tree, featureNames), latex: toLatex(tree, featureNames),
        ...(table ? { dimensionallyConsistent: violationsOf(tree) === 0 } : {}),
      });
    }
  }
  candidates.sort((a, b) => a.complexity - b.complexity || rank(a) - rank(b));
  const front: Equation[] = [];
  for (const c of candidates) {
    const last = front[front.length - 1];
    if (!last || (rank(last) > floor && rank(c) < rank(last) * (1 - 1e-12))) front.push(c);
  }
  return front;
}
