/**
 * A parametric expression: infix text over named features and named parameters, one expression per row kind
 * (kinds share the parameters). Parameters become the compiled program's constants; a parameter may appear
 * several times and in several kinds, and literal numbers in the text stay fixed.
 *
 *   const model = compileParametric({
 *     features: ['x', 'z'],
 *     parameters: [{ name: 'a', start: 1, lower: 0 }, { name: 'b', start: 0.5 }],
 *     expressions: { main: 'a * x + b * z', other: '0.001 * a * x' },
 *   });
 */
import { EnergyLensError } from '../../errors.js';
import { compile, type Program } from '../expression/compile.js';
import { constantNodes, type ConstNode, type Node } from '../expression/node.js';
import { checkFeatureNames } from '../expression/print.js';
import { parseExpression } from '../expression/parse.js';

export interface ParameterDefinition {
  name: string;
  /** starting value of a fit */
  start: number;
  /** bounds (default: open) */
  lower?: number;
  upper?: number;
  /** held at `value` and not fitted, for `reason` */
  held?: { value: number; reason: string };
}

export interface ParametricSpec {
  /** names of the data columns, in column order */
  features: readonly string[];
  parameters: readonly ParameterDefinition[];
  /** one infix expression per row kind */
  expressions: Readonly<Record<string, string>>;
}

export interface ParametricKind {
  name: string;
  text: string;
  program: Program;
  /** per constant of the program: the parameter it is (index), or -1 for a fixed literal */
  occurrences: Int32Array;
  /** the parameters that appear in this kind's expression */
  uses: boolean[];
}

export interface ParametricModel {
  features: readonly string[];
  parameters: readonly ParameterDefinition[];
  kinds: readonly ParametricKind[];
  /** parameter indexes that are fitted (not held) */
  free: readonly number[];
}

const label = (spec: ParametricSpec, kind?: string): string => (kind === undefined ? 'parametric expression' : `expression "${kind}"`);

function checkParameters(spec: ParametricSpec): void {
  const names = spec.parameters.map((p) => p.name);
  try {
    checkFeatureNames([...spec.features, ...names]);
  } catch (err) {
    throw new EnergyLensError('INVALID_OPTION', `${label(spec)}: ${(err as Error).message.replace('feature name', 'name')} (parameter and feature names must be distinct identifiers)`);
  }
  for (const p of spec.parameters) {
    const lower = p.lower ?? -Infinity;
    const upper = p.upper ?? Infinity;
    if (!Number.isFinite(p.start)) throw new EnergyLensError('INVALID_OPTION', `parameter ${p.name}: start must be a finite number, got ${p.start}`);
    if (Number.isNaN(lower) || Number.isNaN(upper) || lower > upper) throw new EnergyLensError('INVALID_OPTION', `parameter ${p.name}: bounds [${lower}, ${upper}] are not an interval`);
    if (p.start < lower || p.start > upper) throw new EnergyLensError('INVALID_OPTION', `parameter ${p.name}: start ${p.start} is outside its bounds [${lower}, ${upper}]`);
    if (p.held && !Number.isFinite(p.held.value)) throw new EnergyLensError('INVALID_OPTION', `parameter ${p.name}: held value must be a finite number, got ${p.held.value}`);
  }
}

/** Replaces parameter leaves (feature indexes past the data's) by constants and records which is which. */
function substitute(node: Node, nFeatures: number, spec: ParametricSpec, owner: Map<ConstNode, number>): Node {
  if (node.kind === 'feature') {
    if (node.index < nFeatures) return node;
    const k = node.index - nFeatures;
    const c: ConstNode = { kind: 'const', value: spec.parameters[k].start };
    owner.set(c, k);
    return c;
  }
  if (node.kind === 'const') return node;
  return { kind: 'op', op: node.op, children: node.children.map((ch) => substitute(ch, nFeatures, spec, owner)) };
}

export function compileParametric(spec: ParametricSpec): ParametricModel {
  checkParameters(spec);
  const kindNames = Object.keys(spec.expressions);
  if (kindNames.length === 0) throw new EnergyLensError('INVALID_OPTION', 'parametric expression: no expression given');
  const names = [...spec.features, ...spec.parameters.map((p) => p.name)];
  const kinds = kindNames.map((name): ParametricKind => {
    const text = spec.expressions[name];
    if (typeof text !== 'string' || text.trim() === '') throw new EnergyLensError('INVALID_OPTION', `expression "${name}" is empty`);
    let tree: Node;
    try {
      tree = parseExpression(text, names);
    } catch (err) {
      throw new EnergyLensError('PARSE_ERROR', `${label(spec, name)}: ${(err as Error).message}`);
    }
    const owner = new Map<ConstNode, number>();
    const substituted = substitute(tree, spec.features.length, spec, owner);
    const occurrences = Int32Array.from(constantNodes(substituted), (c) => owner.get(c) ?? -1);
    const uses = spec.parameters.map((_, k) => occurrences.includes(k));
    return { name, text, program: compile(substituted), occurrences, uses };
  });
  const free = spec.parameters.map((p, k) => (p.held ? -1 : k)).filter((k) => k >= 0);
  return { features: [...spec.features], parameters: spec.parameters.map((p) => ({ ...p })), kinds, free };
}

/** The kind's program with these parameter values as its constants. */
export function programWith(kind: ParametricKind, values: ArrayLike<number>): Program {
  const consts = Float64Array.from(kind.program.consts);
  for (let c = 0; c < consts.length; c++) if (kind.occurrences[c] >= 0) consts[c] = values[kind.occurrences[c]];
  return { ...kind.program, consts };
}

/** The starting values: held parameters at their held value, the others at their start. */
export function startValues(model: ParametricModel): Float64Array {
  return Float64Array.from(model.parameters, (p) => (p.held ? p.held.value : p.start));
}

export function kindOf(model: ParametricModel, name: string): ParametricKind {
  const k = model.kinds.find((x) => x.name === name);
  if (!k) throw new EnergyLensError('INVALID_OPTION', `no expression for row kind "${name}" (kinds: ${model.kinds.map((x) => x.name).join(', ')})`);
  return k;
}
