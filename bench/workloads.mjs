// Seeded benchmark workloads: random expression trees of a fixed composition over random data.
import { compile } from '../dist/sr/expression/compile.js';
import { createRng } from '../dist/sr/util/rng.js';

export const TRANSCENDENTALS = ['exp', 'log', 'sin', 'cos'];
const ARITH = ['+', '-', '*', '/'];

/**
 * A tree of exactly `size` nodes with exactly `nUnary` unary transcendental nodes; the rest are binary
 * arithmetic and leaves (a feature, or a constant with probability 0.3). size - nUnary must be odd.
 */
function tree(rng, size, nUnary, nFeatures) {
  if (size === 1) {
    return rng.next() < 0.3 ? { kind: 'const', value: Math.round((rng.next() * 4 - 2) * 1000) / 1000 } : { kind: 'feature', index: rng.int(nFeatures) };
  }
  if (nUnary > 0 && (size - nUnary) % 2 === 1 && (size - 1 === nUnary || rng.next() < (2.5 * nUnary) / size)) {
    return { kind: 'op', op: rng.pick(TRANSCENDENTALS), children: [tree(rng, size - 1, nUnary - 1, nFeatures)] };
  }
  for (;;) {
    const left = 1 + rng.int(size - 2);
    const right = size - 1 - left;
    const uLeft = rng.int(nUnary + 1);
    const uRight = nUnary - uLeft;
    if (left - 1 < uLeft || right - 1 < uRight) continue;
    if ((left - uLeft) % 2 !== 1 || (right - uRight) % 2 !== 1) continue;
    return { kind: 'op', op: rng.pick(ARITH), children: [tree(rng, left, uLeft, nFeatures), tree(rng, right, uRight, nFeatures)] };
  }
}

/**
 * `nTrees` trees averaging `nodes` nodes (sizes alternate nodes - 1 and nodes + 1, since binary trees have an odd
 * number of nodes), each with a finite loss on the data (so no evaluation stops early); `mixed` puts one
 * transcendental (exp, log, sin, cos) in about every five nodes.
 */
export function workload({ kind, seed = 1, nTrees = 100, nodes = 20, rows, nFeatures = 5, accept }) {
  const rng = createRng(seed);
  const X = new Float64Array(nFeatures * rows);
  for (let i = 0; i < X.length; i++) X[i] = 0.5 + 2 * rng.next();
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) y[r] = 1 + rng.next();
  const data = { X, y, nFeatures, nRows: rows };
  const trees = [];
  const programs = [];
  let attempts = 0;
  while (trees.length < nTrees) {
    if (++attempts > 100000) throw new Error('could not build the workload');
    const size = trees.length % 2 === 0 ? nodes + 1 : nodes - 1;
    const nUnary = kind === 'mixed' ? Math.round(size / 5) : 0;
    if ((size - nUnary) % 2 !== 1) continue;
    const t = tree(rng, size, nUnary, nFeatures);
    const p = compile(t);
    if (!accept(p, data)) continue;
    trees.push(t);
    programs.push(p);
  }
  const totalNodes = programs.reduce((s, p) => s + p.length, 0);
  let transcendental = 0;
  for (const p of programs) for (let i = 0; i < p.length; i++) if ([14, 15, 18, 19].includes(p.code[2 * i])) transcendental++;
  return { data, trees, programs, totalNodes, transcendentalFraction: transcendental / totalNodes };
}
