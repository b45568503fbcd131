/**
 * Positivity of a structure on a grid of feasible configurations: every catalog model on every catalog
 * accelerator, TP 1-8, PP 1-2, batch 1-256, short and long prompts and outputs, kept where weights and KV cache
 * fit in memory. Each expression is evaluated at the starting values (must be > 0 everywhere), and at the
 * lower-bound corner, the upper-bound corner and a few seeded random points within the bounds (energy and latency
 * must stay > 0 there, prefill >= 0: a prefill share may vanish at a bound). A structure that fails is refused
 * with INVALID_STRUCTURE, naming the row kind, the configuration and the parameter values.
 */
import { EnergyLensError } from '../../errors.js';
import { createRng, ParametricEvaluator, type ParametricData } from '../../sr/index.js';
import { builtinCatalog, type Catalog } from '../catalog/catalog.js';
import type { RowKind } from './design.js';
import { configurationFeatures, type ConfigurationInput, type EnergyFeatures } from './features.js';
import { featureMatrix } from './structure-features.js';
import { compileStructure, parseStructureShape, readStructureText, validateStructureShape, type Structure } from './structure.js';
import { PHYSICS_STRUCTURE } from './structure-physics.js';

interface GridPoint { config: ConfigurationInput; features: EnergyFeatures }

const gridCache = new WeakMap<Catalog, GridPoint[]>();

/** The feasible configurations a structure must be positive on (built once per catalog). */
export function feasibilityGrid(catalog: Catalog = builtinCatalog()): GridPoint[] {
  const cached = gridCache.get(catalog);
  if (cached) return cached;
  const grid: GridPoint[] = [];
  for (const m of catalog.models) for (const hw of catalog.hardware) for (const tp of [1, 2, 8]) for (const pp of [1, 2]) {
    for (const batch of [1, 16, 256]) for (const input of [128, 8192]) for (const output of [32, 2048]) {
      const config: ConfigurationInput = { model: m.name, hardware: hw.name, tp, pp, ep: m.experts > 0 ? tp : 1, batch, input_tokens: input, output_tokens: output };
      const features = configurationFeatures(config, { catalog });
      if (features.memoryFraction <= 1) grid.push({ config, features });
    }
  }
  gridCache.set(catalog, grid);
  return grid;
}

const RANDOM_POINTS = 8;

/** Parameter points the check evaluates: starts, both corners, seeded random points within the bounds. */
function parameterPoints(s: Structure): { label: string; values: Float64Array; strict: boolean }[] {
  const fixed = (p: Structure['parameters'][number]): number | undefined => p.held?.value;
  const at = (pick: (p: Structure['parameters'][number]) => number): Float64Array => Float64Array.from(s.parameters, (p) => fixed(p) ?? pick(p));
  const rng = createRng(0x57c);
  const draw = (p: Structure['parameters'][number]): number => {
    const u = rng.next();
    return p.lower > 0 ? Math.exp(Math.log(p.lower) + u * (Math.log(p.upper) - Math.log(p.lower))) : p.lower + u * (p.upper - p.lower);
  };
  return [
    { label: 'at the starting values', values: at((p) => p.start), strict: true },
    { label: 'with every parameter at its lower bound', values: at((p) => p.lower), strict: false },
    { label: 'with every parameter at its upper bound', values: at((p) => p.upper), strict: false },
    ...Array.from({ length: RANDOM_POINTS }, (_, i) => ({ label: `at random point ${i + 1} within the bounds`, values: at(draw), strict: false })),
  ];
}

/** Throws INVALID_STRUCTURE when an expression is non-positive or non-finite somewhere on the grid. */
export function checkPositive(s: Structure, file = 'structure', catalog?: Catalog): void {
  const model = compileStructure(s);
  const grid = feasibilityGrid(catalog);
  const features = grid.map((g) => g.features);
  const data: Record<string, ParametricData[string]> = {};
  for (const kind of model.kinds) data[kind.name] = { X: featureMatrix(features, kind.name as RowKind, model.features), nRows: grid.length };
  const ev = new ParametricEvaluator(model, data);
  try {
    const points = parameterPoints(s);
    for (const point of points) {
      for (const kind of ev.kinds) {
        const pred = ev.predict(kind, point.values);
        const zeroOk = !point.strict && kind.name === 'prefill';
        for (let r = 0; r < pred.length; r++) {
          const v = pred[r];
          if (Number.isFinite(v) && (v > 0 || (zeroOk && v === 0))) continue;
          const c = grid[r].config;
          const values = s.parameters.map((p, k) => `${p.name}=${point.values[k]}`).join(', ');
          throw new EnergyLensError('INVALID_STRUCTURE', `${file}: expressions.${kind.name} gives ${v} for ${c.model} on ${c.hardware}, tp ${c.tp}, pp ${c.pp}, batch ${c.batch}, `
            + `${c.input_tokens} input and ${c.output_tokens} output tokens, ${point.label} (${values}); a structure must be positive for every feasible configuration`);
        }
      }
    }
  } finally {
    ev.dispose();
  }
}

/** A valid structure: shape, names, free-parameter count, positivity on the feasibility grid. */
export function validateStructure(value: unknown, file = 'structure', catalog?: Catalog): Structure {
  const s = validateStructureShape(value, file);
  checkPositive(s, file, catalog);
  return s;
}

export function parseStructure(text: string, file = 'structure', catalog?: Catalog): Structure {
  const s = parseStructureShape(text, file);
  checkPositive(s, file, catalog);
  return s;
}

/** Reads and checks a structure file; `physics` names the built-in structure. */
export function readStructure(pathOrName: string, catalog?: Catalog): Structure {
  if (pathOrName === 'physics') return PHYSICS_STRUCTURE;
  return parseStructure(readStructureText(pathOrName), pathOrName, catalog);
}
