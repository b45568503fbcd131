/**
 * From the engine's front to candidate corrections: each member simplified by mathjs (the canonical form),
 * refused when a term mixes tensor and pipeline parallelism or when it is not finite on a grid of feasible
 * configurations, and described in plain words, constant by constant.
 */
import { compile, simplifyTree, toInfix, type Equation, type Node } from '../../../sr/index.js';
import { CORRECTION_FEATURES } from './correction-features.js';

export interface CandidateCorrection {
  /** over the kept correction columns */
  tree: Node;
  /** complexity in the search's measure, of the simplified tree */
  complexity: number;
  constants: number;
  /** infix with the columns' search names (log_batch ...) */
  expression: string;
}

/** The feature indexes a tree reads. */
export function featureIndexes(tree: Node, out = new Set<number>()): Set<number> {
  if (tree.kind === 'feature') out.add(tree.index);
  else if (tree.kind === 'op') for (const c of tree.children) featureIndexes(c, out);
  return out;
}

const hasFeature = (tree: Node): boolean => tree.kind === 'feature' || (tree.kind === 'op' && tree.children.some(hasFeature));

/** The additive terms of a tree with the sign each enters with, looking through sums, differences and negation. */
export function signedTerms(tree: Node, sign: 1 | -1 = 1): { term: Node; sign: 1 | -1 }[] {
  if (tree.kind !== 'op') return [{ term: tree, sign }];
  const flip = (s: 1 | -1): 1 | -1 => (s === 1 ? -1 : 1);
  if (tree.op === '+') return tree.children.flatMap((c) => signedTerms(c, sign));
  if (tree.op === '-') return [...signedTerms(tree.children[0], sign), ...signedTerms(tree.children[1], flip(sign))];
  if (tree.op === 'neg') return signedTerms(tree.children[0], flip(sign));
  return [{ term: tree, sign }];
}

/** The additive terms of a tree, looking through sums, differences and negation. */
export function additiveTerms(tree: Node): Node[] {
  return signedTerms(tree).map((t) => t.term);
}

/** A term that reads a TP feature and a PP feature couples the two parallelisms: refused. */
export function mixesTpAndPp(tree: Node, columns: readonly number[]): boolean {
  return additiveTerms(tree).some((term) => {
    const kinds = new Set([...featureIndexes(term)].map((k) => CORRECTION_FEATURES[columns[k]].parallel));
    return kinds.has('tp') && kinds.has('pp');
  });
}

/** Simplified, deduplicated candidates of a front (simplest first), without those mixing TP and PP. */
export function candidatesOf(front: readonly Equation[], columns: readonly number[], operators: readonly string[]): { candidates: CandidateCorrection[]; refused: { expression: string; reason: string }[] } {
  const names = columns.map((j) => CORRECTION_FEATURES[j].name);
  const seen = new Set<string>();
  const candidates: CandidateCorrection[] = [];
  const refused: { expression: string; reason: string }[] = [];
  for (const e of front) {
    const tree = simplifyTree(e.tree, { operators });
    const expression = toInfix(tree, names, { namedConstants: false });
    if (seen.has(expression)) continue;
    seen.add(expression);
    if (!hasFeature(tree)) { refused.push({ expression, reason: 'a constant alone: the physics parameters already carry a scale' }); continue; }
    if (mixesTpAndPp(tree, columns)) { refused.push({ expression, reason: 'a term mixes tensor and pipeline parallelism' }); continue; }
    candidates.push({ tree, complexity: e.complexity, constants: compile(tree).consts.length, expression });
  }
  return { candidates, refused };
}

/** Largest |g| the grid check accepts: exp(g) of more stays finite but is no longer a correction. */
export const MAX_CORRECTION_LOG = 50;

/** Why g is unusable on these feature rows (each row: the kept columns' values), or null when it is fine. */
export function gridProblem(tree: Node, rows: readonly number[][], evaluate: (tree: Node, row: readonly number[]) => number): string | null {
  for (const row of rows) {
    const g = evaluate(tree, row);
    if (!Number.isFinite(g)) return `not finite on a feasible configuration (${row.map((v) => Number(Math.exp(v).toPrecision(4))).join(', ')})`;
    if (Math.abs(g) > MAX_CORRECTION_LOG) return `a factor exp(${Number(g.toPrecision(3))}) on a feasible configuration`;
  }
  return null;
}

/**
 * Plain words for each constant of g (postfix order, as compile numbers them); `feature` for a power law d * log(x)
 * and a constant d alone, with the sign the term enters g with (g = ... - d * log(x) is the power x^-d).
 */
export function describeConstants(tree: Node, columns: readonly number[], phase: string): { text: string; feature?: string; sign?: 1 | -1 }[] {
  const out: { text: string; feature?: string; sign?: 1 | -1 }[] = [];
  const words = (k: number): string => CORRECTION_FEATURES[columns[k]].meaning;
  for (const { term, sign } of signedTerms(tree)) {
    const feats = [...featureIndexes(term)];
    const n = compile(term).consts.length;
    let described: { text: string; feature?: string; sign?: 1 | -1 };
    if (feats.length === 0) described = { text: `log of a constant factor on the ${phase} energy`, sign };
    else if (term.kind === 'op' && term.op === '*' && feats.length === 1 && n === 1 && term.children.some((c) => c.kind === 'feature')) {
      const feature = CORRECTION_FEATURES[columns[feats[0]]].feature;
      described = { text: `power of ${words(feats[0])} (${feature}) in the ${phase} energy`, feature, sign };
    } else {
      // the term with its constants as c (their values are the parameters themselves)
      const shape = toInfix(term, columns.map((j) => CORRECTION_FEATURES[j].name), { namedConstants: false }).replace(/(?<![\w.])-?\d+(\.\d+)?(e[-+]?\d+)?/g, 'c');
      described = { text: `coefficient in the ${phase}-energy term ${shape.replace(/\blog_([a-z_]+)\b/g, 'log($1)')}` };
    }
    for (let i = 0; i < n; i++) out.push(described);
  }
  return out;
}
