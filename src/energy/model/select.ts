/**
 * Configuration selection: every feasible TP x PP (x EP for mixture-of-experts models) x batch configuration of
 * a model on an accelerator, ranked by predicted energy per output token. Configurations that do not fit in
 * memory are listed with the reason, never silently dropped; the fastest configuration (where the model's
 * latency part is fitted) is marked, and whether it differs from the most frugal one.
 */
import { EnergyLensError } from '../../errors.js';
import { builtinCatalog, type Catalog } from '../catalog/catalog.js';
import type { Precision } from '../records/schema.js';
import { configurationMemory, type ConfigurationInput } from './features.js';
import type { EnergyModel } from './model-file.js';
import { predictEnergy, type AppliedStack, type EnergyPrediction } from './predict.js';
import type { AppliedSeriesEffect } from './series-posteriors.js';
import { widestInterval } from '../profiler/adaptive.js';

export interface SelectOptions {
  llm: string;
  hardware: string;
  inputTokens: number;
  outputTokens: number;
  /** largest number of GPUs (default 8) */
  maxGpus?: number;
  /** concurrent sequences to consider (default 1, 8, 16, 32, 64, 128, 256) */
  batch?: readonly number[];
  tp?: readonly number[];
  pp?: readonly number[];
  precision?: Precision;
  /** time-per-output-token objective: configurations predicted slower are marked as missing it */
  sloTpotMs?: number;
  /** fraction of GPU memory the serving engine may fill (default 0.9, vLLM's default) */
  memoryUtilisation?: number;
  workload?: string;
  /** the serving stack (the model's stack column, e.g. framework): a model with a stack fallback applies its chosen structure only to a stack it was fitted on (default: the model's only stack when it was fitted on one, else none, so the physics fit) */
  stack?: string;
  catalog?: Catalog;
}

export interface Candidate {
  tp: number;
  pp: number;
  ep: number;
  gpus: number;
  batch: number;
  /** the sequences that run at once: the batch, or fewer when the KV-cache pool holds fewer (predicted there) */
  runningBatch: number;
  energyPerTokenJ: number;
  energyPerTokenLowJ: number;
  energyPerTokenHighJ: number;
  /** the 95 % interval as a factor: the prediction times or divided by this (sqrt of high over low) */
  intervalFactor: number;
  energyJ: number;
  tpotMs: number | null;
  /** false when the predicted time per token misses sloTpotMs */
  meetsSlo: boolean;
  extrapolation: string[];
  rank: number;
  /** the series effect applied (null: the model has no series section) */
  series: AppliedSeriesEffect | null;
}

export interface Infeasible {
  tp: number;
  pp: number;
  ep: number;
  batch: number;
  reason: string;
}

export interface Selection {
  llm: string;
  hardware: string;
  candidates: Candidate[];
  infeasible: Infeasible[];
  /** lowest predicted energy per token among candidates meeting the SLO (or all, without an SLO) */
  mostFrugal: Candidate | null;
  /** lowest predicted time per token; null without a fitted latency part */
  fastest: Candidate | null;
  /** true when the fastest and the most frugal configuration are not the same */
  fastestDiffers: boolean;
  /**
   * the fastest configuration at the most frugal one's batch (and meeting the SLO, when there is one): the
   * comparison that matters, parallel layouts at the same load; null without a latency model
   */
  fastestAtBatch: Candidate | null;
  /**
   * the configuration whose measurement would narrow the model's intervals most: the widest 95 % interval
   * relative to its value (the profiler's adaptive rule, profiler/adaptive.ts)
   */
  mostInformative: Candidate | null;
  latencyModel: boolean;
  /** the series effect at the most frugal configuration (null: the model has no series section) */
  series: AppliedSeriesEffect | null;
  /** which fit applied, with a stack fallback (null: the model has none) */
  stack: AppliedStack | null;
}

/** Concurrent sequences considered when the caller names none. */
export const DEFAULT_BATCHES: readonly number[] = [1, 8, 16, 32, 64, 128, 256];
const powersOfTwo = (max: number): number[] => [1, 2, 4, 8, 16, 32, 64].filter((v) => v <= max);

export function selectConfigurations(model: EnergyModel, o: SelectOptions): Selection {
  const catalog = o.catalog ?? builtinCatalog();
  const spec = catalog.resolveModel(o.llm);
  catalog.resolveHardware(o.hardware);
  const maxGpus = o.maxGpus ?? 8;
  for (const [name, v] of [['inputTokens', o.inputTokens], ['outputTokens', o.outputTokens], ['maxGpus', maxGpus]] as const) {
    if (!Number.isFinite(v) || v < (name === 'inputTokens' ? 0 : 1)) throw new EnergyLensError('INVALID_OPTION', `${name} must be a ${name === 'inputTokens' ? 'non-negative' : 'positive'} number, got ${v}`);
  }
  const batches = o.batch ?? DEFAULT_BATCHES;
  if (batches.length === 0 || batches.some((b) => !(b > 0))) throw new EnergyLensError('INVALID_OPTION', `batch sizes must be positive, got ${batches.join(',')}`);
  const moe = spec.experts > 0;
  const util = o.memoryUtilisation ?? 0.9;
  // the configurations run on the user's stack: the one given, or the only one the model was fitted on
  const fb = model.stackFallback;
  const stackValue = o.stack ?? (fb?.seen?.length === 1 ? fb.seen[0] : undefined);
  const stack = fb?.column !== undefined && stackValue !== undefined ? { [fb.column]: stackValue } : {};
  const configs: ConfigurationInput[] = [];
  const infeasible: Infeasible[] = [];
  for (const tp of o.tp ?? powersOfTwo(maxGpus)) {
    for (const pp of o.pp ?? powersOfTwo(maxGpus)) {
      if (tp * pp > maxGpus) continue;
      // a mixture-of-experts model may also spread its experts over the tensor group (expert parallelism)
      for (const ep of moe && tp > 1 ? [1, tp] : [1]) {
        for (const batch of batches) {
          const base = { tp, pp, ep, batch };
          if (tp > spec.attentionHeads || spec.attentionHeads % tp !== 0) { infeasible.push({ ...base, reason: `tp ${tp} does not divide the ${spec.attentionHeads} attention heads` }); continue; }
          if (pp > spec.layers) { infeasible.push({ ...base, reason: `pp ${pp} exceeds the ${spec.layers} layers` }); continue; }
          configs.push({
            model: o.llm, hardware: o.hardware, tp, pp, ep, dp: 1, num_gpus: tp * pp, batch,
            input_tokens: o.inputTokens, output_tokens: o.outputTokens, precision: o.precision ?? spec.defaultPrecision, workload: o.workload, ...stack,
          });
        }
      }
    }
  }
  // what a serving engine does: the weights must fit, and a batch larger than the KV-cache pool runs with the
  // sequences the pool holds (the engine preempts the rest), so it is predicted at that running batch, with a warning
  const memories = configs.map((c) => configurationMemory(c, { catalog }, util));
  const runnable = configs.filter((c, i) => {
    if (memories[i].feasible) return true;
    infeasible.push({ tp: c.tp, pp: c.pp, ep: c.ep ?? 1, batch: c.batch, reason: memories[i].reason ?? 'does not fit in GPU memory' });
    return false;
  });
  const runMemory = memories.filter((m) => m.feasible);
  const preds = predictEnergy(model, runnable.map((c, i) => ({ ...c, batch: Math.min(c.batch, Math.max(1, runMemory[i].concurrentSequences)) })), { catalog });
  const candidates: Candidate[] = [];
  runnable.forEach((c, i) => {
    const p: EnergyPrediction = preds[i];
    const memory = runMemory[i];
    const tpotMs = p.tpotS === null ? null : p.tpotS * 1e3;
    const notes = p.extrapolation.filter((x) => !x.startsWith('near the memory limit'));
    if (memory.warning) notes.push(memory.warning);
    candidates.push({
      tp: c.tp, pp: c.pp, ep: c.ep ?? 1, gpus: c.tp * c.pp, batch: c.batch, runningBatch: Math.min(c.batch, memory.concurrentSequences),
      energyPerTokenJ: p.energyPerTokenJ, energyPerTokenLowJ: p.energyLowJ / c.output_tokens, energyPerTokenHighJ: p.energyHighJ / c.output_tokens,
      intervalFactor: Math.sqrt(p.energyHighJ / p.energyLowJ),
      energyJ: p.energyJ, tpotMs, meetsSlo: o.sloTpotMs === undefined || tpotMs === null || tpotMs <= o.sloTpotMs, extrapolation: notes, rank: 0,
      series: p.series,
    });
  });
  candidates.sort((a, b) => a.energyPerTokenJ - b.energyPerTokenJ);
  candidates.forEach((c, i) => { c.rank = i + 1; });
  const latencyModel = candidates.some((c) => c.tpotMs !== null);
  const mostFrugal = candidates.find((c) => c.meetsSlo) ?? null;
  const quickest = (among: readonly Candidate[]): Candidate | null => (latencyModel
    ? among.reduce<Candidate | null>((best, c) => (best === null || (c.tpotMs as number) < (best.tpotMs as number) ? c : best), null)
    : null);
  const fastest = quickest(candidates);
  const fastestAtBatch = mostFrugal ? quickest(candidates.filter((c) => c.batch === mostFrugal.batch && c.meetsSlo)) : null;
  const widest = widestInterval(candidates.map((c) => ({ lowJ: c.energyPerTokenLowJ, highJ: c.energyPerTokenHighJ, fits: true })));
  return {
    llm: o.llm, hardware: o.hardware, candidates, infeasible, mostFrugal, fastest,
    fastestDiffers: fastest !== null && mostFrugal !== null && fastest !== mostFrugal, fastestAtBatch,
    mostInformative: widest >= 0 ? candidates[widest] : null, latencyModel,
    series: (mostFrugal ?? candidates[0])?.series ?? null, stack: preds[0]?.stack ?? null,
  };
}
