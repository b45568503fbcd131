/**
 * A user catalog file extends the built-in hardware and model tables:
 *   { "hardware": [ { "name", "memoryGB", "hbmBandwidthTBs", "denseBf16Tflops", "boardPowerW", "idlePowerW",
 *                     "interconnectGBs", optional "gpuPowerW", "aliases", "vendor", "interconnect", "fp8", "fp4", "notes" } ],
 *     "models":   [ { "name", "architecture", "paramsB", "layers", "hiddenSize", "attentionHeads", "kvHeads",
 *                     "headDim", "intermediateSize", optional "activeParamsB", "aliases", "experts", ... } ] }
 * Every problem is reported at once, each with its JSON path.
 */
import { EnergyLensError } from '../../errors.js';
import { parseJsonText, readTextFile } from '../../util/read-text.js';
import { ARCHITECTURES, PRECISIONS } from '../records/schema.js';
import type { HardwareSpec } from './hardware.js';
import { defineModel, type ModelSpec, type VisionSpec } from './model-spec.js';

export interface UserCatalog {
  hardware: HardwareSpec[];
  models: ModelSpec[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly problems: string[] = [];
  constructor(private readonly o: Obj, private readonly path: string) {}
  private bad(key: string, expected: string): void {
    this.problems.push(`${this.path}.${key}: expected ${expected}, got ${JSON.stringify(this.o[key]) ?? 'nothing'}`);
  }
  num(key: string, opts: { optional?: boolean; min?: number; integer?: boolean } = {}): number | undefined {
    const v = this.o[key];
    if (v === undefined && opts.optional) return undefined;
    const min = opts.min ?? Number.MIN_VALUE;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (opts.integer && !Number.isInteger(v))) {
      this.bad(key, `${opts.integer ? 'an integer' : 'a number'} ${min === 0 ? '>= 0' : '> 0'}`);
      return undefined;
    }
    return v;
  }
  str(key: string, opts: { optional?: boolean; oneOf?: readonly string[] } = {}): string | undefined {
    const v = this.o[key];
    if (v === undefined && opts.optional) return undefined;
    if (typeof v !== 'string' || v.trim() === '' || (opts.oneOf && !opts.oneOf.includes(v))) {
      this.bad(key, opts.oneOf ? `one of ${opts.oneOf.join(', ')}` : 'a non-empty string');
      return undefined;
    }
    return v;
  }
  strings(key: string): string[] {
    const v = this.o[key];
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
      this.bad(key, 'an array of strings');
      return [];
    }
    return v as string[];
  }
  bool(key: string): boolean {
    const v = this.o[key];
    if (v === undefined) return false;
    if (typeof v !== 'boolean') this.bad(key, 'true or false');
    return v === true;
  }
}

function hardwareFrom(o: Obj, path: string, problems: string[]): HardwareSpec | undefined {
  const c = new Checker(o, path);
  const h = {
    name: c.str('name'), vendor: c.str('vendor', { optional: true }) ?? '', memoryGB: c.num('memoryGB'),
    hbmBandwidthTBs: c.num('hbmBandwidthTBs'), denseBf16Tflops: c.num('denseBf16Tflops'), boardPowerW: c.num('boardPowerW'),
    gpuPowerW: c.num('gpuPowerW', { optional: true }),
    idlePowerW: c.num('idlePowerW', { min: 0 }), interconnect: c.str('interconnect', { optional: true }) ?? '',
    interconnectGBs: c.num('interconnectGBs'), fp8: c.bool('fp8'), fp4: c.bool('fp4'), aliases: c.strings('aliases'),
    notes: c.str('notes', { optional: true }) ?? 'user catalog',
  };
  if (h.idlePowerW !== undefined && h.boardPowerW !== undefined && h.idlePowerW >= h.boardPowerW) {
    c.problems.push(`${path}.idlePowerW: expected less than boardPowerW (${h.boardPowerW}), got ${h.idlePowerW}`);
  }
  if (h.gpuPowerW !== undefined && h.boardPowerW !== undefined && h.gpuPowerW > h.boardPowerW) {
    c.problems.push(`${path}.gpuPowerW: expected at most boardPowerW (${h.boardPowerW}), got ${h.gpuPowerW}`);
  }
  if (h.gpuPowerW !== undefined && h.idlePowerW !== undefined && h.idlePowerW >= h.gpuPowerW) {
    c.problems.push(`${path}.idlePowerW: expected less than gpuPowerW (${h.gpuPowerW}), got ${h.idlePowerW}`);
  }
  problems.push(...c.problems);
  return c.problems.length === 0 ? (h as HardwareSpec) : undefined;
}

function modelFrom(o: Obj, path: string, problems: string[]): ModelSpec | undefined {
  const c = new Checker(o, path);
  const int = { integer: true };
  const opt = { optional: true, min: 0 };
  const paramsB = c.num('paramsB');
  let vision: VisionSpec | undefined;
  if (o.vision !== undefined) {
    if (!isObj(o.vision)) c.problems.push(`${path}.vision: expected an object`);
    else {
      const v = new Checker(o.vision, `${path}.vision`);
      const enc = v.num('encoderParamsB');
      const tpi = v.num('tokensPerImage');
      const tpv = v.num('tokensPerVideo', { optional: true, min: 0 }) ?? 0;
      c.problems.push(...v.problems);
      if (enc !== undefined && tpi !== undefined) vision = { encoderParamsB: enc, tokensPerImage: tpi, tokensPerVideo: tpv };
    }
  }
  const fields = {
    name: c.str('name'), aliases: c.strings('aliases'),
    architecture: c.str('architecture', { oneOf: ARCHITECTURES }) as ModelSpec['architecture'],
    paramsB, activeParamsB: c.num('activeParamsB', { optional: true }) ?? paramsB,
    layers: c.num('layers', int), hiddenSize: c.num('hiddenSize', int), attentionHeads: c.num('attentionHeads', int),
    kvHeads: c.num('kvHeads', int), headDim: c.num('headDim', int), intermediateSize: c.num('intermediateSize', int),
    experts: c.num('experts', opt), activeExperts: c.num('activeExperts', opt), attentionLayers: c.num('attentionLayers', opt),
    slidingWindowLayers: c.num('slidingWindowLayers', opt), slidingWindowTokens: c.num('slidingWindowTokens', opt),
    kvElementsPerTokenPerLayer: c.num('kvElementsPerTokenPerLayer', { optional: true }), ssmLayers: c.num('ssmLayers', opt),
    ssmStateElementsPerLayer: c.num('ssmStateElementsPerLayer', opt),
    defaultPrecision: c.str('defaultPrecision', { optional: true, oneOf: PRECISIONS }) as ModelSpec['defaultPrecision'] | undefined,
    approximate: c.str('approximate', { optional: true }) ?? '', vision,
  };
  if (fields.paramsB !== undefined && fields.activeParamsB !== undefined && fields.activeParamsB > fields.paramsB) {
    c.problems.push(`${path}.activeParamsB: expected at most paramsB (${fields.paramsB}), got ${fields.activeParamsB}`);
  }
  problems.push(...c.problems);
  if (c.problems.length > 0) return undefined;
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return defineModel(defined as unknown as Parameters<typeof defineModel>[0]);
}

/** Parses and checks a user catalog object; `source` names it in messages. */
export function parseUserCatalog(json: unknown, source: string): UserCatalog {
  const problems: string[] = [];
  const out: UserCatalog = { hardware: [], models: [] };
  if (!isObj(json)) throw new EnergyLensError('INVALID_CATALOG', `${source}: expected a JSON object with "hardware" and/or "models" arrays`);
  for (const key of Object.keys(json)) {
    if (key !== 'hardware' && key !== 'models') problems.push(`${key}: unknown key (expected "hardware" or "models")`);
  }
  for (const [key, build] of [['hardware', hardwareFrom], ['models', modelFrom]] as const) {
    const list = json[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push(`${key}: expected an array`);
      continue;
    }
    list.forEach((item, i) => {
      if (!isObj(item)) {
        problems.push(`${key}[${i}]: expected an object`);
        return;
      }
      const built = build(item, `${key}[${i}]`, problems);
      if (built) (out[key] as unknown[]).push(built);
    });
  }
  if (problems.length > 0) {
    throw new EnergyLensError('INVALID_CATALOG', `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n  ${problems.join('\n  ')}`, { problems });
  }
  return out;
}

/** Reads a user catalog JSON file. */
export function readUserCatalog(path: string): UserCatalog {
  return parseUserCatalog(parseJsonText(readTextFile(path, 'catalog file', 'INVALID_CATALOG'), path, 'INVALID_CATALOG'), path);
}
