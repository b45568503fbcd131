/**
 * Residual-guided (semantic) term moves: semantic backpropagation with a library of short expressions (Pawlak,
 * Wieloch and Krawiec's "random desired operator", with + - * / joins as well as replacement).
 *
 * A node of the tree is chosen; the values it should take for the whole tree to equal the target are found by
 * inverting every operator on the path from the root down to it (y - s below a + whose other operand is s, y / s
 * below a *, exp(y) below a log, ...). Then, from a library of short random expressions scored once on the
 * training rows, the move picks the expression t and the join (t in place of the node, node + t, node - t,
 * node * t, node / t) whose values come closest to that desired semantics, and makes the child only when it comes
 * closer than the node itself. Sums inside a log or a square root grow this way too (the target below a log is
 * exp of the target above it).
 *
 * The move needs the data: the island gives it a SemanticContext (built only when mutationWeights.semanticTerm
 * is positive, so the random stream is unchanged when the move is off). Every prediction it makes is counted.
 */
import { compile } from '../expression/compile.js';
import { clone, constant, size, type Node } from '../expression/node.js';
import { operatorByName } from '../expression/operators.js';
import type { Dataset, Evaluator } from '../eval/types.js';
import type { Rng } from '../util/rng.js';
import { preorder, replaceAt, satisfiesConstraints } from './tree-ops.js';
import type { SearchOptions } from './options.js';

export interface SemanticEntry {
  tree: Node;
  values: Float64Array;
}

export interface SemanticContext {
  /** what the root should equal on each row (y) */
  target: Float64Array;
  /** true when the search scores a * f + b (linear scaling): the root's target is then (y - b) / a */
  linearScaling: boolean;
  /** predictions of a tree on the training rows, or null when one is not finite */
  values(tree: Node): Float64Array | null;
  /**
   * the values of every node of a tree on the training rows, in preorder (one pass over the tree with the
   * operator table's reference functions, counted as one evaluation)
   */
  nodeValues(tree: Node): Float64Array[];
  library: SemanticEntry[];
  /** predictions made so far (the caller adds them to its evaluation count) */
  evaluations: number;
}

const allFinite = (v: Float64Array): boolean => {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
};

/** A context over an evaluator that already holds `data`; the library is empty until buildLibrary fills it. */
export function semanticContext(evaluator: Evaluator, data: Dataset, linearScaling: boolean): SemanticContext {
  const ctx: SemanticContext = {
    target: data.y,
    linearScaling,
    library: [],
    evaluations: 0,
    values(tree: Node): Float64Array | null {
      ctx.evaluations++;
      const v = evaluator.predict(compile(tree));
      return allFinite(v) ? v : null;
    },
    nodeValues(tree: Node): Float64Array[] {
      ctx.evaluations++;
      const out: Float64Array[] = [];
      const n = data.nRows;
      const walk = (node: Node): Float64Array => {
        const v = new Float64Array(n);
        out.push(v);
        if (node.kind === 'const') v.fill(node.value);
        else if (node.kind === 'feature') v.set(data.X.subarray(node.index * n, (node.index + 1) * n));
        else {
          const op = operatorByName(node.op)!;
          const a = walk(node.children[0]);
          if (op.arity === 1) for (let i = 0; i < n; i++) v[i] = op.ref(a[i]);
          else {
            const b = walk(node.children[1]);
            for (let i = 0; i < n; i++) v[i] = op.ref(a[i], b[i]);
          }
        }
        return v;
      };
      walk(tree);
      return out;
    },
  };
  return ctx;
}

/**
 * Fill ctx.library with up to `size` distinct short expressions (by their values on the rows), drawn by `draw`.
 * An expression constant on the rows is kept only in a search without constants (x / x, x / (x + x)) and never
 * when it is 0; a search with constants has the constant 1 instead.
 */
export function buildLibrary(ctx: SemanticContext, size: number, draw: () => Node | null, o: SearchOptions): void {
  const seen = new Set<string>();
  const library: SemanticEntry[] = [];
  const add = (tree: Node | null, allowConstant = o.constantProbability === 0): void => {
    if (tree === null || !satisfiesConstraints(tree, o)) return;
    const v = ctx.values(tree);
    if (v === null || v.length === 0) return;
    let lo = v[0], hi = v[0], sum = 0;
    for (let i = 0; i < v.length; i++) { lo = Math.min(lo, v[i]); hi = Math.max(hi, v[i]); sum += v[i]; }
    // constant on the rows: kept when it is not 0 (without constants the search builds 1 as x / x, 1/2 as
    // x / (x + x); with them, the constant 1 stands for any, Levenberg-Marquardt refits it)
    const flat = !(hi - lo > 1e-12 * Math.max(1, Math.abs(hi)));
    if (flat && (!allowConstant || Math.abs(hi) < 1e-12)) return;
    const key = `${v[0].toPrecision(10)}|${sum.toPrecision(10)}|${v[v.length - 1].toPrecision(10)}`;
    if (seen.has(key)) return;
    seen.add(key);
    library.push({ tree, values: v });
  };
  if (o.constantProbability > 0) add(constant(1), true);
  for (let attempt = 0; attempt < 3 * size && library.length < size; attempt++) add(draw());
  ctx.library = library;
}

type Op = Extract<Node, { kind: 'op' }>;

/** The preorder indices from the root down to `index`, each op with the position of the next one among its children. */
function pathTo(tree: Node, index: number): { at: number; node: Node; child: number }[] | null {
  const path: { at: number; node: Node; child: number }[] = [];
  let node = tree;
  let at = 0;
  for (;;) {
    if (at === index) { path.push({ at, node, child: -1 }); return path; }
    if (node.kind !== 'op') return null;
    let start = at + 1;
    let k = 0;
    while (k < node.children.length - 1 && index >= start + size(node.children[k])) { start += size(node.children[k]); k++; }
    path.push({ at, node, child: k });
    node = node.children[k];
    at = start;
  }
}

/** The target of child `k` of `node` given the node's target `d` and its other operand's values `s`, or null. */
function invert(node: Op, k: number, d: Float64Array, s: Float64Array | null, current: Float64Array): Float64Array | null {
  const n = d.length;
  const out = new Float64Array(n);
  switch (node.op) {
    case '+': for (let i = 0; i < n; i++) out[i] = d[i] - s![i]; break;
    case '-': for (let i = 0; i < n; i++) out[i] = k === 0 ? d[i] + s![i] : s![i] - d[i]; break;
    case '*': for (let i = 0; i < n; i++) out[i] = d[i] / s![i]; break;
    case '/': for (let i = 0; i < n; i++) out[i] = k === 0 ? d[i] * s![i] : s![i] / d[i]; break;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.exp(d[i]); break;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.log(d[i]); break;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = d[i] >= 0 ? d[i] * d[i] : NaN; break;
    case 'cube': for (let i = 0; i < n; i++) out[i] = Math.cbrt(d[i]); break;
    case 'square': {
      // two roots: the one on the side of the child's present value
      for (let i = 0; i < n; i++) out[i] = (current[i] < 0 ? -1 : 1) * Math.sqrt(d[i]);
      break;
    }
    default: return null; // periodic and other operators: no single inverse
  }
  return allFinite(out) ? out : null;
}

/** The closest a and b of a * p + b to y (least squares); a = 0 when p has no spread. */
function scaleOf(p: Float64Array, y: Float64Array): { a: number; b: number } {
  const n = p.length;
  let mp = 0, my = 0;
  for (let i = 0; i < n; i++) { mp += p[i]; my += y[i]; }
  mp /= n; my /= n;
  let spp = 0, spy = 0;
  for (let i = 0; i < n; i++) { spp += (p[i] - mp) ** 2; spy += (p[i] - mp) * (y[i] - my); }
  const a = spp > 0 ? spy / spp : 0;
  return { a, b: my - a * mp };
}

export type Join = 'replace' | '+' | '-' | '*' | '/';

/**
 * The semantic move on `tree` at a random node: a child, or null when the node's target cannot be found (an
 * operator without inverse on the path, a non-finite value) or no library expression brings the node closer.
 */
export function semanticTerm(tree: Node, sem: SemanticContext, rng: Rng, binary: readonly string[], o: SearchOptions): Node | null {
  if (sem.library.length === 0) return null;
  const nodes = preorder(tree);
  const index = rng.int(nodes.length);
  const path = pathTo(tree, index);
  if (path === null) return null;
  const values = sem.nodeValues(tree);
  let d: Float64Array | null = sem.target;
  // under linear scaling the root is judged by the mse of its best a * f + b, so a new root is chosen by that
  // (scaleFree); a node below it aims at (y - b) / a, a and b the parent's
  if (sem.linearScaling && path.length > 1) {
    const root = values[0];
    if (!allFinite(root)) return null;
    const { a, b } = scaleOf(root, sem.target);
    if (!(Math.abs(a) > 1e-12)) return null;
    const t = new Float64Array(d.length);
    for (let i = 0; i < t.length; i++) t[i] = (sem.target[i] - b) / a;
    d = t;
  }
  for (let step = 0; step < path.length - 1; step++) {
    const { at, node, child: k } = path[step];
    const op = node as Op;
    const first = at + 1;
    const second = first + size(op.children[0]);
    const other = op.children.length === 2 ? values[k === 0 ? second : first] : null;
    if (other !== null && !allFinite(other)) return null;
    d = invert(op, k, d, other, values[k === 0 ? first : second]);
    if (d === null) return null;
  }
  const c = values[index];
  if (!allFinite(c)) return null;
  return bestJoin(tree, index, path[path.length - 1].node, d, c, sem.library, binary, o, sem.linearScaling && path.length === 1);
}

/** The child that brings node `at` (values c, target d) closest to d with one library expression, or null. */
export function bestJoin(tree: Node, index: number, at: Node, d: Float64Array, c: Float64Array, library: readonly SemanticEntry[], binary: readonly string[], o: SearchOptions, scaleFree = false): Node | null {
  const n = d.length;
  const v = new Float64Array(n);
  // squared error of v against d, or of the best a * v + b against d when scaleFree
  const error = (): number => {
    if (scaleFree) {
      for (let i = 0; i < n; i++) if (!Number.isFinite(v[i])) return Infinity;
      const { a, b } = scaleOf(v, d);
      let e = 0;
      for (let i = 0; i < n; i++) e += (d[i] - a * v[i] - b) ** 2;
      return e;
    }
    let e = 0;
    for (let i = 0; i < n; i++) e += (d[i] - v[i]) ** 2;
    return e;
  };
  v.set(c);
  const e0 = error();
  const joins: Join[] = ['replace', ...(['+', '-', '*', '/'] as const).filter((j) => binary.includes(j))];
  const candidates: { e: number; entry: number; join: Join }[] = [];
  for (let m = 0; m < library.length; m++) {
    const t = library[m].values;
    for (const join of joins) {
      for (let i = 0; i < n; i++) v[i] = join === 'replace' ? t[i] : join === '+' ? c[i] + t[i] : join === '-' ? c[i] - t[i] : join === '*' ? c[i] * t[i] : c[i] / t[i];
      const e = error();
      if (e < e0 * (1 - 1e-9)) candidates.push({ e, entry: m, join });
    }
  }
  candidates.sort((p, q) => p.e - q.e);
  for (const { entry, join } of candidates.slice(0, 8)) {
    const t = clone(library[entry].tree);
    const replacement: Node = join === 'replace' ? t : { kind: 'op', op: join, children: [at, t] };
    const child = replaceAt(tree, index, replacement);
    if (satisfiesConstraints(child, o)) return child;
  }
  return null;
}
