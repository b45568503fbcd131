/** Hardware and model lookup: built-in tables, optionally extended (and overridden) by a user catalog. */
import { EnergyLensError } from '../../errors.js';
import type { Architecture, RecordFields } from '../records/schema.js';
import { energyBoundProblems } from '../records/bounds.js';
import { nameKey, withoutOrg } from './aliases.js';
import { HARDWARE, type HardwareSpec } from './hardware.js';
import { estimateModel, type ModelSpec } from './model-spec.js';
import { MLENERGY_MODELS } from './models-mlenergy.js';
import { OPEN_MODELS } from './models-open.js';
import { LLM_INFERENCE_BENCH_MODELS } from './models-llm-inference-bench.js';
import { readUserCatalog, type UserCatalog } from './user-catalog.js';

const HOW_TO_ADD = 'add it to a catalog JSON file passed with --catalog FILE (see docs/catalog.md)';

/** The record fields that let a model be used without a catalog entry. */
export type ModelHints = Partial<Pick<RecordFields, 'params_b' | 'active_params_b' | 'architecture'>>;

export class Catalog {
  private readonly hardwareByKey = new Map<string, HardwareSpec>();
  private readonly modelsByKey = new Map<string, ModelSpec>();
  readonly hardware: HardwareSpec[] = [];
  readonly models: ModelSpec[] = [];

  constructor(extra?: UserCatalog) {
    for (const h of HARDWARE) this.addHardware(h);
    for (const m of [...MLENERGY_MODELS, ...OPEN_MODELS, ...LLM_INFERENCE_BENCH_MODELS]) this.addModel(m);
    for (const h of extra?.hardware ?? []) this.addHardware(h);
    for (const m of extra?.models ?? []) this.addModel(m);
  }

  /** Adds (or replaces, by name) an accelerator. */
  addHardware(h: HardwareSpec): void {
    const i = this.hardware.findIndex((x) => x.name === h.name);
    if (i >= 0) this.hardware[i] = h;
    else this.hardware.push(h);
    for (const n of [h.name, ...h.aliases]) this.hardwareByKey.set(nameKey(n), h);
  }

  /** Adds (or replaces, by name) a model. */
  addModel(m: ModelSpec): void {
    const i = this.models.findIndex((x) => x.name === m.name);
    if (i >= 0) this.models[i] = m;
    else this.models.push(m);
    for (const n of [m.name, withoutOrg(m.name), ...m.aliases]) this.modelsByKey.set(nameKey(n), m);
  }

  findHardware(name: string): HardwareSpec | undefined {
    return this.hardwareByKey.get(nameKey(name));
  }

  findModel(name: string): ModelSpec | undefined {
    return this.modelsByKey.get(nameKey(name)) ?? this.modelsByKey.get(nameKey(withoutOrg(name)));
  }

  resolveHardware(name: string): HardwareSpec {
    const h = this.findHardware(name);
    if (h) return h;
    throw new EnergyLensError('UNKNOWN_HARDWARE',
      `unknown hardware "${name}" (known: ${this.hardware.map((x) => x.name).join(', ')}); ${HOW_TO_ADD}`);
  }

  /**
   * The model's architecture. A catalog entry wins (its parameter counts replaced by the record's when given);
   * a model not in the catalog is estimated from the record's params_b / active_params_b / architecture.
   */
  resolveModel(name: string, hints?: ModelHints): ModelSpec {
    const m = this.findModel(name);
    if (m) {
      if (hints?.params_b === undefined) return m;
      return { ...m, paramsB: hints.params_b, activeParamsB: hints.active_params_b ?? Math.min(m.activeParamsB, hints.params_b) };
    }
    if (hints?.params_b !== undefined) {
      const active = hints.active_params_b ?? hints.params_b;
      const arch: Architecture = hints.architecture ?? (active < hints.params_b * 0.8 ? 'moe' : 'dense');
      return estimateModel(name, hints.params_b, active, arch);
    }
    throw new EnergyLensError('UNKNOWN_MODEL',
      `unknown model "${name}": ${HOW_TO_ADD}, or give params_b (and active_params_b, architecture) in the record`);
  }
}

let defaultCatalog: Catalog | undefined;

/** The built-in catalog (shared, created on first use). */
export function builtinCatalog(): Catalog {
  defaultCatalog ??= new Catalog();
  return defaultCatalog;
}

/** The built-in catalog extended by a user catalog file, or the built-in one when no file is given. */
export function loadCatalog(path?: string): Catalog {
  return path ? new Catalog(readUserCatalog(path)) : builtinCatalog();
}

export function resolveHardware(name: string, catalog: Catalog = builtinCatalog()): HardwareSpec {
  return catalog.resolveHardware(name);
}

export function resolveModel(name: string, record?: ModelHints, catalog: Catalog = builtinCatalog()): ModelSpec {
  return catalog.resolveModel(name, record);
}

/**
 * A row check for record validation: the hardware must be known, the model known or described by params_b, and
 * the energies within the physical bounds of the configuration's GPUs (records/bounds.ts).
 */
export function catalogCheck(catalog: Catalog = builtinCatalog()):
  (r: RecordFields) => { column: string; expected: string; got?: string }[] {
  return (r) => {
    const out: { column: string; expected: string; got?: string }[] = [];
    const hw = catalog.findHardware(r.hardware);
    if (hw) out.push(...energyBoundProblems(r, hw.boardPowerW));
    if (!hw) {
      out.push({ column: 'hardware', expected: `a known accelerator or alias (known: ${catalog.hardware.map((x) => x.name).join(', ')}; ${HOW_TO_ADD})`, got: r.hardware });
    }
    if (!catalog.findModel(r.model) && r.params_b === undefined) {
      out.push({ column: 'model', expected: `a catalog model, or params_b in the row (${HOW_TO_ADD})`, got: r.model });
    }
    return out;
  };
}
