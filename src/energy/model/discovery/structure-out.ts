/**
 * A residual discovery as a structure file (structure.ts): the physics expressions times exp(g), each constant of
 * g a named parameter d1, d2, ... ("discovered term: ..."), or a fixed number when its fitted value is a
 * recognisable constant (a nonzero multiple of 1/2 up to 4, within 1 %). Physics parameters the data cannot
 * identify or that cross-validation dropped are held, with the reason; a discovery that found nothing writes
 * `physics` and says so in its provenance.
 */
import { compile, toInfix, type Node } from '../../../sr/index.js';
import type { Catalog } from '../../catalog/catalog.js';
import { PARAMETERS } from '../closed-form.js';
import { validateStructure } from '../structure-check.js';
import { PHYSICS_STRUCTURE } from '../structure-physics.js';
import type { Structure, StructureParameter } from '../structure.js';
import { describeConstants } from './candidates.js';
import { CORRECTION_FEATURES } from './correction-features.js';
import type { ResidualDiscovery } from './residual.js';

export interface DiscoveredTerm {
  parameter: string | null;
  /** fitted value (or the fixed number) */
  value: number;
  unit: string;
  phase: 'decode' | 'prefill';
  meaning: string;
  /** for a power law d * log(x): the registry feature x (energy scales as x^(sign * d)) */
  feature?: string;
  /** the sign the term enters g with, for a power law or a constant (g = c - d * log(x): -1 for d) */
  sign?: 1 | -1;
}

export interface StructureProvenance {
  data: string;
  /** more provenance, stored as is (group results, hardware sets) */
  extra?: Record<string, unknown>;
}

const RECOGNISABLE_TOLERANCE = 0.01;

/** The recognisable constant a fitted value is, or null. */
export function recognisable(v: number): number | null {
  const half = Math.round(v * 2) / 2;
  return half !== 0 && Math.abs(half) <= 4 && Math.abs(v - half) <= RECOGNISABLE_TOLERANCE * Math.abs(half) ? half : null;
}

/** Replaces the constants of a tree (postfix order) by names or numbers, and log_x by log(x); returns infix text. */
function correctionText(tree: Node, columns: readonly number[], names: readonly (string | number)[]): string {
  let k = 0;
  const features = columns.map((j) => CORRECTION_FEATURES[j].name);
  const placeholders: string[] = [];
  const walk = (n: Node): Node => {
    if (n.kind === 'const') {
      const v = names[k++];
      if (typeof v === 'number') return { kind: 'const', value: v };
      placeholders.push(v);
      return { kind: 'feature', index: features.length + placeholders.length - 1 };
    }
    if (n.kind === 'feature') return n;
    return { kind: 'op', op: n.op, children: n.children.map(walk) };
  };
  const text = toInfix(walk(tree), [...features, ...placeholders]);
  return text.replace(/\blog_([a-z_]+)\b/g, 'log($1)');
}

/** Widths of the d parameters' bounds tried in turn until the structure is positive and finite on the grid. */
const BOUND_WIDTHS = [1, 0.5, 0.25, 0.1];

export function discoveredStructure(d: ResidualDiscovery, provenance: StructureProvenance, catalog?: Catalog): { structure: Structure; terms: DiscoveredTerm[] } {
  const P = PARAMETERS.length;
  const physics: StructureParameter[] = PHYSICS_STRUCTURE.parameters.map((p, k) => {
    const reason = d.fit.held.get(p.name);
    const value = d.fit.values[k];
    return reason === undefined ? { ...p, start: Math.min(p.upper, Math.max(p.lower, value)) } : { ...p, held: { value, reason } };
  });
  const base = {
    cv: { folds: d.options.folds, physics: d.physicsCv, candidates: d.candidates },
    searches: d.searches, seed: d.options.seed, maxTime: d.options.maxTime, maxEvaluations: d.options.maxEvaluations,
    operators: d.options.operators, maxSize: d.options.maxSize, records: d.records, data: provenance.data,
    features: d.columns.map((j) => CORRECTION_FEATURES[j].name), featuresLeftOut: d.droppedColumns, ...provenance.extra,
  };
  if (d.name === 'physics') {
    const structure: Structure = {
      ...PHYSICS_STRUCTURE, parameters: physics,
      description: `${PHYSICS_STRUCTURE.description} Discovery on ${provenance.data} found no correction that predicts held-out training records better than physics alone in ${d.options.folds}-fold cross-validation, so this is physics.`,
      discovery: { ...base, result: 'nothing better than physics', termsAdded: [] },
    };
    return { structure: validateStructure(structure, 'the discovered structure', catalog), terms: [] };
  }
  const terms: DiscoveredTerm[] = [];
  const dParams: StructureParameter[] = [];
  let offset = P;
  const texts: { energy?: string; prefill?: string } = {};
  for (const phase of ['energy', 'prefill'] as const) {
    const tree = d.correction[phase];
    if (tree === null) continue;
    const n = compile(tree).consts.length;
    const values = d.fit.values.slice(offset, offset + n);
    offset += n;
    const words = describeConstants(tree, d.columns, phase === 'energy' ? 'decode' : 'prefill');
    const names = values.map((v, i) => {
      const fixed = recognisable(v);
      const ph = phase === 'energy' ? 'decode' : 'prefill';
      const feature = { ...(words[i].feature ? { feature: words[i].feature } : {}), ...(words[i].sign ? { sign: words[i].sign } : {}) };
      if (fixed !== null) { terms.push({ parameter: null, value: fixed, unit: '1', phase: ph, meaning: `fixed number: ${words[i].text}`, ...feature }); return fixed; }
      const name = `d${dParams.length + 1}`;
      dParams.push({ name, meaning: `discovered term: ${words[i].text}`, unit: '1', start: v, lower: v, upper: v, phase: ph, origin: 'discovered' });
      terms.push({ parameter: name, value: v, unit: '1', phase: ph, meaning: words[i].text, ...feature });
      return name;
    });
    texts[phase] = correctionText(tree, d.columns, names);
  }
  const expressions = {
    energy: texts.energy ? `(${PHYSICS_STRUCTURE.expressions.energy}) * exp(${texts.energy})` : PHYSICS_STRUCTURE.expressions.energy,
    latency: PHYSICS_STRUCTURE.expressions.latency,
    prefill: texts.prefill ? `(${PHYSICS_STRUCTURE.expressions.prefill}) * exp(${texts.prefill})` : PHYSICS_STRUCTURE.expressions.prefill,
  };
  const added = terms.map((t) => `${t.parameter ?? t.value}: ${t.meaning}`).join('; ');
  let lastError: unknown;
  // the fitted physics values as starts, else (a fitted 0 can leave an expression at 0 somewhere, e.g. the prefill
  // energy with k_comp and e_flop at 0 on records without prefill rows) the built-in starts of the free ones
  const defaultStarts = physics.map((p, k) => (p.held ? p : { ...p, start: PHYSICS_STRUCTURE.parameters[k].start }));
  for (const [physicsParams, width] of [physics, defaultStarts].flatMap((ps) => BOUND_WIDTHS.map((w) => [ps, w] as const))) {
    const params = dParams.map((p) => ({ ...p, lower: p.start - width * Math.max(1, Math.abs(p.start)), upper: p.start + width * Math.max(1, Math.abs(p.start)) }));
    const structure: Structure = {
      format: PHYSICS_STRUCTURE.format, version: PHYSICS_STRUCTURE.version, name: 'physics+discovered',
      description: `The physics closed form times exp(g), g discovered by the engine on ${provenance.data} from the log residuals of the physics fit `
        + `and kept because it predicts held-out training records better in ${d.options.folds}-fold cross-validation (CV MAPE ${(d.physicsCv.mape * 100).toFixed(1)} % for physics). `
        + `Terms added: ${added}.${d.dropped.length ? ` Dropped to stay within twelve free parameters: ${d.dropped.join(', ')}.` : ''}`,
      expressions, parameters: [...physicsParams, ...params],
      discovery: { ...base, result: 'physics+discovered', termsAdded: terms, dropped: d.dropped, correction: texts },
    };
    try {
      return { structure: validateStructure(structure, 'the discovered structure', catalog), terms };
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
