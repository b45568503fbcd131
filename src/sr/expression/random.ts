/** Random trees from a seeded RNG: for search initialisation, mutations, tests and benchmarks. */
import { SrError } from '../errors.js';
import type { Rng } from '../util/rng.js';
import type { Node } from './node.js';
import { operatorByName, type Operator } from './operators.js';

export interface RandomTreeOptions {
  /**
   * number of nodes: exactly this many when there is a unary operator; with binary operators only a tree has
   * an odd number of nodes, so an even `size` gives `size - 1`; with no operators, one leaf
   */
  size: number;
  nFeatures: number;
  operators: readonly string[];
  /** chance that a leaf is a constant rather than a feature (default 0.3) */
  constProbability?: number;
  /** constants are drawn uniformly from [-range, range] (default 2) */
  constRange?: number;
}

export function randomLeaf(rng: Rng, nFeatures: number, constProbability = 0.3, constRange = 2): Node {
  if (nFeatures === 0 || rng.next() < constProbability) return { kind: 'const', value: (2 * rng.next() - 1) * constRange };
  return { kind: 'feature', index: rng.int(nFeatures) };
}

export function randomTree(rng: Rng, options: RandomTreeOptions): Node {
  const ops: Operator[] = options.operators.map((name) => {
    const op = operatorByName(name);
    if (!op) throw new SrError('UNKNOWN_OPERATOR', `unknown operator "${name}"`);
    return op;
  });
  const unary = ops.filter((o) => o.arity === 1);
  const binary = ops.filter((o) => o.arity === 2);
  const leaf = (): Node => randomLeaf(rng, options.nFeatures, options.constProbability, options.constRange);
  const grow = (size: number): Node => {
    if (size <= 1 || ops.length === 0) return leaf();
    const canBinary = binary.length > 0 && size >= 3;
    const useUnary = unary.length > 0 && (!canBinary || rng.next() < unary.length / ops.length);
    if (useUnary) return { kind: 'op', op: rng.pick(unary).name, children: [grow(size - 1)] };
    if (!canBinary) return leaf();
    // without unary operators every subtree has an odd size, so the left one takes an odd share
    const left = unary.length > 0 ? 1 + rng.int(size - 2) : 1 + 2 * rng.int((size - 1) >> 1);
    return { kind: 'op', op: rng.pick(binary).name, children: [grow(left), grow(size - 1 - left)] };
  };
  const size = Math.max(1, Math.floor(options.size));
  return grow(unary.length === 0 && size % 2 === 0 ? size - 1 : size);
}
