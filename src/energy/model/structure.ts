/**
 * A structure is data: the expressions of an energy model (energy per output token, and optionally time per
 * output token and prefill energy per output token) over the named features of structure-features.ts, and every
 * parameter with its meaning, unit, start, bounds and phase. The built-in `physics` structure is the closed form
 * of closed-form.ts; `energylens discover` writes others. The file format:
 *
 *   { "format": "energylens-structure", "version": 1, "name": "physics", "description": "...",
 *     "expressions": { "energy": "...", "latency": "...", "prefill": "..." },
 *     "parameters": [{ "name", "meaning", "unit", "start", "lower", "upper", "phase", "origin", "held"? }],
 *     "discovery": { ... } }
 *
 * A structure that is not JSON, names an unknown feature, has more than twelve free parameters, a parameter used
 * by no expression, or predicts a non-positive value somewhere on the feasibility grid (feasibility.ts) is
 * refused with INVALID_STRUCTURE and the reason.
 */
import { EnergyLensError } from '../../errors.js';
import { parseJsonText, readTextFile } from '../../util/read-text.js';
import { compileParametric, operatorByName, type ParametricModel, type ParametricSpec } from '../../sr/index.js';
import type { RowKind } from './design.js';
import { STRUCTURE_FEATURE_NAMES } from './structure-features.js';

export const STRUCTURE_FORMAT = 'energylens-structure';
export const STRUCTURE_VERSION = 1;
/** At most this many parameters are fitted (not held). */
export const MAX_FREE_PARAMETERS = 12;
export const ROW_KINDS: readonly RowKind[] = ['energy', 'latency', 'prefill'];
export const PHASES = ['decode', 'prefill', 'both'] as const;
export const ORIGINS = ['physics', 'discovered'] as const;

export interface StructureParameter {
  name: string;
  meaning: string;
  unit: string;
  start: number;
  lower: number;
  upper: number;
  phase: (typeof PHASES)[number];
  origin: (typeof ORIGINS)[number];
  /** held at value, not fitted */
  held?: { value: number; reason: string };
}

export interface Structure {
  format: typeof STRUCTURE_FORMAT;
  version: typeof STRUCTURE_VERSION;
  name: string;
  description: string;
  /** J per output token (energy), s per output token (latency), prefill J per output token (prefill) */
  expressions: { energy: string; latency?: string; prefill?: string };
  parameters: StructureParameter[];
  /** provenance of a discovered structure (data file, seed, evaluations, CV scores, terms added) */
  discovery?: unknown;
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;
const CONSTANT_NAMES = new Set(['e', 'pi', 'E', 'PI', 'inf', 'Infinity', 'NaN', 'nan']);

/** The registry features the structure's expressions name, in registry order. */
export function structureFeatureNames(s: Pick<Structure, 'expressions'>): string[] {
  const used = new Set<string>();
  for (const text of Object.values(s.expressions)) for (const m of (text ?? '').matchAll(IDENTIFIER)) used.add(m[0]);
  return STRUCTURE_FEATURE_NAMES.filter((n) => used.has(n));
}

/** The engine's description of the structure: its expressions over the features it names. */
export function structureSpec(s: Structure): ParametricSpec {
  const expressions: Record<string, string> = {};
  for (const kind of ROW_KINDS) if (s.expressions[kind] !== undefined) expressions[kind] = s.expressions[kind]!;
  return {
    features: structureFeatureNames(s),
    parameters: s.parameters.map((p) => ({ name: p.name, start: p.start, lower: p.lower, upper: p.upper, ...(p.held ? { held: { ...p.held } } : {}) })),
    expressions,
  };
}

export function compileStructure(s: Structure): ParametricModel {
  return compileParametric(structureSpec(s));
}

/**
 * Checks the shape of a parsed structure, its names, its free-parameter count and that every parameter is used;
 * throws INVALID_STRUCTURE naming the file and the reason. (Positivity on the feasibility grid: checkStructure.)
 */
export function validateStructureShape(value: unknown, file = 'structure'): Structure {
  const bad = (what: string): never => { throw new EnergyLensError('INVALID_STRUCTURE', `${file}: ${what}`); };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('not a JSON object');
  const s = value as Record<string, unknown>;
  if (s.format !== STRUCTURE_FORMAT) bad(`format is ${JSON.stringify(s.format)}; expected "${STRUCTURE_FORMAT}"`);
  if (s.version !== STRUCTURE_VERSION) bad(`version ${JSON.stringify(s.version)}; this energylens reads version ${STRUCTURE_VERSION}`);
  if (typeof s.name !== 'string' || s.name.trim() === '') bad('name must be a non-empty string');
  if (typeof s.description !== 'string') bad('description must be a string');
  const ex = s.expressions as Record<string, unknown> | undefined;
  if (typeof ex !== 'object' || ex === null || Array.isArray(ex)) bad('expressions must be an object { energy, latency?, prefill? }');
  for (const [k, v] of Object.entries(ex!)) {
    if (!(ROW_KINDS as readonly string[]).includes(k)) bad(`expressions.${k}: unknown row kind (known: ${ROW_KINDS.join(', ')})`);
    if (typeof v !== 'string' || v.trim() === '') bad(`expressions.${k} must be a non-empty string`);
  }
  if (ex!.energy === undefined) bad('expressions.energy is required');
  if (!Array.isArray(s.parameters)) bad('parameters must be a list');
  const params = s.parameters as Record<string, unknown>[];
  const names = new Set<string>();
  params.forEach((p, i) => {
    const at = `parameters[${i}]${typeof p?.name === 'string' ? ` (${p.name})` : ''}`;
    if (typeof p !== 'object' || p === null) bad(`${at} must be an object`);
    if (typeof p.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.name)) bad(`${at}: name must be an identifier`);
    const name = p.name as string;
    if (names.has(name)) bad(`${at}: name appears twice`);
    if (STRUCTURE_FEATURE_NAMES.includes(name)) bad(`${at}: name is a feature's name; parameter and feature names must differ`);
    if (CONSTANT_NAMES.has(name) || operatorByName(name)) bad(`${at}: name is reserved (a function or constant name)`);
    names.add(name);
    if (typeof p.meaning !== 'string') bad(`${at}: meaning must be a string`);
    if (typeof p.unit !== 'string') bad(`${at}: unit must be a string`);
    for (const k of ['start', 'lower', 'upper'] as const) if (typeof p[k] !== 'number' || !Number.isFinite(p[k])) bad(`${at}: ${k} must be a finite number`);
    const [start, lower, upper] = [p.start as number, p.lower as number, p.upper as number];
    if (!(lower <= start && start <= upper)) bad(`${at}: start ${start} must lie within [lower ${lower}, upper ${upper}]`);
    if (!(PHASES as readonly unknown[]).includes(p.phase)) bad(`${at}: phase must be one of ${PHASES.join(', ')}`);
    if (!(ORIGINS as readonly unknown[]).includes(p.origin)) bad(`${at}: origin must be one of ${ORIGINS.join(', ')}`);
    if (p.held !== undefined) {
      const h = p.held as Record<string, unknown>;
      if (typeof h !== 'object' || h === null || typeof h.value !== 'number' || !Number.isFinite(h.value) || typeof h.reason !== 'string') bad(`${at}: held must be { value: finite number, reason: string }`);
      if ((h.value as number) < lower || (h.value as number) > upper) bad(`${at}: held value ${h.value} lies outside [${lower}, ${upper}]`);
    }
  });
  // names an expression uses must be features, parameters, functions or constants
  for (const [kind, text] of Object.entries(ex!)) {
    for (const m of (text as string).matchAll(IDENTIFIER)) {
      const n = m[0];
      if (names.has(n) || STRUCTURE_FEATURE_NAMES.includes(n) || CONSTANT_NAMES.has(n) || operatorByName(n) || /^\d/.test(n)) continue;
      // a number's exponent (1e-3) is not a name
      if (/^[eE]\d*$/.test(n) && /\d$/.test((text as string).slice(0, m.index))) continue;
      bad(`expressions.${kind} names unknown feature "${n}" (not a parameter; features: ${STRUCTURE_FEATURE_NAMES.join(', ')})`);
    }
  }
  const structure = value as Structure;
  const free = structure.parameters.filter((p) => !p.held);
  if (free.length > MAX_FREE_PARAMETERS) bad(`${free.length} free parameters (${free.map((p) => p.name).join(', ')}); at most ${MAX_FREE_PARAMETERS} may be fitted: hold the others`);
  let model: ParametricModel;
  try {
    model = compileStructure(structure);
  } catch (err) {
    return bad(`${(err as Error).message}`);
  }
  structure.parameters.forEach((p, k) => {
    if (!model.kinds.some((kind) => kind.uses[k])) bad(`parameter ${p.name} appears in no expression`);
  });
  return structure;
}

/** Parses structure text (a file's content); INVALID_STRUCTURE when it is not JSON or not a valid structure. */
export function parseStructureShape(text: string, file = 'structure'): Structure {
  return validateStructureShape(parseJsonText(text, file, 'INVALID_STRUCTURE'), file);
}

export function readStructureText(path: string): string {
  return readTextFile(path, 'structure file', 'INVALID_STRUCTURE');
}
