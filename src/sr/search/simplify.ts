/**
 * Algebraic simplification through mathjs: the tree is printed in the infix syntax, simplified by
 * `math.simplify` (constant folding included), and parsed back. The result is kept only if it evaluates like
 * the original (within 1e-9 relative) on fixed sample points; otherwise the original comes back unchanged.
 */
import { createRequire } from 'node:module';
import type { MathJsInstance } from 'mathjs';
import { maxFeatureIndex, size, type Node } from '../expression/node.js';
import { operatorByName } from '../expression/operators.js';
import { parseExpression } from '../expression/parse.js';
import { toInfix } from '../expression/print.js';
import { createRng } from '../util/rng.js';

let math: MathJsInstance | undefined;
/** mathjs is large: loaded on first use only (workers that never simplify never load it). */
function mathjs(): MathJsInstance {
  if (!math) {
    const { create, all } = createRequire(import.meta.url)('mathjs') as typeof import('mathjs');
    math = create(all, { number: 'number' });
  }
  return math;
}

/** Value of a tree at one point (plain recursion over the table's reference functions). */
export function evaluateAt(tree: Node, point: readonly number[]): number {
  if (tree.kind === 'const') return tree.value;
  if (tree.kind === 'feature') return point[tree.index];
  const op = operatorByName(tree.op)!;
  if (op.arity === 1) return op.ref(evaluateAt(tree.children[0], point));
  return op.ref(evaluateAt(tree.children[0], point), evaluateAt(tree.children[1], point));
}

const SAMPLE_POINTS = 12;
function samplePoints(nFeatures: number): number[][] {
  const rng = createRng(977);
  return Array.from({ length: SAMPLE_POINTS }, (_, i) => Array.from({ length: nFeatures }, () => (i < 8 ? 0.1 + 3 * rng.next() : 6 * rng.next() - 3)));
}

/**
 * True when `a` and `b` agree within 1e-9 relative at every sample point (purely relative: an expression of
 * tiny values, such as joules per FLOP, is held to the same standard as one of order 1), are non-finite at the
 * same points, and are finite at one point at least.
 */
function sameValues(a: Node, b: Node, nFeatures: number): boolean {
  let comparable = 0;
  for (const p of samplePoints(nFeatures)) {
    const u = evaluateAt(a, p);
    const v = evaluateAt(b, p);
    const fu = Number.isFinite(u);
    if (fu !== Number.isFinite(v)) return false;
    if (!fu) continue;
    comparable++;
    if (Math.abs(u - v) > 1e-9 * Math.max(Math.abs(u), Math.abs(v))) return false;
  }
  return comparable > 0;
}

/** mathjs writes powers with `^`: small integer powers go back to the cheaper square and cube nodes. */
function canonicalPowers(tree: Node): Node {
  if (tree.kind !== 'op') return tree;
  const children = tree.children.map(canonicalPowers);
  if (tree.op === '^' && children[1].kind === 'const' && (children[1].value === 2 || children[1].value === 3)) {
    return { kind: 'op', op: children[1].value === 2 ? 'square' : 'cube', children: [children[0]] };
  }
  return { kind: 'op', op: tree.op, children };
}

function operatorsIn(tree: Node, out = new Set<string>()): Set<string> {
  if (tree.kind === 'op') {
    out.add(tree.op);
    for (const c of tree.children) operatorsIn(c, out);
  }
  return out;
}

export interface SimplifyOptions {
  /** operators the result may use (the search's operator set); default: any */
  operators?: readonly string[];
  /** the result is kept only if this is not larger than for the original (default: node count) */
  complexity?: (tree: Node) => number;
}

/**
 * Simplified tree (never larger, never different in value beyond 1e-9 relative at the sample points, only
 * operators from `options.operators`), or the original.
 */
export function simplifyTree(input: Node, options: SimplifyOptions = {}): Node {
  const tidied = tidyTree(input);
  const allowedOps = (t: Node): boolean => !options.operators || [...operatorsIn(t)].every((name) => options.operators!.includes(name));
  const tree = allowedOps(tidied) ? tidied : input;
  if (tree.kind !== 'op') return tree;
  const nFeatures = maxFeatureIndex(tree) + 1;
  let simplified: Node;
  try {
    const text = toInfix(tree, undefined, { namedConstants: false });
    const out = mathjs().simplify(text, {}, { exactFractions: false }).toString({ parenthesis: 'auto', implicit: 'show' });
    simplified = tidyTree(canonicalPowers(parseExpression(out.replace(/\bnthRoot\(([^,()]+), 3\)/g, 'cbrt($1)'))));
  } catch {
    return tree;
  }
  if (size(simplified) > size(tree)) return tree;
  if (options.complexity && options.complexity(simplified) > options.complexity(tree)) return tree;
  if (options.operators) {
    const allowed = new Set(options.operators);
    for (const name of operatorsIn(simplified)) if (!allowed.has(name)) return tree;
  }
  return sameValues(tree, simplified, Math.max(1, nFeatures)) ? simplified : tree;
}

const isNegConst = (n: Node): n is { kind: 'const'; value: number } => n.kind === 'const' && n.value < 0;

/**
 * A product or quotient whose leftmost factor is a negative constant, with that constant's sign flipped
 * (-2 / c * v becomes 2 / c * v: exactly the negation, as IEEE negation commutes with * and /); else undefined.
 */
function negatedProduct(n: Node): Node | undefined {
  if (isNegConst(n)) return { kind: 'const', value: -n.value };
  if (n.kind !== 'op' || (n.op !== '*' && n.op !== '/')) return undefined;
  const left = negatedProduct(n.children[0]);
  return left ? { kind: 'op', op: n.op, children: [left, n.children[1]] } : undefined;
}

/**
 * Local rewrites that never change a value (IEEE-exact): `a - (-c)` is `a + c`, `a + (-c)` is `a - c`,
 * `a + (-c) / x * y` is `a - c / x * y`,
 * `a - (-b)` is `a + b`, `-(-a)` is `a`, `-(c)` is the constant `-c`, `a * 1` and `a / 1` are `a`. Applied
 * bottom-up, so nothing printed reads `x - (-2)`.
 */
export function tidyTree(tree: Node): Node {
  if (tree.kind !== 'op') return tree;
  const kids = tree.children.map(tidyTree);
  const [a, b] = kids;
  switch (tree.op) {
    case 'neg':
      if (a.kind === 'const') return { kind: 'const', value: -a.value };
      if (a.kind === 'op' && a.op === 'neg') return a.children[0];
      break;
    case '+':
    case '-': {
      // x +- 0 (a constant recognised as 0)
      if (b.kind === 'const' && b.value === 0) return a;
      if (a.kind === 'const' && a.value === 0) return tree.op === '+' ? b : tidyTree({ kind: 'op', op: 'neg', children: [b] });
      const flip = tree.op === '+' ? '-' : '+';
      const positive = negatedProduct(b);
      if (positive) return tidyTree({ kind: 'op', op: flip, children: [a, positive] });
      if (b.kind === 'op' && b.op === 'neg') return tidyTree({ kind: 'op', op: flip, children: [a, b.children[0]] });
      if (tree.op === '+' && isNegConst(a) && b.kind !== 'const') return { kind: 'op', op: '-', children: [b, { kind: 'const', value: -a.value }] };
      break;
    }
    case '*':
      if (b.kind === 'const' && b.value === 1) return a;
      if (a.kind === 'const' && a.value === 1) return b;
      // 0 * x (a constant recognised as 0): 0 wherever x is finite, as it is on every row the loss was finite on
      if ((a.kind === 'const' && a.value === 0) || (b.kind === 'const' && b.value === 0)) return { kind: 'const', value: 0 };
      break;
    case '/':
      if (b.kind === 'const' && b.value === 1) return a;
      if (a.kind === 'const' && a.value === 0) return { kind: 'const', value: 0 };
      break;
  }
  return kids.every((k, i) => k === tree.children[i]) ? tree : { kind: 'op', op: tree.op, children: kids };
}
