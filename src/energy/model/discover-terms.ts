/**
 * Reading a discovered front against the closed form: which features the selected expression and its near rivals
 * use, which closed-form terms (closed-form.ts, PARAMETERS) they contain, and a short text saying how the
 * discovered additive terms map onto the closed form's parameters.
 */
import { toInfix, type Equation, type Node } from '../../sr/index.js';

/** The targets discovery knows (discover.ts, DISCOVERY_TARGETS, gives their units and columns). */
export type TargetName = 'energy_per_token' | 'energy_per_request' | 'prefill_energy' | 'decode_per_token' | 'tpot';

export interface ClosedFormTerm {
  /** a name from PARAMETERS */
  parameter: string;
  /** the discovery feature (DISCOVERY_FEATURES) the term is proportional to */
  feature: string;
  term: string;
  /** the targets whose closed form contains the term */
  targets: readonly TargetName[];
}

const DECODE: readonly TargetName[] = ['energy_per_token', 'energy_per_request', 'decode_per_token', 'tpot'];
const PREFILL: readonly TargetName[] = ['energy_per_token', 'energy_per_request', 'prefill_energy'];

/**
 * The closed form's terms, each with the feature that carries it and the parameter that scales it (k_comp scales
 * both decode compute and prefill time: one compute efficiency for both phases). The dynamic-energy terms
 * (e_byte, e_flop, e_comm) have no column of their own: bytes and FLOPs are memory_ms and compute_ms times the
 * spec-sheet rates.
 */
export const CLOSED_FORM_TERMS: readonly ClosedFormTerm[] = [
  { parameter: 'tau_layer', feature: 'layers', term: 'fixed time per layer', targets: DECODE },
  { parameter: 'k_mem', feature: 'memory_ms', term: 'memory time', targets: DECODE },
  { parameter: 'k_expert', feature: 'expert_ms', term: 'expert memory time', targets: DECODE },
  { parameter: 'k_comp', feature: 'compute_ms', term: 'compute time', targets: DECODE },
  { parameter: 'tau_a2a', feature: 'expert_hops', term: 'expert all-to-all hops', targets: DECODE },
  { parameter: 'tau_pp', feature: 'pp', term: 'pipeline hops (pp - 1)', targets: DECODE },
  { parameter: 'tau_seq', feature: 'sequences', term: 'per-sequence host time', targets: DECODE },
  { parameter: 'k_comp', feature: 'prefill_ms', term: 'prefill time', targets: PREFILL },
  { parameter: 'e_gpu', feature: 'gpus', term: 'per-GPU energy per token', targets: ['energy_per_token', 'energy_per_request', 'decode_per_token'] },
  { parameter: 'p_static', feature: 'idle_power_w', term: 'static power x time / batch', targets: ['energy_per_token', 'energy_per_request', 'decode_per_token', 'prefill_energy'] },
];

/** Features the closed form uses for a target besides its terms' (the divisors and amortisers). */
const STRUCTURAL: Readonly<Record<TargetName, readonly string[]>> = {
  energy_per_token: ['batch', 'output_tokens'],
  energy_per_request: ['batch', 'output_tokens'],
  decode_per_token: ['batch'],
  prefill_energy: [],
  tpot: [],
};

export interface TermUse {
  parameter: string;
  term: string;
  feature: string;
  /** the column that carries the feature here (a proportional column when its own was dropped), null when none */
  column: string | null;
  /** the closed form has this term for this target */
  expected: boolean;
  inSelected: boolean;
  /** used by a front member within NEAR_BEST_FACTOR of the lowest loss */
  inNearBest: boolean;
  /**
   * the carrying column also plays another part in this target's closed form (sequences = batch, and batch
   * divides every per-token term): its presence says nothing about this term, which is left out of found/missing
   */
  ambiguous: boolean;
}

export interface TermsAnalysis {
  selectedFeatures: string[];
  nearBestFeatures: string[];
  /** front members within NEAR_BEST_FACTOR of the lowest loss */
  nearBestCount: number;
  closedForm: TermUse[];
  /** the selected expression's additive terms, each with the closed-form parameters whose features it uses */
  found: { term: string; parameters: string[] }[];
  /** features of the selected expression the closed form does not use for this target */
  extra: string[];
  /** expected terms the selected expression lacks, though their column is there: "parameter (column)" */
  missing: string[];
  summary: string;
}

export const NEAR_BEST_FACTOR = 2;

/** A dropped column: constant, or proportional to the column `keptAs`. */
export interface DroppedColumn { name: string; reason: string; keptAs?: string }

function featuresOf(tree: Node, names: readonly string[], out = new Set<string>()): Set<string> {
  if (tree.kind === 'feature') out.add(names[tree.index]);
  else if (tree.kind === 'op') for (const c of tree.children) featuresOf(c, names, out);
  return out;
}

const hasFeature = (tree: Node): boolean => tree.kind === 'feature' || (tree.kind === 'op' && tree.children.some(hasFeature));

/** The additive terms of an expression, looking through sums, differences and scaling by constants. */
function additiveTerms(tree: Node): Node[] {
  if (tree.kind !== 'op') return [tree];
  const [a, b] = tree.children;
  if (tree.op === '+' || tree.op === '-') return [...additiveTerms(a), ...additiveTerms(b)];
  if (tree.op === 'neg') return additiveTerms(a);
  if (tree.op === '*' || tree.op === '/') {
    if (!hasFeature(a)) return additiveTerms(b);
    if (!hasFeature(b)) return additiveTerms(a);
  }
  return [tree];
}

function roundConstants(tree: Node): Node {
  if (tree.kind === 'const') return { kind: 'const', value: Number(tree.value.toPrecision(3)) };
  if (tree.kind === 'feature') return tree;
  return { kind: 'op', op: tree.op, children: tree.children.map(roundConstants) };
}

/** Which column carries a feature in these records: itself, the column it is proportional to, or none. */
function carrier(feature: string, names: readonly string[], dropped: readonly DroppedColumn[]): string | null {
  if (names.includes(feature)) return feature;
  const d = dropped.find((x) => x.name === feature);
  return d?.keptAs !== undefined ? carrier(d.keptAs, names, dropped) : null;
}

export function analyseTerms(target: TargetName, front: readonly Equation[], selected: Equation | undefined, names: readonly string[], dropped: readonly DroppedColumn[]): TermsAnalysis {
  const minLoss = Math.min(...front.map((e) => e.loss));
  const near = front.filter((e) => e.loss <= NEAR_BEST_FACTOR * minLoss);
  const nearSet = new Set<string>();
  for (const e of near) featuresOf(e.tree, names, nearSet);
  const selSet = selected ? featuresOf(selected.tree, names) : new Set<string>();
  const closedForm = CLOSED_FORM_TERMS.map((t): TermUse => {
    const column = carrier(t.feature, names, dropped);
    return {
      parameter: t.parameter, term: t.term, feature: t.feature, column, expected: t.targets.includes(target),
      inSelected: column !== null && selSet.has(column), inNearBest: column !== null && nearSet.has(column),
      ambiguous: column !== null && column !== t.feature && STRUCTURAL[target].includes(column),
    };
  });
  const testable = closedForm.filter((u) => u.expected && u.column !== null && !u.ambiguous);
  const paramsOf = (cols: Set<string>): string[] => [...new Set(testable.filter((u) => cols.has(u.column as string)).map((u) => u.parameter))];
  const found = selected
    ? additiveTerms(selected.tree).filter(hasFeature).map((n) => ({ term: toInfix(roundConstants(n), names), parameters: paramsOf(featuresOf(n, names)) }))
    : [];
  const known = new Set([...STRUCTURAL[target], ...closedForm.filter((u) => u.expected && u.column !== null).map((u) => u.column as string)]);
  const extra = [...selSet].filter((f) => !known.has(f)).sort();
  const missing = testable.filter((u) => !u.inSelected).map((u) => `${u.parameter} (${u.column})`);
  const ambiguous = closedForm.filter((u) => u.expected && u.ambiguous).map((u) => `${u.parameter} (${u.feature} = ${u.column} here)`);
  const why = (feature: string): string => dropped.find((x) => x.name === feature)?.reason ?? 'not among the columns';
  const untestable = closedForm.filter((u) => u.expected && u.column === null).map((u) => `${u.parameter} (${u.feature}: ${why(u.feature)})`);
  const summary = [
    selected ? `found: ${found.map((f) => `${f.term} -> ${f.parameters.join(', ') || '(no closed-form term)'}`).join('; ')}` : 'found: nothing (empty front)',
    missing.length ? `missing: ${missing.join(', ')}` : '',
    extra.length ? `not in the closed form here: ${extra.join(', ')}` : '',
    untestable.length ? `untestable: ${untestable.join(', ')}` : '',
    ambiguous.length ? `ambiguous: ${ambiguous.join(', ')}` : '',
  ].filter(Boolean).join('. ');
  return { selectedFeatures: [...selSet].sort(), nearBestFeatures: [...nearSet].sort(), nearBestCount: near.length, closedForm, found, extra, missing, summary };
}
