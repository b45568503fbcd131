/**
 * Constants where a reader (and constant recognition) can see them. A search finds a law with its constants spread
 * over the tree: `1.7228 * sqrt(0.33694 * x - 3.3255 * y)` is sqrt(x - pi^2 y), `0.0298 * (exp(u + 3.5123) -
 * 33.527)` is exp(u) - 1, `4.6578 / (1.5526 - 0.51753 * x)` is 3 / (1 - x / 3), yet no single constant of them is a
 * named number. `normalizeConstants` rewrites a tree into an equal one (up to rounding) where
 *
 * - each sum inside a product, a quotient or a power has its leading term's coefficient factored out (to 1 in
 *   magnitude), and the factor joins the product's single constant;
 * - a constant factor leaves a square root, a square, a cube (as its root or power) and an exponential of a sum
 *   (exp(u + c) = e^c exp(u));
 * - the constant factors of a product or quotient are folded into one, in front.
 *
 * The rewritten tree is usually no larger than the given one and often smaller (its constants folded); the caller
 * (polish.ts) prefers it when it is no larger and its loss holds.
 */
import { constant, op, type Node } from '../expression/node.js';

/** A product c * rest; rest null: the constant alone. */
interface Monomial { coef: number; rest: Node | null }

const isConst = (n: Node | null, v?: number): boolean => n !== null && n.kind === 'const' && (v === undefined || n.value === v);

function times(a: Node | null, b: Node | null): Node | null {
  if (a === null) return b;
  if (b === null) return a;
  // 1 / r times b is b / r
  if (a.kind === 'op' && a.op === '/' && isConst(a.children[0], 1)) return op('/', b, a.children[1]);
  if (b.kind === 'op' && b.op === '/' && isConst(b.children[0], 1)) return op('/', a, b.children[1]);
  return op('*', a, b);
}

function over(a: Node | null, b: Node | null): Node | null {
  if (b === null) return a;
  return op('/', a ?? constant(1), b);
}

/** c * rest as a tree (a constant alone, rest alone for c = 1, a negation for c = -1, a quotient for 1 / r). */
function build(m: Monomial): Node {
  if (m.rest === null) return constant(m.coef);
  if (m.coef === 1) return m.rest;
  if (m.coef === -1) return op('neg', m.rest);
  if (m.rest.kind === 'op' && m.rest.op === '/' && isConst(m.rest.children[0], 1)) return op('/', constant(m.coef), m.rest.children[1]);
  return op('*', constant(m.coef), m.rest);
}

/** The terms of a sum (a node that is no sum is one term), each as a monomial. */
function terms(n: Node, sign = 1, out: Monomial[] = []): Monomial[] {
  if (n.kind === 'op' && (n.op === '+' || n.op === '-')) {
    terms(n.children[0], sign, out);
    terms(n.children[1], n.op === '-' ? -sign : sign, out);
    return out;
  }
  const m = monomial(n);
  out.push({ coef: sign * m.coef, rest: m.rest });
  return out;
}

/**
 * A sum from monomials, constant terms folded into one: a positive term leads (no leading minus); with none, a
 * positive constant does (c - t); else the constant comes last.
 */
function sumOf(ts: readonly Monomial[]): Node {
  let c = 0;
  const vars: Monomial[] = [];
  for (const t of ts) {
    if (t.rest === null) c += t.coef;
    else vars.push(t);
  }
  if (vars.length === 0) return constant(c);
  const lead = vars.findIndex((t) => t.coef > 0);
  let tree: Node;
  if (lead >= 0) tree = build(vars.splice(lead, 1)[0]);
  else if (c > 0) { tree = constant(c); c = 0; }
  else tree = build(vars.shift()!);
  for (const t of vars) tree = t.coef < 0 ? op('-', tree, build({ coef: -t.coef, rest: t.rest })) : op('+', tree, build(t));
  if (c === 0) return tree;
  return c < 0 ? op('-', tree, constant(-c)) : op('+', tree, constant(c));
}

/**
 * A sum as k * (sum with its first non-constant term's coefficient at +-1), k > 0; anything else as a monomial.
 * A sum of constants only is folded.
 */
function factorSum(n: Node): Monomial {
  const ts = terms(n);
  if (ts.length === 1) return ts[0];
  const lead = ts.find((t) => t.rest !== null);
  if (!lead) return { coef: ts.reduce((a, t) => a + t.coef, 0), rest: null };
  const k = Math.abs(lead.coef);
  if (!(k > 0) || !Number.isFinite(k)) return { coef: 1, rest: sumOf(ts) };
  return { coef: k, rest: sumOf(ts.map((t) => ({ coef: t.coef / k, rest: t.rest }))) };
}

/** A node as c * rest, with the constants of its products, quotients and negations folded into c. */
function monomial(n: Node): Monomial {
  if (n.kind === 'const') return { coef: n.value, rest: null };
  if (n.kind === 'feature') return { coef: 1, rest: n };
  switch (n.op) {
    case 'neg': {
      const m = monomial(n.children[0]);
      return { coef: -m.coef, rest: m.rest };
    }
    case '*': {
      const a = monomial(n.children[0]);
      const b = monomial(n.children[1]);
      return { coef: a.coef * b.coef, rest: times(a.rest, b.rest) };
    }
    case '/': {
      const a = monomial(n.children[0]);
      const b = monomial(n.children[1]);
      return { coef: a.coef / b.coef, rest: over(a.rest, b.rest) };
    }
    case '+':
    case '-':
      return factorSum(n);
    case 'sqrt': {
      const m = factorSum(n.children[0]);
      return m.coef > 0 ? { coef: Math.sqrt(m.coef), rest: m.rest === null ? null : op('sqrt', m.rest) } : { coef: 1, rest: n };
    }
    case 'square': {
      const m = factorSum(n.children[0]);
      return { coef: m.coef * m.coef, rest: m.rest === null ? null : op('square', m.rest) };
    }
    case 'cube': {
      const m = factorSum(n.children[0]);
      return { coef: m.coef ** 3, rest: m.rest === null ? null : op('cube', m.rest) };
    }
    case 'exp': {
      const ts = terms(n.children[0]);
      const c = ts.reduce((a, t) => a + (t.rest === null ? t.coef : 0), 0);
      const rest = ts.filter((t) => t.rest !== null);
      if (rest.length === 0) return { coef: Math.exp(c), rest: null };
      return { coef: Math.exp(c), rest: op('exp', sumOf(rest)) };
    }
    default:
      return { coef: 1, rest: n };
  }
}

/** Children first, then the node itself. */
function normalize(n: Node): Node {
  if (n.kind !== 'op') return n;
  const children = n.children.map(normalize);
  const node = op(n.op, ...children);
  if (node.op === '+' || node.op === '-') return sumOf(terms(node));
  const m = monomial(node);
  return Number.isFinite(m.coef) ? build(m) : node;
}

/**
 * `tree` with its constants gathered as described above: the same function (up to rounding), usually fewer
 * constants. The input is not changed.
 */
export function normalizeConstants(tree: Node): Node {
  return normalize(tree);
}
