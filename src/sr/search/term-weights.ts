/**
 * Free weights over the root's additive terms (MRGP, FFX), snapped to small rationals (options.termWeights).
 *
 * A child whose root is a chain of + and - is split into its terms t_1 .. t_k; the least-squares weights w of
 * sum_i w_i t_i (with an intercept under linear scaling, where only the weights' ratios matter) are solved from
 * the terms' predictions, and each weight is snapped to the nearest p / q with |p|, q <= 4. The tree rebuilt with
 * the snapped weights, written with the tree's own means (a constant node where the search has constants, else a
 * feature u with no zero on the rows: 2 t = t * ((u + u) / u), t / 2 = t / ((u + u) / u)), is scored like any
 * child and replaces it when its loss is lower ('improve'), or only when it is an exact fit and every weight was
 * within 1e-6 of its rational ('exact'). The result is an ordinary expression with an honest loss: nothing the
 * search keeps depends on a weight that is not in the tree. Every term's prediction and the rebuilt tree's
 * scoring count as evaluations.
 */
import { compile, type Program } from '../expression/compile.js';
import { constant, feature, op, type Node } from '../expression/node.js';
import type { Dataset, Evaluator, KernelLoss } from '../eval/types.js';
import { exactLossFloor } from '../regressor-data.js';
import type { SearchOptions } from './options.js';
import { satisfiesConstraints } from './tree-ops.js';

/** largest |p| and q of a snapped weight p / q */
const MAX_RATIONAL = 4;
/** a weight counts as rational in 'exact' mode when within this (relative, at least absolute) of p / q */
const SNAP_TOLERANCE = 1e-6;

export interface SignedTerm {
  sign: 1 | -1;
  term: Node;
}

/** The terms of the root's chain of + and - (a root that is neither is one term), with their signs. */
export function additiveTerms(tree: Node, sign: 1 | -1 = 1, out: SignedTerm[] = []): SignedTerm[] {
  if (tree.kind === 'op' && (tree.op === '+' || tree.op === '-')) {
    additiveTerms(tree.children[0], sign, out);
    additiveTerms(tree.children[1], tree.op === '+' ? sign : (-sign as 1 | -1), out);
  } else out.push({ sign, term: tree });
  return out;
}

/**
 * Weighted least squares: the w minimising sum_r v_r (sum_i w_i P_i[r] - y_r)^2 over the columns P (one array of
 * nRows per column), by the normal equations and Gaussian elimination with partial pivoting; null when a column
 * is not finite or the system is singular (a column repeated, or one with no spread beside an intercept).
 */
export function leastSquares(columns: readonly Float64Array[], y: Float64Array, weights?: Float64Array): number[] | null {
  const k = columns.length;
  const n = y.length;
  const A = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  for (let r = 0; r < n; r++) {
    const v = weights ? weights[r] : 1;
    for (let i = 0; i < k; i++) {
      const pi = columns[i][r];
      if (!Number.isFinite(pi)) return null;
      for (let j = i; j < k; j++) A[i][j] += v * pi * columns[j][r];
      A[i][k] += v * pi * y[r];
    }
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) A[i][j] = A[j][i];
  let scale = 0;
  for (let i = 0; i < k; i++) scale = Math.max(scale, Math.abs(A[i][i]));
  if (!(scale > 0) || !Number.isFinite(scale)) return null;
  for (let c = 0; c < k; c++) {
    let pivot = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(A[r][c]) > Math.abs(A[pivot][c])) pivot = r;
    if (!(Math.abs(A[pivot][c]) > 1e-12 * scale)) return null;
    [A[c], A[pivot]] = [A[pivot], A[c]];
    for (let r = c + 1; r < k; r++) {
      const f = A[r][c] / A[c][c];
      if (f !== 0) for (let j = c; j <= k; j++) A[r][j] -= f * A[c][j];
    }
  }
  const w = new Array<number>(k).fill(0);
  for (let i = k - 1; i >= 0; i--) {
    let s = A[i][k];
    for (let j = i + 1; j < k; j++) s -= A[i][j] * w[j];
    w[i] = s / A[i][i];
  }
  return w.every(Number.isFinite) ? w : null;
}

/** The p / q (q in 1..4, |p| <= 4) nearest to w, and how far it is. */
export function nearestRational(w: number): { p: number; q: number; error: number } {
  let best = { p: 0, q: 1, error: Math.abs(w) };
  for (let q = 1; q <= MAX_RATIONAL; q++) {
    const p = Math.max(-MAX_RATIONAL, Math.min(MAX_RATIONAL, Math.round(w * q)));
    const error = Math.abs(w - p / q);
    if (error < best.error - 1e-15) best = { p, q, error };
  }
  return best;
}

/** How a rebuilt tree writes a number: a constant node, or a ratio of sums of a feature with no zero on the rows. */
export type Unit = { kind: 'const' } | { kind: 'feature'; index: number };

/** The unit for these options and rows: constants when the search has them, else the first feature never 0 (null: none). */
export function unitFor(o: SearchOptions, data: Dataset): Unit | null {
  if (o.constantProbability > 0) return { kind: 'const' };
  for (let f = 0; f < data.nFeatures; f++) {
    let ok = true;
    for (let r = 0; r < data.nRows && ok; r++) {
      const v = data.X[f * data.nRows + r];
      ok = v !== 0 && Number.isFinite(v);
    }
    if (ok) return { kind: 'feature', index: f };
  }
  return null;
}

const sumOf = (node: () => Node, n: number): Node => {
  let s = node();
  for (let i = 1; i < n; i++) s = op('+', s, node());
  return s;
};

/** (p / q) * t for p, q > 0, written with `unit`. */
export function timesRational(t: Node, p: number, q: number, unit: Unit): Node {
  if (p === q) return t;
  if (unit.kind === 'const') return op('*', constant(p / q), t);
  const u = (): Node => feature(unit.index);
  if (q === 1) {
    // p copies of t when that is no larger than t * ((u + ... + u) / u)
    const copies = sumOf(() => t, p);
    const scaled = op('*', t, op('/', sumOf(u, p), u()));
    return nodeCount(copies) <= nodeCount(scaled) ? copies : scaled;
  }
  if (p === 1) return op('/', t, op('/', sumOf(u, q), u()));
  return op('*', t, op('/', sumOf(u, p), sumOf(u, q)));
}

function nodeCount(n: Node): number {
  return n.kind === 'op' ? 1 + n.children.reduce((s, c) => s + nodeCount(c), 0) : 1;
}

/** sum_i (p_i / q_i) t_i with the chain's + and -, terms of weight 0 dropped; null when every weight is 0. */
export function rebuildSum(terms: readonly Node[], snapped: readonly { p: number; q: number }[], unit: Unit): Node | null {
  const parts = terms.map((t, i) => ({ t, p: snapped[i].p, q: snapped[i].q })).filter((x) => x.p !== 0);
  if (parts.length === 0) return null;
  // a positive term first, so the chain needs no negation
  parts.sort((a, b) => Number(b.p > 0) - Number(a.p > 0));
  let tree: Node | null = null;
  for (const { t, p, q } of parts) {
    const scaled = timesRational(t, Math.abs(p), q, unit);
    if (tree === null) {
      if (p > 0) tree = scaled;
      else tree = op('-', unit.kind === 'const' ? constant(0) : op('-', feature(unit.index), feature(unit.index)), scaled);
    } else tree = op(p > 0 ? '+' : '-', tree, scaled);
  }
  return tree;
}

export interface Reweighted {
  tree: Node;
  program: Program;
  loss: number;
}

/**
 * The child rebuilt with snapped least-squares weights over its root's terms, when it is kept (see the file's
 * comment), else null; `count(n)` is told every evaluation spent.
 */
export function reweightTerms(
  tree: Node, loss: number, evaluator: Evaluator, data: Dataset, o: SearchOptions, kernelLoss: KernelLoss,
  unit: Unit, exactFloor: number, count: (n: number) => void,
): Reweighted | null {
  const signed = additiveTerms(tree);
  if (signed.length < 2 || signed.length > o.termWeightsMaxTerms) return null;
  const terms = signed.map((s) => s.term);
  const columns = terms.map((t) => Float64Array.from(evaluator.predict(compile(t))));
  count(terms.length);
  if (o.linearScaling) columns.push(new Float64Array(data.nRows).fill(1));
  const w = leastSquares(columns, data.y, data.weights);
  if (!w) return null;
  let weights = w.slice(0, terms.length);
  if (o.linearScaling) {
    // only the ratios matter (a * f + b): the largest weight becomes 1 in magnitude
    const top = weights.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0);
    if (top === 0) return null;
    weights = weights.map((v) => v / Math.abs(top));
  }
  const snapped = weights.map(nearestRational);
  if (o.termWeightsMode === 'exact') {
    if (snapped.some((s, i) => s.error > SNAP_TOLERANCE * Math.max(1, Math.abs(weights[i])))) return null;
    // the weighted form must fit exactly before the rebuilt tree is worth an evaluation
    if (!(weightedMse(columns, w, data) <= 4 * exactLossFloor(data, 'mse'))) return null;
  }
  // the same weights as the tree already has: nothing to gain
  if (snapped.every((s, i) => s.q === 1 && s.p === signed[i].sign)) return null;
  const rebuilt = rebuildSum(terms, snapped, unit);
  if (!rebuilt || !satisfiesConstraints(rebuilt, o)) return null;
  const program = compile(rebuilt);
  const newLoss = evaluator.losses([program], kernelLoss)[0];
  count(1);
  if (!Number.isFinite(newLoss)) return null;
  if (o.termWeightsMode === 'exact' ? !(newLoss <= exactFloor) : !(newLoss < loss)) return null;
  return { tree: rebuilt, program, loss: newLoss };
}

function weightedMse(columns: readonly Float64Array[], w: readonly number[], data: Dataset): number {
  let acc = 0;
  let sw = 0;
  for (let r = 0; r < data.nRows; r++) {
    let p = 0;
    for (let i = 0; i < columns.length; i++) p += w[i] * columns[i][r];
    const v = data.weights ? data.weights[r] : 1;
    acc += v * (p - data.y[r]) ** 2;
    sw += v;
  }
  return acc / sw;
}
