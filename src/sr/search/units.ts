/**
 * Units (dimensional analysis): optional units per feature and for the target; candidates whose dimensions do
 * not agree are penalised in the loss the search sees. Constants may carry any unit (wildcards, as PySR does).
 *
 * Unit strings are parsed by mathjs (`math.unit('m/s').dimensions`), a dependency the engine already has for
 * simplification: it knows SI and the usual derived and prefixed units (J, W, GB, TB/s, kWh, ...), reads
 * products, quotients and powers (`m^3/(kg s^2)`), and `createUnit` adds the base units SI lacks. The engine
 * uses a private mathjs instance with the base units `token`, `request`, `GPU` and `parameter` added; angles
 * (rad, deg) count as dimensionless, so sin(theta) is consistent. A dimension is a vector of exponents over
 * those base dimensions (fractional exponents allowed: sqrt(m) is m^0.5).
 *
 * Rules over an expression tree (`dimensionCheck`):
 * - a subtree made only of constants is a wildcard (any unit); so is a product or quotient with a wildcard side
 * - + - min max need equal dimensions (a wildcard side adopts the other's); * and / add and subtract exponents
 * - sqrt halves, cbrt thirds, square and cube multiply, inv negates; neg and abs keep
 * - ^ needs a dimensionless exponent; a constant exponent scales the base's dimensions, any other exponent needs
 *   a dimensionless base
 * - exp log sin cos tanh asin acos need dimensionless (or wildcard) arguments and are dimensionless
 * - the root must match the target's unit, unless the search uses linear scaling: then the search's candidate f
 *   stands for a * f + b with a free constant a, a wildcard, so only the inside of f is checked
 * Each broken rule is one violation; the loss the search sees is `loss + penalty * violations * baselineLoss`
 * (baselineLoss: the loss of the mean of y; see options.units.penalty).
 */
import { createRequire } from 'node:module';
import type { MathJsInstance } from 'mathjs';
import { SrError } from '../errors.js';
import type { Node } from '../expression/node.js';

/** Units as the options carry them (JSON-safe). */
export interface UnitsOption {
  /**
   * unit of each feature: by name (`{ m: 'kg', v: 'm/s' }`) or by index (`['kg', 'm/s', null]`); features without
   * one are dimensionless
   */
  features: Record<string, string> | (string | null)[];
  /** unit of the target; null or absent: the root is not checked */
  target?: string | null;
  /**
   * loss added per violation, as a multiple of the loss of the mean of y (0.1: default, chosen on the
   * Feynman dev half; see README "Units")
   */
  penalty?: number;
  /**
   * 'linear' (default): features are the quantities. 'log': each feature is the logarithm of a quantity of its
   * unit (energy discovery searches such columns), see logSpaceViolations
   */
  space?: 'linear' | 'log';
}

export const DEFAULT_UNIT_PENALTY = 0.1;
/** base units SI lacks, added to the engine's mathjs instance */
export const PROJECT_BASE_UNITS = ['token', 'request', 'GPU', 'parameter'] as const;
const DIMENSIONLESS_WORDS = new Set(['', '1', '-', 'dimensionless', 'count', 'ratio']);

let mathInstance: { math: MathJsInstance; angle: number } | undefined;
/** mathjs is large: loaded on first use only (as in simplify.ts), so searches without units never load it. */
function unitMath(): { math: MathJsInstance; angle: number } {
  if (!mathInstance) {
    const { create, all } = createRequire(import.meta.url)('mathjs') as typeof import('mathjs');
    const math = create(all);
    for (const u of PROJECT_BASE_UNITS) math.createUnit(u, { aliases: [`${u}s`] });
    const angle = (math.Unit as unknown as { BASE_DIMENSIONS: string[] }).BASE_DIMENSIONS.indexOf('ANGLE');
    mathInstance = { math, angle };
  }
  return mathInstance;
}

/** Dimension exponents of a unit string; throws INVALID_UNIT naming `what` and the string. */
export function parseUnit(unit: string, what: string): number[] {
  const { math, angle } = unitMath();
  const text = unit.trim();
  if (DIMENSIONLESS_WORDS.has(text.toLowerCase())) return dimensionless();
  let dims: number[];
  try {
    const u = math.unit(text);
    const perUnit = /^1\s*\//.test(text) && u.value === 1; // 1/s
    if (u.value !== null && u.value !== undefined && !perUnit) throw new Error('a unit, not a quantity, is expected');
    dims = [...(u as unknown as { dimensions: number[] }).dimensions];
  } catch (err) {
    throw new SrError('INVALID_UNIT', `${what}: cannot read the unit "${unit}" (${(err as Error).message})`);
  }
  if (angle >= 0) dims[angle] = 0;
  return dims;
}

const dimensionless = (): number[] => new Array<number>((unitMath().math.Unit as unknown as { BASE_DIMENSIONS: string[] }).BASE_DIMENSIONS.length).fill(0);

/** Checks a units option's shape and every unit string (INVALID_OPTION for the shape, INVALID_UNIT for a unit). */
export function validateUnits(u: unknown): void {
  const bad = (m: string): never => { throw new SrError('INVALID_OPTION', m); };
  if (typeof u !== 'object' || u === null || Array.isArray(u)) bad('options.units must be null or { features, target?, penalty? }');
  const o = u as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['features', 'target', 'penalty', 'space'].includes(k)) bad(`options.units: unknown field "${k}"; known: features, target, penalty, space`);
  if (o.space !== undefined && o.space !== 'linear' && o.space !== 'log') bad(`options.units.space must be "linear" or "log", got ${JSON.stringify(o.space)}`);
  const f = o.features;
  if (typeof f !== 'object' || f === null) bad('options.units.features must be an object of feature name -> unit, or a list of units');
  const entries = Array.isArray(f) ? f.map((v, i) => [String(i), v] as const) : Object.entries(f as object);
  for (const [name, unit] of entries) {
    if (unit === null && Array.isArray(f)) continue;
    if (typeof unit !== 'string') bad(`options.units.features.${name} must be a unit string, got ${JSON.stringify(unit)}`);
    parseUnit(unit as string, `unit of feature "${name}"`);
  }
  if (o.target !== undefined && o.target !== null) {
    if (typeof o.target !== 'string') bad(`options.units.target must be a unit string or null, got ${JSON.stringify(o.target)}`);
    parseUnit(o.target as string, 'unit of the target');
  }
  if (o.penalty !== undefined && (typeof o.penalty !== 'number' || !(o.penalty >= 0) || !Number.isFinite(o.penalty))) {
    bad(`options.units.penalty must be a non-negative number, got ${String(o.penalty)}`);
  }
}

/**
 * Units written as text, `m=kg, v=m/s, E=J` (the CLI's `--units`, the web page's field): each entry name=unit, the
 * entry naming `target` is the target's unit, the others features'. Only the text's shape is checked here
 * (INVALID_OPTION naming `what`); the unit strings themselves are checked with the options (validateUnits).
 */
export function parseUnitAssignments(text: string, target: string, what = '--units'): UnitsOption {
  const bad = (m: string): never => { throw new SrError('INVALID_OPTION', m); };
  const features: Record<string, string> = {};
  let targetUnit: string | null = null;
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) bad(`${what} names no column (expected name=unit,...)`);
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const name = eq < 0 ? '' : entry.slice(0, eq).trim();
    if (eq < 0 || name === '') bad(`${what}: "${entry}" is not name=unit (e.g. "m=kg,v=m/s,${target}=J")`);
    const unit = entry.slice(eq + 1).trim();
    if (name in features || (name === target && targetUnit !== null)) bad(`${what} names "${name}" twice`);
    if (name === target) targetUnit = unit;
    else features[name] = unit;
  }
  return { features, target: targetUnit };
}

/**
 * The units option with features by index (what islands use): names resolved against the data's feature names.
 * A name that is not a feature is INVALID_OPTION.
 */
export function unitsByIndex(u: UnitsOption, featureNames: readonly string[]): UnitsOption {
  if (Array.isArray(u.features)) {
    if (u.features.length > featureNames.length) {
      throw new SrError('INVALID_OPTION', `options.units.features lists ${u.features.length} units; the data has ${featureNames.length} features`);
    }
    return u;
  }
  const features: (string | null)[] = featureNames.map(() => null);
  for (const [name, unit] of Object.entries(u.features)) {
    const i = featureNames.indexOf(name);
    if (i < 0) throw new SrError('INVALID_OPTION', `options.units.features: "${name}" is not a feature (features: ${featureNames.join(', ')})`);
    features[i] = unit;
  }
  return { ...u, features };
}

/** Dimensions of each feature and of the target, parsed once. */
export interface DimensionTable {
  features: number[][];
  /** null: the root is not checked */
  target: number[] | null;
  penalty: number;
  space: 'linear' | 'log';
}

const tableCache = new Map<string, DimensionTable>();

/** The parsed table of a units option (features by index, see unitsByIndex); cached by its JSON. */
export function dimensionTable(u: UnitsOption, nFeatures: number): DimensionTable {
  const key = `${nFeatures}|${JSON.stringify(u)}`;
  let t = tableCache.get(key);
  if (!t) {
    const byIndex = Array.isArray(u.features) ? u.features : null;
    if (!byIndex) throw new SrError('INVALID_OPTION', 'options.units.features by name must be resolved against the feature names first (unitsByIndex)');
    t = {
      features: Array.from({ length: nFeatures }, (_, i) => (byIndex[i] ? parseUnit(byIndex[i] as string, `unit of feature ${i}`) : dimensionless())),
      target: u.target ? parseUnit(u.target, 'unit of the target') : null,
      penalty: u.penalty ?? DEFAULT_UNIT_PENALTY,
      space: u.space ?? 'linear',
    };
    if (tableCache.size > 64) tableCache.clear();
    tableCache.set(key, t);
  }
  return t;
}

/** A subtree's dimensions, or null for a wildcard (it may carry any unit). */
type Dims = number[] | null;

const EPS = 1e-9;
const same = (a: number[], b: number[]): boolean => a.every((v, i) => Math.abs(v - (b[i] ?? 0)) < EPS);
const isDimensionless = (a: number[]): boolean => a.every((v) => Math.abs(v) < EPS);
const scale = (a: number[], k: number): number[] => a.map((v) => v * k);

const constantOnly = (n: Node): boolean => n.kind === 'const' || (n.kind === 'op' && n.children.every(constantOnly));

/** Value of a subtree made only of constants, or undefined. */
function constantValue(n: Node): number | undefined {
  if (n.kind === 'const') return n.value;
  return undefined;
}

/**
 * Violations of the dimension rules in `tree` (see the file comment). `checkRoot`: compare the root with the
 * table's target (false under linear scaling).
 */
export function dimensionViolations(tree: Node, table: DimensionTable, checkRoot: boolean): number {
  if (table.space === 'log') return logSpaceViolations(tree, table, checkRoot);
  let violations = 0;
  const none = (): number[] => new Array<number>(table.features[0]?.length ?? dimensionless().length).fill(0);
  const walk = (n: Node): Dims => {
    if (n.kind === 'const') return null;
    if (n.kind === 'feature') return table.features[n.index] ?? none();
    const kids = n.children.map(walk);
    const [a, b] = kids;
    switch (n.op) {
      case '+': case '-': case 'min': case 'max':
        if (a === null) return b;
        if (b === null) return a;
        if (!same(a, b)) violations++;
        return a;
      case '*':
        return a === null || b === null ? null : a.map((v, i) => v + b[i]);
      case '/':
        return a === null || b === null ? null : a.map((v, i) => v - b[i]);
      case 'neg': case 'abs':
        return a;
      case 'square': return a && scale(a, 2);
      case 'cube': return a && scale(a, 3);
      case 'sqrt': return a && scale(a, 0.5);
      case 'cbrt': return a && scale(a, 1 / 3);
      case 'inv': return a && scale(a, -1);
      case '^': {
        const exponent = constantValue(n.children[1]);
        if (b !== null && !isDimensionless(b)) violations++;
        if (a === null) return null;
        if (exponent !== undefined) return scale(a, exponent);
        if (b === null) return null; // a constant-only exponent of unknown value: treat the result as a wildcard
        if (!isDimensionless(a)) violations++;
        return none();
      }
      default: // exp log sin cos tanh asin acos
        if (a !== null && !isDimensionless(a)) violations++;
        return a === null ? null : none();
    }
  };
  const root = walk(tree);
  if (checkRoot && table.target && root !== null && !same(root, table.target)) violations++;
  return violations;
}

/**
 * Violations when every feature is log(q) of a quantity q of its unit. A sum or difference of logs is the log of a
 * product or quotient (dimensions add or subtract); a constant times a log is the log of a power with a fitted
 * exponent, and a constant added is the log of a factor of any unit: both wildcards. Anything else applied to the
 * log of a dimensioned quantity (a product of two such logs, a square, exp, ...) is a violation, and is
 * dimensionless. The root, when checked, must be the log of a dimensionless quantity (or a wildcard).
 */
function logSpaceViolations(tree: Node, table: DimensionTable, checkRoot: boolean): number {
  let violations = 0;
  const zero = (): number[] => new Array<number>(table.features[0]?.length ?? dimensionless().length).fill(0);
  const charge = (d: Dims): void => { if (d !== null && !isDimensionless(d)) violations++; };
  const walk = (n: Node): Dims => {
    if (n.kind === 'const') return null;
    if (n.kind === 'feature') return table.features[n.index] ?? zero();
    const kids = n.children.map(walk);
    const [a, b] = kids;
    const constantSide = (i: number): boolean => constantOnly(n.children[i]);
    switch (n.op) {
      case '+': return a === null || b === null ? null : a.map((v, i) => v + b[i]);
      case '-': return a === null || b === null ? null : a.map((v, i) => v - b[i]);
      case 'neg': return a && scale(a, -1);
      case '*':
        if (constantSide(0) || constantSide(1)) return null; // c * log(q) = log(q^c): a fitted exponent
        charge(a); charge(b);
        return zero();
      case '/':
        if (constantSide(1)) return null;
        charge(a); charge(b);
        return zero();
      default:
        for (const k of kids) charge(k);
        return kids.every((k) => k === null) ? null : zero();
    }
  };
  const root = walk(tree);
  if (checkRoot && root !== null && !isDimensionless(root)) violations++;
  return violations;
}

/** The loss the search sees: `loss + penalty * violations * baselineLoss`. */
export function penalisedLoss(loss: number, violations: number, table: DimensionTable, baselineLoss: number): number {
  return violations > 0 && Number.isFinite(loss) ? loss + table.penalty * violations * baselineLoss : loss;
}

/**
 * The island's hook: `(tree, loss) => the loss the search sees`. Without units, the loss itself. Under linear
 * scaling the root is not compared with the target (a of a * f + b is a wildcard). `parsed`: the table the search
 * parsed on its own thread (IslandTask.dimensions), so a worker without the unit parser (mathjs) can apply it.
 */
export function unitPenalty(
  o: { units: UnitsOption | null; linearScaling: boolean }, nFeatures: number, baselineLoss: number, parsed?: DimensionTable,
): (tree: Node, loss: number) => number {
  if (!o.units) return (_tree, loss) => loss;
  const table = parsed ?? dimensionTable(o.units, nFeatures);
  if (table.penalty === 0) return (_tree, loss) => loss;
  return (tree, loss) => penalisedLoss(loss, dimensionViolations(tree, table, !o.linearScaling), table, baselineLoss);
}
