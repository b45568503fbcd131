/** The architecture facts of a model that the simulator and the features need. */
import type { Architecture, Precision } from '../records/schema.js';

export interface VisionSpec {
  /** vision encoder parameters in billions */
  encoderParamsB: number;
  /** language-model tokens one image becomes (after patch merging), at the serving default resolution */
  tokensPerImage: number;
  /** language-model tokens one video clip becomes at the serving defaults (0: the model takes no video) */
  tokensPerVideo: number;
}

export interface ModelSpec {
  name: string;
  aliases: string[];
  /** language-model architecture: dense, moe, hybrid (attention + state-space), ssm; vision is `vision` */
  architecture: Architecture;
  paramsB: number;
  activeParamsB: number;
  /** decoder layers (blocks) */
  layers: number;
  hiddenSize: number;
  attentionHeads: number;
  kvHeads: number;
  headDim: number;
  /** dense MLP width (for MoE: the dense layers' width, if any) */
  intermediateSize: number;
  /** routed experts per MoE layer (0 for dense) */
  experts: number;
  /** routed experts active per token */
  activeExperts: number;
  /** layers with a KV cache (default: all layers); hybrids have few */
  attentionLayers: number;
  /** of the attention layers, how many attend over a sliding window only */
  slidingWindowLayers: number;
  slidingWindowTokens: number;
  /** K+V elements cached per token per attention layer (default 2*kvHeads*headDim; MLA caches a latent) */
  kvElementsPerTokenPerLayer: number;
  /** state-space (Mamba) layers and the fixed state they keep per sequence */
  ssmLayers: number;
  ssmStateElementsPerLayer: number;
  vision?: VisionSpec;
  defaultPrecision: Precision;
  /** which figures are approximate (from memory or estimated), for the docs and the user */
  approximate: string;
}

/** Builder input: the usual fields, with the rest defaulted. */
export type ModelInput = Omit<ModelSpec,
  'aliases' | 'experts' | 'activeExperts' | 'attentionLayers' | 'slidingWindowLayers' | 'slidingWindowTokens'
  | 'kvElementsPerTokenPerLayer' | 'ssmLayers' | 'ssmStateElementsPerLayer' | 'approximate' | 'defaultPrecision'>
  & Partial<ModelSpec>;

export function defineModel(m: ModelInput): ModelSpec {
  return {
    ...m,
    aliases: m.aliases ?? [],
    experts: m.experts ?? 0,
    activeExperts: m.activeExperts ?? 0,
    attentionLayers: m.attentionLayers ?? m.layers,
    slidingWindowLayers: m.slidingWindowLayers ?? 0,
    slidingWindowTokens: m.slidingWindowTokens ?? 0,
    kvElementsPerTokenPerLayer: m.kvElementsPerTokenPerLayer ?? 2 * m.kvHeads * m.headDim,
    ssmLayers: m.ssmLayers ?? 0,
    ssmStateElementsPerLayer: m.ssmStateElementsPerLayer ?? 0,
    defaultPrecision: m.defaultPrecision ?? 'bf16',
    approximate: m.approximate ?? '',
  };
}

/** Same architecture under another name and precision (FP8 checkpoints, instruct/thinking variants). */
export function variant(base: ModelSpec, name: string, over: Partial<ModelSpec> = {}): ModelSpec {
  return { ...base, aliases: [], ...over, name };
}

/**
 * A rough architecture for a model known only by its parameter counts (a record with params_b and no catalog
 * entry): a Llama-like shape fitted to the size. Every figure is an estimate.
 */
export function estimateModel(name: string, paramsB: number, activeParamsB: number, architecture: Architecture): ModelSpec {
  const active = Math.min(activeParamsB, paramsB);
  // dense transformer: params ~ 12 * layers * hidden^2 with layers ~ hidden / 128
  const hidden = Math.max(1024, Math.round(Math.cbrt((active * 1e9 * 128) / 12) / 128) * 128);
  const layers = Math.max(8, Math.round(hidden / 128));
  const heads = Math.max(8, hidden / 128);
  const moe = architecture === 'moe' || paramsB > active * 1.2;
  return defineModel({
    name, architecture, paramsB, activeParamsB: active, layers, hiddenSize: hidden, attentionHeads: heads,
    kvHeads: 8, headDim: 128, intermediateSize: Math.round((hidden * 3.5) / 128) * 128,
    experts: moe ? 64 : 0, activeExperts: moe ? Math.max(1, Math.round((64 * active) / paramsB)) : 0,
    ...(architecture === 'hybrid' || architecture === 'ssm'
      ? { attentionLayers: architecture === 'ssm' ? 0 : Math.max(1, Math.round(layers / 8)), ssmLayers: Math.round(layers / 2), ssmStateElementsPerLayer: hidden * 2 * 128 }
      : {}),
    approximate: 'all shape figures estimated from params_b and active_params_b',
  });
}
