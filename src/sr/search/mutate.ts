/**
 * Mutations and crossover. Each returns a new tree (the parent is never changed), or null when it could not
 * make a valid child (the caller then tries again or keeps the parent).
 */
import { clone, type Node } from '../expression/node.js';
import { randomLeaf, randomTree } from '../expression/random.js';
import type { Rng } from '../util/rng.js';
import type { MutationWeights, SearchOptions } from './options.js';
import { complexity, operatorsByArity, preorder, replaceAt, satisfiesConstraints } from './tree-ops.js';
import { simplifyTree } from './simplify.js';
import { semanticTerm, type SemanticContext } from './semantic.js';

export type MutationName = keyof MutationWeights;

export interface MutationContext {
  options: SearchOptions;
  nFeatures: number;
  rng: Rng;
  unary: string[];
  binary: string[];
  /** the data the semantic move needs (mutationWeights.semanticTerm); without it that move makes no child */
  semantic?: SemanticContext;
  /** the mutations that may be drawn and their weights (mutationDraw), read once from the options by mutationContext */
  draw?: MutationDraw | null;
}

/** The mutations with a weight, in the order of options.mutationWeights, their weights and the weights' sum. */
export interface MutationDraw {
  names: MutationName[];
  weights: number[];
  total: number;
}

export function mutationContext(options: SearchOptions, nFeatures: number, rng: Rng, semantic?: SemanticContext): MutationContext {
  const { unary, binary } = operatorsByArity(options);
  return { options, nFeatures, rng, unary, binary, semantic, draw: mutationDraw(options.mutationWeights, options.simplifyDuringSearch) };
}

/** The mutations a child may be made by, or null when none has a weight. */
export function mutationDraw(weights: MutationWeights, simplify: boolean): MutationDraw | null {
  // simplification through mathjs costs milliseconds: only when simplifyDuringSearch asks for it
  const draw: MutationDraw = { names: [], weights: [], total: 0 };
  for (const name in weights) {
    const w = weights[name as MutationName];
    if (w > 0 && (simplify || name !== 'simplify')) {
      draw.names.push(name as MutationName);
      draw.weights.push(w);
      draw.total += w;
    }
  }
  return draw.names.length > 0 ? draw : null;
}

/** One draw: a mutation with probability proportional to its weight (the weights summed in their order). */
function pickWeighted(rng: Rng, draw: MutationDraw | null): MutationName | null {
  if (draw === null) return null;
  const { names, weights } = draw;
  let u = rng.next() * draw.total;
  for (let i = 0; i < names.length; i++) {
    u -= weights[i];
    if (u < 0) return names[i];
  }
  return names[names.length - 1];
}

// randomLeaf itself makes every leaf a constant when there are no features
const leaf = (ctx: MutationContext): Node => randomLeaf(ctx.rng, ctx.nFeatures, ctx.options.constantProbability);

function subtree(ctx: MutationContext, size: number): Node {
  return randomTree(ctx.rng, { size, nFeatures: ctx.nFeatures, operators: [...ctx.unary, ...ctx.binary], constProbability: ctx.options.constantProbability });
}

/**
 * Preorder indices of the tree's product: the root and every node reached from it through * and / only (the
 * factors and divisors of the expression when it is a product of powers). Each is listed with its node.
 */
export function productNodes(tree: Node): { index: number; node: Node }[] {
  const out: { index: number; node: Node }[] = [];
  let i = 0;
  const walk = (node: Node, inProduct: boolean): void => {
    const index = i++;
    if (inProduct) out.push({ index, node });
    if (node.kind !== 'op') return;
    const spreads = inProduct && (node.op === '*' || node.op === '/');
    for (const c of node.children) walk(c, spreads);
  };
  walk(tree, true);
  return out;
}

const POWER_LADDER = ['sqrt', null, 'square', 'cube'] as const;

/** g one step up or down the ladder sqrt(g), g, square(g), cube(g), within the operators the search has. */
function stepPower(node: Node, up: boolean, unary: readonly string[]): Node | null {
  const rung = node.kind === 'op' && node.children.length === 1 ? POWER_LADDER.indexOf(node.op as never) : -1;
  const base = rung >= 0 ? (node as Extract<Node, { kind: 'op' }>).children[0] : node;
  const from = rung >= 0 ? rung : 1;
  for (let to = up ? from + 1 : from - 1; to >= 0 && to < POWER_LADDER.length; to += up ? 1 : -1) {
    const op = POWER_LADDER[to];
    if (op === null) return base;
    if (unary.includes(op)) return { kind: 'op', op, children: [base] };
  }
  return null;
}

function apply(name: MutationName, tree: Node, ctx: MutationContext): Node | null {
  const { rng } = ctx;
  const nodes = preorder(tree);
  const idx = (pred: (n: Node) => boolean): number => {
    const candidates: number[] = [];
    nodes.forEach((n, i) => { if (pred(n)) candidates.push(i); });
    return candidates.length === 0 ? -1 : candidates[rng.int(candidates.length)];
  };
  switch (name) {
    case 'perturbConstant': {
      const i = idx((n) => n.kind === 'const');
      if (i < 0) return null;
      const c = nodes[i] as { value: number };
      // multiplicative jumps of a few percent to a factor of two, sometimes a sign flip or an additive nudge
      const factor = Math.exp(rng.normal() * (rng.next() < 0.5 ? 0.05 : 0.5));
      let value = c.value * factor;
      if (rng.next() < 0.05) value = -value;
      if (rng.next() < 0.1) value += rng.normal() * 0.1;
      return replaceAt(tree, i, { kind: 'const', value });
    }
    case 'changeOperator': {
      const i = idx((n) => n.kind === 'op');
      if (i < 0) return null;
      const n = nodes[i] as Extract<Node, { kind: 'op' }>;
      const pool = n.children.length === 1 ? ctx.unary : ctx.binary;
      if (pool.length < 2) return null;
      const op = rng.pick(pool.filter((p) => p !== n.op));
      return replaceAt(tree, i, { kind: 'op', op: op as never, children: n.children });
    }
    case 'changeFeature': {
      const i = idx((n) => n.kind === 'feature' || n.kind === 'const');
      if (i < 0 || ctx.nFeatures === 0) return null;
      return replaceAt(tree, i, { kind: 'feature', index: rng.int(ctx.nFeatures) });
    }
    case 'insertNode': {
      const i = rng.int(nodes.length);
      const target = nodes[i];
      const useUnary = ctx.unary.length > 0 && (ctx.binary.length === 0 || rng.next() < 0.4);
      if (useUnary) return replaceAt(tree, i, { kind: 'op', op: rng.pick(ctx.unary) as never, children: [target] });
      if (ctx.binary.length === 0) return null;
      const other = leaf(ctx);
      const children = rng.next() < 0.5 ? [target, other] : [other, target];
      return replaceAt(tree, i, { kind: 'op', op: rng.pick(ctx.binary) as never, children });
    }
    case 'deleteNode': {
      const i = idx((n) => n.kind === 'op');
      if (i < 0) return null;
      const n = nodes[i] as Extract<Node, { kind: 'op' }>;
      return replaceAt(tree, i, n.children[rng.int(n.children.length)]);
    }
    case 'replaceSubtree': {
      const i = rng.int(nodes.length);
      return replaceAt(tree, i, subtree(ctx, 1 + rng.int(7)));
    }
    case 'swapOperands': {
      const i = idx((n) => n.kind === 'op' && n.children.length === 2);
      if (i < 0) return null;
      const n = nodes[i] as Extract<Node, { kind: 'op' }>;
      return replaceAt(tree, i, { kind: 'op', op: n.op, children: [n.children[1], n.children[0]] });
    }
    case 'rotateTree': {
      // N(..., P(..., g, ...), ...) -> P(..., N(..., g, ...), ...): g moves from P down to N, in P's old place
      const i = idx((n) => n.kind === 'op' && n.children.some((c) => c.kind === 'op'));
      if (i < 0) return null;
      const n = nodes[i] as Extract<Node, { kind: 'op' }>;
      const pivots = n.children.flatMap((c, k) => (c.kind === 'op' ? [k] : []));
      const k = pivots[rng.int(pivots.length)];
      const p = n.children[k] as Extract<Node, { kind: 'op' }>;
      const j = rng.int(p.children.length);
      const lowered: Node = { kind: 'op', op: n.op, children: n.children.map((c, m) => (m === k ? p.children[j] : c)) };
      return replaceAt(tree, i, { kind: 'op', op: p.op, children: p.children.map((c, m) => (m === j ? lowered : c)) });
    }
    case 'multiplyByFeature': {
      const ops = ctx.binary.filter((b) => b === '*' || b === '/');
      if (ops.length === 0 || ctx.nFeatures === 0) return null;
      const spine = productNodes(tree);
      const { index, node } = spine[rng.int(spine.length)];
      const f: Node = { kind: 'feature', index: rng.int(ctx.nFeatures) };
      const factor: Node = ctx.unary.includes('square') && rng.next() < 0.25 ? { kind: 'op', op: 'square', children: [f] } : f;
      return replaceAt(tree, index, { kind: 'op', op: rng.pick(ops) as never, children: [node, factor] });
    }
    case 'powerFactor': {
      const spine = productNodes(tree);
      const { index, node } = spine[rng.int(spine.length)];
      // a * b <-> a / b (b moves across the fraction bar) for a quarter of the draws on a product node
      if (node.kind === 'op' && (node.op === '*' || node.op === '/') && rng.next() < 0.25) {
        const other = node.op === '*' ? '/' : '*';
        if (!ctx.binary.includes(other)) return null;
        return replaceAt(tree, index, { kind: 'op', op: other, children: node.children });
      }
      const stepped = stepPower(node, rng.next() < 0.5, ctx.unary);
      return stepped === null ? null : replaceAt(tree, index, stepped);
    }
    case 'addTerm': {
      const ops = ctx.binary.filter((b) => b === '+' || b === '-');
      if (ops.length === 0) return null;
      const term = randomProduct(ctx, 2);
      if (term === null) return null;
      const i = rng.int(nodes.length);
      return replaceAt(tree, i, { kind: 'op', op: rng.pick(ops) as never, children: [nodes[i], term] });
    }
    case 'logSum': {
      const i = idx((n) => logSumRewrite(n, ctx.binary) !== null);
      return i < 0 ? null : replaceAt(tree, i, logSumRewrite(nodes[i], ctx.binary)!);
    }
    case 'semanticTerm':
      return ctx.semantic ? semanticTerm(tree, ctx.semantic, rng, ctx.binary, ctx.options) : null;
    case 'simplify':
      return simplifyTree(tree, { operators: ctx.options.operators, complexity: (t) => complexity(t, ctx.options) });
    case 'doNothing':
      return clone(tree);
    case 'randomize':
      return subtree(ctx, 1 + rng.int(Math.max(1, Math.min(ctx.options.maxSize, 12))));
  }
}

/** One random mutation that satisfies the constraints (a few attempts), or null. */
export function mutate(tree: Node, ctx: MutationContext): { tree: Node; mutation: MutationName } | null {
  // (a context made by hand has no draw: made here, from its options)
  const draw = ctx.draw !== undefined ? ctx.draw : mutationDraw(ctx.options.mutationWeights, ctx.options.simplifyDuringSearch);
  for (let attempt = 0; attempt < 8; attempt++) {
    const name = pickWeighted(ctx.rng, draw);
    if (name === null) return null;
    const child = apply(name, tree, ctx);
    if (child && satisfiesConstraints(child, ctx.options)) return { tree: child, mutation: name };
  }
  return null;
}

/** Subtree crossover: a random subtree of `a` replaced by a random subtree of `b`. */
export function crossover(a: Node, b: Node, ctx: MutationContext): Node | null {
  const na = preorder(a);
  const nb = preorder(b);
  for (let attempt = 0; attempt < 8; attempt++) {
    const child = replaceAt(a, ctx.rng.int(na.length), nb[ctx.rng.int(nb.length)]);
    if (satisfiesConstraints(child, ctx.options)) return child;
  }
  return null;
}

type OpNode = Extract<Node, { kind: 'op' }>;
const isOp = (n: Node, op: string): n is OpNode => n.kind === 'op' && n.op === op;
// log(a) +- log(b) <-> log(a */ b); exp(a) */ exp(b) <-> exp(a +- b)
const LOG_SUM_PAIRS: readonly (readonly [string, string, string])[] = [['log', '+', '*'], ['log', '-', '/'], ['exp', '*', '+'], ['exp', '/', '-']];

/** The logSum rewrite of `n` (see MutationWeights.logSum), or null when none applies within the operators `binary`. */
export function logSumRewrite(n: Node, binary: readonly string[]): Node | null {
  if (n.kind !== 'op') return null;
  for (const [f, outer, inner] of LOG_SUM_PAIRS) {
    if (!binary.includes(outer) || !binary.includes(inner)) continue;
    // f(a) outer f(b) -> f(a inner b)
    if (n.op === outer && isOp(n.children[0], f) && isOp(n.children[1], f)) {
      return { kind: 'op', op: f as never, children: [{ kind: 'op', op: inner as never, children: [n.children[0].children[0], n.children[1].children[0]] }] };
    }
    // f(a inner b) -> f(a) outer f(b)
    if (n.op === f && isOp(n.children[0], inner)) {
      const [a, b] = n.children[0].children;
      return { kind: 'op', op: outer as never, children: [{ kind: 'op', op: f as never, children: [a] }, { kind: 'op', op: f as never, children: [b] }] };
    }
  }
  return null;
}

/** A short random expression for the semantic move's library: a random tree of 1 to 7 nodes, or a quarter of the time a product of powers. */
export function libraryMember(ctx: MutationContext): Node | null {
  if (ctx.rng.next() < 0.25) return randomProduct(ctx, 3);
  return subtree(ctx, 1 + ctx.rng.int(7));
}

/** A random initial member within the constraints. */
export function randomMember(ctx: MutationContext): Node {
  for (let attempt = 0; attempt < 20; attempt++) {
    const t = subtree(ctx, 1 + ctx.rng.int(Math.max(1, Math.min(ctx.options.maxSize - 1, 10))));
    if (satisfiesConstraints(t, ctx.options)) return t;
  }
  return leaf(ctx);
}

/**
 * A random product of powers of features: 1 to 4 factors, each a feature or its sqrt, square or cube (those the
 * search has), joined by * or /. Linear scaling supplies the constant factor. Null without * or features.
 */
export function randomProduct(ctx: MutationContext, maxFactors = 4): Node | null {
  const { rng } = ctx;
  const joins = ctx.binary.filter((b) => b === '*' || b === '/');
  if (!ctx.binary.includes('*') || ctx.nFeatures === 0) return null;
  const powers = POWER_LADDER.filter((p) => p === null || ctx.unary.includes(p));
  const factor = (): Node => {
    const f: Node = { kind: 'feature', index: rng.int(ctx.nFeatures) };
    // the feature itself half the time, else one of the powers
    const p = rng.next() < 0.5 ? null : rng.pick(powers);
    return p === null ? f : { kind: 'op', op: p, children: [f] };
  };
  for (let attempt = 0; attempt < 8; attempt++) {
    const n = 1 + rng.int(Math.min(maxFactors, ctx.nFeatures + 1));
    let t = factor();
    for (let k = 1; k < n; k++) t = { kind: 'op', op: rng.pick(joins) as never, children: [t, factor()] };
    if (satisfiesConstraints(t, ctx.options)) return t;
  }
  return null;
}

export { complexity };
