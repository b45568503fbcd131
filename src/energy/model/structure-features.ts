/**
 * The one registry of features a structure (structure.ts) may name: the physics design columns the built-in
 * `physics` structure reads, and raw physical features of a configuration, each with its unit and meaning.
 * Structure files, `fit`, `predict` and `discover` all read feature values from here, so a name means the same
 * number everywhere.
 *
 * Each value is a function of a configuration's features (features.ts) and the row kind being predicted. No
 * feature is gated by the row kind (each kind has its own expression); the kind is passed so that a future
 * feature may depend on it.
 */
import { EnergyLensError } from '../../errors.js';
import type { RowKind } from './design.js';
import type { EnergyFeatures } from './features.js';

export interface StructureFeature {
  name: string;
  unit: string;
  meaning: string;
  value: (f: EnergyFeatures, kind: RowKind) => number;
}

/** Ideal prefill compute time of the batch's prompts per output token, ms (spec-sheet FLOP/s). */
const prefillComputeMs = (f: EnergyFeatures): number => (f.prefillMs * f.batch) / f.outputTokens;
/** Prefill FLOPs per output token, TFLOP. */
const prefillFlopsTf = (f: EnergyFeatures): number => (f.inputTokens * f.prefillFlopsPerToken) / f.outputTokens / 1e12;

export const STRUCTURE_FEATURES: readonly StructureFeature[] = [
  // the physics design columns (closed-form.ts)
  { name: 'static_j_per_ms', unit: 'J/ms per output token', meaning: 'GPUs x catalog idle power / 1000 / batch: energy per output token of one ms of step time at 1 x idle power', value: (f) => (f.gpus * f.idlePowerW) / 1000 / f.batch },
  { name: 'layers_k', unit: 'thousand layers', meaning: 'layer count / 1000 (a time per layer in us gives ms)', value: (f) => f.layers / 1000 },
  { name: 'memory_ms', unit: 'ms', meaning: 'ideal time of one decode step reading dense weights and the KV cache at the spec-sheet HBM bandwidth', value: (f) => f.denseMemoryMs },
  { name: 'expert_ms', unit: 'ms', meaning: 'ideal time of one decode step reading routed-expert weights', value: (f) => f.expertMemoryMs },
  { name: 'compute_ms', unit: 'ms', meaning: 'ideal compute time of one decode step at the spec-sheet FLOP/s', value: (f) => f.computeMs },
  { name: 'prefill_compute_ms', unit: 'ms per output token x batch', meaning: 'ideal prefill compute time of a request x batch / output tokens: prefill time in units of decode-step time', value: prefillComputeMs },
  { name: 'pipeline_hops', unit: 'hops', meaning: 'pipeline-stage boundaries a decode step crosses: pp - 1', value: (f) => f.pipelineHopsPerStep },
  { name: 'sequences_k', unit: 'thousand sequences', meaning: 'sequences each engine schedules per step / 1000 (a time per sequence in us gives ms)', value: (f) => f.sequencesPerEngine / 1000 },
  { name: 'expert_hops_k', unit: 'thousand hops', meaning: 'expert all-to-all peers per decode step / 1000', value: (f) => f.expertHopsPerStep / 1000 },
  { name: 'bytes_gb_per_token', unit: 'GB per output token', meaning: 'weight and KV-cache bytes read from HBM per decode step / batch', value: (f) => (f.weightBytesPerStep + f.cacheBytesPerStep) / 1e9 / f.batch },
  { name: 'flops_tf_per_token', unit: 'TFLOP per output token', meaning: 'decode FLOPs per generated token', value: (f) => f.flopsPerToken / 1e12 },
  { name: 'prefill_flops_tf_per_token', unit: 'TFLOP per output token', meaning: 'prefill FLOPs of a request / output tokens', value: prefillFlopsTf },
  { name: 'comm_gb_per_token', unit: 'GB per output token', meaning: 'bytes sent over the interconnect by collectives per decode step / batch', value: (f) => f.commBytesPerStep / 1e9 / f.batch },
  { name: 'gpus_k', unit: 'thousand GPUs', meaning: 'GPUs of the configuration / 1000 (an energy per GPU in mJ gives J)', value: (f) => f.gpus / 1000 },
  // raw physical features
  { name: 'batch', unit: 'sequences', meaning: 'mean concurrent sequences, whole configuration', value: (f) => f.batch },
  { name: 'tp', unit: '1', meaning: 'tensor degree the dense layers run at: max(tp, GPUs / (pp x dp))', value: (f) => f.tensorDegree },
  { name: 'pp', unit: '1', meaning: 'pipeline-parallel degree', value: (f) => f.pipelineDegree },
  { name: 'ep', unit: '1', meaning: 'expert-parallel degree (1 without experts)', value: (f) => f.expertDegree },
  { name: 'gpus', unit: 'GPUs', meaning: 'GPUs of the configuration', value: (f) => f.gpus },
  { name: 'input_tokens', unit: 'tokens', meaning: 'prompt tokens per request (text and vision)', value: (f) => f.inputTokens },
  { name: 'output_tokens', unit: 'tokens', meaning: 'output tokens per request', value: (f) => f.outputTokens },
  { name: 'context_tokens', unit: 'tokens', meaning: 'mean context a decoding sequence attends over: input + output / 2', value: (f) => f.contextTokens },
  { name: 'params_b', unit: 'billion parameters', meaning: 'parameters of the model', value: (f) => f.paramsB },
  { name: 'active_params_b', unit: 'billion parameters', meaning: 'parameters active per token (all of them for a dense model)', value: (f) => f.activeParamsB },
  { name: 'layers', unit: 'layers', meaning: 'layer count of the model', value: (f) => f.layers },
  { name: 'idle_power_w', unit: 'W', meaning: 'catalog idle power of one GPU', value: (f) => f.idlePowerW },
  { name: 'board_power_w', unit: 'W', meaning: 'catalog board power (TDP) of one GPU', value: (f) => f.boardPowerW },
  { name: 'hbm_tbs', unit: 'TB/s', meaning: 'spec-sheet HBM bandwidth of one GPU', value: (f) => f.hbmBandwidthBs / 1e12 },
  { name: 'tflops', unit: 'TFLOP/s', meaning: 'spec-sheet dense tensor FLOP/s of one GPU at the precision served', value: (f) => f.peakFlopsS / 1e12 },
  { name: 'weight_gb_per_step', unit: 'GB', meaning: 'weight bytes read per decode step, all GPUs', value: (f) => f.weightBytesPerStep / 1e9 },
  { name: 'cache_gb_per_step', unit: 'GB', meaning: 'KV-cache and state bytes read per decode step, all GPUs', value: (f) => f.cacheBytesPerStep / 1e9 },
  { name: 'comm_gb_per_step', unit: 'GB', meaning: 'collective bytes per decode step, all GPUs', value: (f) => f.commBytesPerStep / 1e9 },
  { name: 'prefill_ms', unit: 'ms', meaning: 'ideal prefill compute time of one request, all GPUs working', value: (f) => f.prefillMs },
  { name: 'prefill_flops_tf', unit: 'TFLOP', meaning: 'prefill FLOPs of one request', value: (f) => (f.inputTokens * f.prefillFlopsPerToken) / 1e12 },
  { name: 'memory_fraction', unit: '1', meaning: 'weights, KV cache and state per GPU over its memory (1 = full)', value: (f) => f.memoryFraction },
];

export const STRUCTURE_FEATURE_NAMES: readonly string[] = STRUCTURE_FEATURES.map((f) => f.name);

const BY_NAME = new Map(STRUCTURE_FEATURES.map((f) => [f.name, f]));

export function structureFeature(name: string): StructureFeature | undefined {
  return BY_NAME.get(name);
}

/**
 * Feature-major columns of the given features for rows of one kind: X[k * n + r] is feature `names[k]` of row r
 * (the layout the engine's kernel reads).
 */
export function featureMatrix(features: readonly EnergyFeatures[], kind: RowKind, names: readonly string[] = STRUCTURE_FEATURE_NAMES): Float64Array {
  const n = features.length;
  const X = new Float64Array(names.length * n);
  names.forEach((name, k) => {
    const feature = BY_NAME.get(name);
    if (!feature) throw new EnergyLensError('INVALID_OPTION', `unknown feature "${name}" (known: ${STRUCTURE_FEATURE_NAMES.join(', ')})`);
    for (let r = 0; r < n; r++) X[k * n + r] = feature.value(features[r], kind);
  });
  return X;
}
