/**
 * Physical features of a serving configuration, derived from a profiling record and the catalogs. They are the
 * inputs of the closed-form energy model (closed-form.ts) and of structure discovery (discover.ts). Units are
 * in the names; docs/energy-model.md lists every feature with its formula.
 *
 * A decode step advances every running sequence by one token. Per step the configuration reads its weights
 * (each data-parallel replica its own copy; an MoE reads the experts its tokens touch), reads each sequence's
 * KV cache (and state-space state), computes 2 FLOPs per active parameter per sequence plus attention, and runs
 * collectives: all-reduces across the tensor degree, all-to-alls across the expert degree, point-to-point sends
 * between pipeline stages.
 */
import { EnergyLensError } from '../../errors.js';
import { builtinCatalog, type Catalog } from '../catalog/catalog.js';
import type { HardwareSpec } from '../catalog/hardware.js';
import type { ModelSpec } from '../catalog/model-spec.js';
import type { Precision, ProfilingRecord } from '../records/schema.js';
import { gpuCount } from '../records/schema.js';
import {
  BYTES_PER_PARAM, DEFAULT_PHYSICS, TASK_INPUT_TOKENS, attentionFlopsPerToken, checkMemory, computeMultiplier, effectiveTp,
  expertsTouchedFraction, kvCacheBytes, paramSplit, promptTokens, ssmFlopsPerToken, ssmStateBytes, visionTokensFor,
  type MemoryCheck, type ServingConfig,
} from '../physics/index.js';

/** The configuration a feature vector describes (a record, or a candidate in `select`). */
export interface ConfigurationInput {
  model: string;
  hardware: string;
  tp: number;
  pp: number;
  ep?: number;
  dp?: number;
  num_gpus?: number;
  /** mean concurrent sequences, whole configuration */
  batch: number;
  output_tokens: number;
  /** text and vision prompt tokens per request; undefined: unknown (an assumption per workload is used) */
  input_tokens?: number;
  precision?: Precision;
  params_b?: number;
  active_params_b?: number;
  architecture?: ProfilingRecord['architecture'];
  modality?: ProfilingRecord['modality'];
  workload?: string;
}

export interface EnergyFeatures {
  gpus: number;
  /** tensor degree the dense layers run at: max(tp, gpus / (pp * dp)) */
  tensorDegree: number;
  pipelineDegree: number;
  expertDegree: number;
  /** copies of the dense weights per pipeline stage (data-parallel replicas) */
  replicas: number;
  batch: number;
  outputTokens: number;
  inputTokens: number;
  /** true when input_tokens came from the record, false when it is the workload's assumption */
  inputTokensKnown: boolean;
  /** mean context a decoding sequence attends over: input + output / 2 (tokens) */
  contextTokens: number;
  layers: number;
  hiddenSize: number;
  /** total and active (per token) parameters of the model, billions */
  paramsB: number;
  activeParamsB: number;
  /** weight bytes one GPU holds */
  weightBytesPerGpu: number;
  /** weight bytes read per decode step, all GPUs (MoE: the experts the step's tokens touch) */
  weightBytesPerStep: number;
  /** of which routed-expert bytes */
  expertBytesPerStep: number;
  /** KV-cache and state bytes read per decode step, all GPUs */
  cacheBytesPerStep: number;
  /** FLOPs per generated token: 2 x active parameters + attention + state-space work */
  flopsPerToken: number;
  /** FLOPs per prompt token in prefill (attention at half the prompt) */
  prefillFlopsPerToken: number;
  /** KV-cache bytes one token adds, all layers */
  kvBytesPerToken: number;
  /** all-reduce and all-to-all bytes per decode step, all GPUs */
  commBytesPerStep: number;
  /** collective hops per decode step (latency-bound part): tensor all-reduce ring steps, 4 L (t - 1) */
  tensorHopsPerStep: number;
  /** expert all-to-all peers per decode step, 2 L_moe (ep - 1) */
  expertHopsPerStep: number;
  /** pipeline hops per decode step: pp - 1 */
  pipelineHopsPerStep: number;
  /** sequences each engine (data-parallel replica) schedules per step */
  sequencesPerEngine: number;
  /** per GPU */
  hbmBandwidthBs: number;
  peakFlopsS: number;
  linkBandwidthBs: number;
  idlePowerW: number;
  boardPowerW: number;
  /**
   * ideal times of one decode step at 100 % of the spec sheet, milliseconds: reading dense weights and the KV
   * cache, reading routed experts, computing
   */
  denseMemoryMs: number;
  expertMemoryMs: number;
  computeMs: number;
  /** ideal prefill compute time per request, milliseconds (all GPUs working) */
  prefillMs: number;
  /**
   * weights (vision encoder included) plus the KV cache and state of the batch per GPU, against its memory
   * (1 = full): the simulator's memory check (physics/memory.ts) with the whole memory as the budget
   */
  memoryFraction: number;
  /**
   * the serving engine's memory check (simulator/memory.ts, at its default utilisation): false only when the
   * configuration cannot run (weights, or one full-context sequence, do not fit); `memoryNote` says why, or warns
   * when the batch outgrows the KV-cache pool (the engine preempts) or the memory is nearly full
   */
  memoryFits: boolean;
  memoryNote: string | null;
}

/** One token's activations travel in bf16. */
const ACTIVATION_BYTES_PER_ELEMENT = 2;
const KV_BYTES_PER_ELEMENT = 2;

export interface FeatureContext {
  catalog?: Catalog;
  /** assumed prompt tokens per workload when a record has none (default: TASK_INPUT_TOKENS) */
  inputTokens?: Readonly<Record<string, number>>;
}

/** Where a feature vector comes from, for error messages. */
export interface FeaturePlace {
  file?: string;
  row?: number;
}

function resolve(c: ConfigurationInput, catalog: Catalog): { m: ModelSpec; hw: HardwareSpec } {
  const hw = catalog.resolveHardware(c.hardware);
  const m = catalog.resolveModel(c.model, { params_b: c.params_b, active_params_b: c.active_params_b, architecture: c.architecture });
  return { m, hw };
}

export function configurationFeatures(c: ConfigurationInput, ctx: FeatureContext = {}, place: FeaturePlace = {}): EnergyFeatures {
  const where = place.file ? `${place.file}${place.row !== undefined ? `, row ${place.row}` : ''}: ` : '';
  let spec: { m: ModelSpec; hw: HardwareSpec };
  try {
    spec = resolve(c, ctx.catalog ?? builtinCatalog());
  } catch (err) {
    if (err instanceof EnergyLensError) throw new EnergyLensError(err.code, `${where}${err.message}`);
    throw err;
  }
  const { m, hw } = spec;
  const precision = c.precision ?? m.defaultPrecision;
  const bpp = BYTES_PER_PARAM[precision];
  const G = gpuCount(c);
  const pp = c.pp;
  const dp = c.dp ?? 1;
  const ep = c.ep ?? 1;
  const t = effectiveTp({ tp: c.tp, pp, dp, numGpus: G });
  const gStage = G / pp;
  const replicas = Math.max(1, gStage / t);
  const expertSpan = Math.min(gStage, Math.max(ep, t));
  const expertCopies = Math.max(1, gStage / expertSpan);
  const split = paramSplit(m);
  const moe = split.expertsB > 0;
  const known = c.input_tokens !== undefined;
  const inputTokens = promptTokens(c, m, ctx.inputTokens ? { ...TASK_INPUT_TOKENS, ...ctx.inputTokens } : TASK_INPUT_TOKENS);
  const ctxTokens = inputTokens + c.output_tokens / 2;
  const B = c.batch;

  const denseBytes = replicas * split.denseB * 1e9 * bpp;
  // Measured on ML.ENERGY v3: FP8 MoE checkpoints are neither faster nor more frugal per decode step than their
  // BF16 versions (their block-scaled experts run through dequantising grouped-GEMM kernels), so routed-expert
  // traffic is counted at bf16 cost for FP8. Storage (weightBytesPerGpu, memoryFraction) keeps the real size.
  const expertTrafficBpp = precision === 'fp8' ? BYTES_PER_PARAM.bf16 : bpp;
  const expertBytes = moe ? expertCopies * expertsTouchedFraction(m, B / expertCopies) * split.expertsB * 1e9 * expertTrafficBpp : 0;
  const perSeqCache = kvCacheBytes(m, ctxTokens, KV_BYTES_PER_ELEMENT) + 2 * ssmStateBytes(m, KV_BYTES_PER_ELEMENT);
  const cacheBytes = B * perSeqCache;
  const flopsPerToken = 2 * m.activeParamsB * 1e9 + attentionFlopsPerToken(m, ctxTokens) + ssmFlopsPerToken(m);
  const prefillFlopsPerToken = 2 * m.activeParamsB * 1e9 + attentionFlopsPerToken(m, inputTokens / 2) + ssmFlopsPerToken(m);
  const actBytes = m.hiddenSize * ACTIVATION_BYTES_PER_ELEMENT;
  const moeLayers = moe ? m.layers : 0;
  // ring all-reduce: each of the t ranks of a group sends 2 (t - 1) / t of the message (the group's sequences'
  // activations), two all-reduces per layer; summed over groups that is 2 (t - 1) B activations per all-reduce.
  // All-to-all: (ep - 1) / ep of each routed token copy leaves its GPU, dispatch and combine.
  const arBytes = 2 * m.layers * 2 * (t - 1) * B * actBytes;
  const a2aBytes = moe && ep > 1 ? 2 * moeLayers * ((ep - 1) / ep) * B * m.activeExperts * actBytes : 0;
  const commBytes = arBytes + a2aBytes;

  const bw = hw.hbmBandwidthTBs * 1e12;
  const peak = hw.denseBf16Tflops * 1e12 * computeMultiplier(precision, hw);
  const weightBytesPerGpu = (split.denseB * 1e9 * bpp) / (t * pp) + (split.expertsB * 1e9 * bpp) / (expertSpan * pp);
  const serving = servingConfig(c, m, hw, ctx);
  const memory = checkMemory(serving, DEFAULT_PHYSICS);
  return {
    gpus: G, tensorDegree: t, pipelineDegree: pp, expertDegree: ep, replicas,
    batch: B, outputTokens: c.output_tokens, inputTokens, inputTokensKnown: known, contextTokens: ctxTokens,
    layers: m.layers, hiddenSize: m.hiddenSize, paramsB: m.paramsB, activeParamsB: m.activeParamsB,
    weightBytesPerGpu, weightBytesPerStep: denseBytes + expertBytes, expertBytesPerStep: expertBytes, cacheBytesPerStep: cacheBytes,
    flopsPerToken, prefillFlopsPerToken, kvBytesPerToken: kvCacheBytes(m, 1, KV_BYTES_PER_ELEMENT),
    commBytesPerStep: commBytes, tensorHopsPerStep: 4 * m.layers * (t - 1), expertHopsPerStep: moe && ep > 1 ? 2 * moeLayers * (ep - 1) : 0,
    pipelineHopsPerStep: pp - 1,
    sequencesPerEngine: B / dp,
    hbmBandwidthBs: bw, peakFlopsS: peak, linkBandwidthBs: hw.interconnectGBs * 1e9, idlePowerW: hw.idlePowerW, boardPowerW: hw.boardPowerW,
    // a step's stages run one after another for a sequence: the step takes pp stage times of 1/pp of the work
    denseMemoryMs: (1e3 * pp * (denseBytes + cacheBytes)) / (G * bw),
    expertMemoryMs: (1e3 * pp * expertBytes) / (G * bw),
    computeMs: (1e3 * pp * B * flopsPerToken) / (G * peak),
    prefillMs: (1e3 * inputTokens * prefillFlopsPerToken) / (G * peak),
    memoryFraction: memoryFraction(serving),
    memoryFits: memory.feasible,
    memoryNote: memory.reason ?? memory.warning ?? null,
  };
}

/**
 * The serving engine's memory check of a configuration (simulator/memory.ts): weights, then KV-cache blocks up
 * to `memoryUtilisation` of each GPU's memory (default 0.9, vLLM's), preemption when the batch outgrows them.
 */
export function configurationMemory(c: ConfigurationInput, ctx: FeatureContext = {}, memoryUtilisation = DEFAULT_PHYSICS.memoryUtilisation): MemoryCheck {
  const { m, hw } = resolve(c, ctx.catalog ?? builtinCatalog());
  return checkMemory(servingConfig(c, m, hw, ctx), { ...DEFAULT_PHYSICS, memoryUtilisation });
}

function servingConfig(c: ConfigurationInput, m: ModelSpec, hw: HardwareSpec, ctx: FeatureContext): ServingConfig {
  const inputTokens = promptTokens(c, m, ctx.inputTokens ? { ...TASK_INPUT_TOKENS, ...ctx.inputTokens } : TASK_INPUT_TOKENS);
  return {
    model: m, hardware: hw, tp: c.tp, pp: c.pp, dp: c.dp ?? 1, ep: c.ep ?? 1, numGpus: gpuCount(c), batch: c.batch, inputTokens,
    outputTokens: c.output_tokens, precision: c.precision ?? m.defaultPrecision, visionTokens: visionTokensFor(m, c.modality ?? 'text'),
  };
}

/** The simulator's physics with the whole GPU memory as the budget. */
const WHOLE_MEMORY = { ...DEFAULT_PHYSICS, memoryUtilisation: 1, reservedMemoryGB: 0 };

/** Budget-free memory check: weights, KV cache and state per GPU over the GPU's whole memory. */
function memoryFraction(c: ServingConfig): number {
  const mem = checkMemory(c, WHOLE_MEMORY);
  return (mem.weightsGB + mem.cacheGB) / mem.budgetGB;
}

/** The fields of a configuration its features depend on, as one key: records with equal keys have equal features. */
export function configurationKey(c: ConfigurationInput): string {
  return `${c.model}\u0000${c.hardware}\u0000${c.tp}\u0000${c.pp}\u0000${c.ep}\u0000${c.dp}\u0000${c.num_gpus}\u0000${c.batch}\u0000${c.output_tokens}\u0000${c.input_tokens}\u0000${c.precision}\u0000${c.params_b}\u0000${c.active_params_b}\u0000${c.architecture}\u0000${c.modality}\u0000${c.workload}`;
}

/**
 * Features of every record, or a clear error naming the record's (first such) row. Records that describe the
 * same configuration (a profiling campaign repeats each one) share one features object, computed once: time and
 * memory grow with the distinct configurations, not with the records. The objects are shared: do not modify them.
 */
export function recordFeatures(records: readonly ConfigurationInput[], ctx: FeatureContext = {}, file?: string, firstRow = 1): EnergyFeatures[] {
  const seen = new Map<string, EnergyFeatures>();
  const out = new Array<EnergyFeatures>(records.length);
  for (let i = 0; i < records.length; i++) {
    const key = configurationKey(records[i]);
    let f = seen.get(key);
    if (f === undefined) {
      f = configurationFeatures(records[i], ctx, { file, row: firstRow + i });
      seen.set(key, f);
    }
    out[i] = f;
  }
  return out;
}
