/**
 * The profiling simulator: sweeps models x hardware x TP x PP x batch x input x output through the physics of
 * physics.ts, adds seeded multiplicative measurement noise, and returns records plus every configuration that
 * does not fit (never silently dropped).
 */
import { EnergyLensError } from '../../errors.js';
import { builtinCatalog, type Catalog } from '../catalog/catalog.js';
import type { ModelSpec } from '../catalog/model-spec.js';
import { PRECISIONS, MODALITIES, type Modality, type Precision, type ProfilingRecord } from '../records/schema.js';
import { DEFAULT_PHYSICS, visionTokensFor, type PhysicsConstants } from '../physics/index.js';
import { estimateServing } from './physics.js';
import { createRng } from '../../sr/index.js';

export interface SimulateOptions {
  models: string[];
  hardware: string[];
  tp: number[];
  pp: number[];
  /** concurrent sequences */
  batch: number[];
  /** text prompt tokens per request (vision tokens are added for image and video) */
  input: number[];
  output: number[];
  /** weight precision for every model; default: each model's own */
  precision?: Precision;
  modality: Modality;
  /** standard deviation of the log of the multiplicative noise on energy and on time (0: none) */
  noise: number;
  seed: number;
  catalog?: Catalog;
  physics?: PhysicsConstants;
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_SIMULATE_OPTIONS: Readonly<Omit<SimulateOptions, 'catalog' | 'physics' | 'onProgress' | 'precision'>> = {
  models: ['meta-llama/Llama-3.1-8B-Instruct', 'meta-llama/Llama-3.1-70B-Instruct', 'Qwen/Qwen3-30B-A3B-Instruct-2507'],
  hardware: ['H100', 'B200'],
  tp: [1, 2, 4, 8],
  pp: [1, 2, 4],
  batch: [1, 8, 32, 128],
  input: [512, 2048],
  output: [256],
  modality: 'text',
  noise: 0.03,
  seed: 0,
};

export interface InfeasibleConfig {
  model: string;
  hardware: string;
  tp: number;
  pp: number;
  batch: number;
  input_tokens: number;
  output_tokens: number;
  precision: Precision;
  reason: string;
}

/** A configuration that runs near or over its KV-cache pool (its record's batch is what runs at once). */
export interface NearLimitConfig extends Omit<InfeasibleConfig, 'reason'> {
  warning: string;
}

export interface SimulateResult {
  records: ProfilingRecord[];
  infeasible: InfeasibleConfig[];
  /** configurations recorded with a memory warning (the engine preempts, or the memory is nearly full) */
  nearLimit: NearLimitConfig[];
}

function positiveList(name: string, v: unknown, integer: boolean): void {
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x) || x <= 0 || (integer && !Number.isInteger(x)))) {
    throw new EnergyLensError('INVALID_OPTION', `options.${name} must be a non-empty list of ${integer ? 'positive integers' : 'positive numbers'}`);
  }
}

export function resolveSimulateOptions(o: Partial<SimulateOptions>): SimulateOptions {
  const r = { ...DEFAULT_SIMULATE_OPTIONS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as SimulateOptions;
  for (const k of ['models', 'hardware'] as const) {
    if (!Array.isArray(r[k]) || r[k].length === 0 || r[k].some((s) => typeof s !== 'string' || s.trim() === '')) {
      throw new EnergyLensError('INVALID_OPTION', `options.${k} must be a non-empty list of names`);
    }
  }
  for (const k of ['tp', 'pp', 'batch', 'input', 'output'] as const) positiveList(k, r[k], k === 'tp' || k === 'pp');
  if (!(typeof r.noise === 'number' && r.noise >= 0 && r.noise <= 1)) throw new EnergyLensError('INVALID_OPTION', 'options.noise must be a number in [0, 1]');
  if (!Number.isInteger(r.seed)) throw new EnergyLensError('INVALID_OPTION', 'options.seed must be an integer');
  if (r.precision !== undefined && !PRECISIONS.includes(r.precision)) throw new EnergyLensError('INVALID_OPTION', `options.precision must be one of ${PRECISIONS.join(', ')}`);
  if (!MODALITIES.includes(r.modality)) throw new EnergyLensError('INVALID_OPTION', `options.modality must be one of ${MODALITIES.join(', ')}`);
  return r;
}


const round = (x: number, digits = 6): number => Number(x.toPrecision(digits));

export function simulate(options: Partial<SimulateOptions> = {}): SimulateResult {
  const o = resolveSimulateOptions(options);
  const catalog = o.catalog ?? builtinCatalog();
  const physics = o.physics ?? DEFAULT_PHYSICS;
  const models = o.models.map((n) => catalog.resolveModel(n));
  const hardware = o.hardware.map((n) => catalog.resolveHardware(n));
  for (const m of models) {
    if (o.modality !== 'text' && visionTokensFor(m, o.modality) === 0) {
      throw new EnergyLensError('INVALID_OPTION', `model "${m.name}" takes no ${o.modality} input (its catalog entry has no vision ${o.modality} tokens)`);
    }
  }
  const rng = createRng(o.seed);
  const records: ProfilingRecord[] = [];
  const infeasible: InfeasibleConfig[] = [];
  const nearLimit: NearLimitConfig[] = [];
  const total = models.length * hardware.length * o.tp.length * o.pp.length * o.batch.length * o.input.length * o.output.length;
  let done = 0;
  for (const m of models) for (const hw of hardware) for (const tp of o.tp) for (const pp of o.pp) {
    for (const batch of o.batch) for (const input of o.input) for (const output of o.output) {
      const precision = o.precision ?? m.defaultPrecision;
      const visionTokens = visionTokensFor(m, o.modality);
      const ep = m.experts > 0 ? tp : 1;
      const est = estimateServing({ model: m, hardware: hw, tp, pp, dp: 1, ep, numGpus: tp * pp, batch, inputTokens: input + visionTokens, outputTokens: output, precision, visionTokens }, physics);
      // draw noise for every configuration, so a configuration's noise does not depend on which others fit
      const fe = Math.exp(o.noise * rng.normal());
      const ft = Math.exp(o.noise * rng.normal());
      done += 1;
      if (done % 64 === 0 || done === total) o.onProgress?.(done, total);
      if (!est.feasible) {
        infeasible.push({ model: m.name, hardware: hw.name, tp, pp, batch, input_tokens: input + visionTokens, output_tokens: output, precision, reason: est.infeasibleReason ?? 'does not fit' });
        continue;
      }
      if (est.memory.warning) nearLimit.push({ model: m.name, hardware: hw.name, tp, pp, batch, input_tokens: input + visionTokens, output_tokens: output, precision, warning: est.memory.warning });
      // the sequences decoded at once: the batch, or what the KV pool holds when the engine preempts the rest
      const running = Math.min(batch, est.memory.concurrentSequences);
      const prefillEnergyJ = est.prefillEnergyJ * fe;
      const decodeEnergyJ = est.decodeEnergyJ * fe;
      const energyJ = prefillEnergyJ + decodeEnergyJ;
      const throughputTokS = est.throughputTokS / ft;
      records.push({
        model: m.name, hardware: hw.name, tp, pp, batch: running, output_tokens: output, energy_j: round(energyJ),
        input_tokens: input + visionTokens, ep, dp: 1, num_gpus: tp * pp, max_batch: Math.ceil(batch), precision,
        params_b: m.paramsB, active_params_b: m.activeParamsB,
        architecture: m.architecture === 'dense' && o.modality !== 'text' ? 'vlm' : m.architecture,
        modality: o.modality, workload: 'simulated',
        prefill_energy_j: round(prefillEnergyJ), decode_energy_j: round(decodeEnergyJ),
        ttft_s: round(est.ttftS * ft), tpot_s: round(est.tpotS * ft), throughput_tok_s: round(throughputTokS),
        avg_power_w: round((energyJ * throughputTokS) / output), source: 'simulator',
      });
    }
  }
  return { records, infeasible, nearLimit };
}
