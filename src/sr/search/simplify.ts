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

function sameValues(a: Node, b: Node, nFeatures: number): boolean {
  let comparable = 0;
  for (const p of samplePoints(nFeatures)) {
    const u = evaluateAt(a, p);
    const v = evaluateAt(b, p);
    const fu = Number.isFinite(u);
    if (fu !== Number.isFinite(v)) return false;
    if (!fu) continue;
    comparable++;
    if (Math.abs(u - v) > 1e-9 * Math.max(1, Math.abs(u), Math.abs(v))) return false;
  }
  return comparable > 0;
}

/** Simplified tree (never larger, never different in value), or the original. */
export function simplifyTree(tree: Node): Node {
  if (tree.kind !== 'op') return tree;
  const nFeatures = maxFeatureIndex(tree) + 1;
  let simplified: Node;
  try {
    const text = toInfix(tree);
    const out = mathjs().simplify(text, {}, { exactFractions: false }).toString({ parenthesis: 'auto', implicit: 'show' });
    simplified = parseExpression(out.replace(/\bnthRoot\(([^,()]+), 3\)/g, 'cbrt($1)'));
  } catch {
    return tree;
  }
  if (size(simplified) > size(tree)) return tree;
  return sameValues(tree, simplified, Math.max(1, nFeatures)) ? simplified : tree;
}
