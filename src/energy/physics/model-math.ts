/** Quantities derived from a model's architecture: parameter split, KV cache, attention work, state size. */
import type { ModelSpec } from '../catalog/model-spec.js';

export interface ParamSplit {
  /** parameters every token uses (attention, embeddings, dense MLPs, shared experts), billions */
  denseB: number;
  /** routed-expert parameters over all layers, billions (0 for dense models) */
  expertsB: number;
  /** parameters of one routed expert summed over layers, billions */
  perExpertB: number;
}

/**
 * total = dense + E * perExpert and active = dense + k * perExpert, so perExpert = (total - active) / (E - k).
 */
export function paramSplit(m: ModelSpec): ParamSplit {
  if (m.experts <= 0 || m.activeExperts <= 0 || m.experts <= m.activeExperts || m.paramsB <= m.activeParamsB) {
    return { denseB: m.paramsB, expertsB: 0, perExpertB: 0 };
  }
  const perExpertB = (m.paramsB - m.activeParamsB) / (m.experts - m.activeExperts);
  const denseB = Math.max(m.activeParamsB - m.activeExperts * perExpertB, 0.02 * m.activeParamsB);
  return { denseB, expertsB: m.paramsB - denseB, perExpertB };
}

/** Expected fraction of an MoE layer's experts that n routed tokens touch: 1 - (1 - k/E)^n. */
export function expertsTouchedFraction(m: ModelSpec, tokens: number): number {
  if (m.experts <= 0 || m.activeExperts <= 0) return 1;
  return 1 - Math.pow(1 - Math.min(1, m.activeExperts / m.experts), Math.max(tokens, 0));
}

/** Attention layers split into full (global) and sliding-window ones. */
function attentionSplit(m: ModelSpec): { global: number; sliding: number } {
  const sliding = Math.min(m.slidingWindowLayers, m.attentionLayers);
  return { global: m.attentionLayers - sliding, sliding };
}

/** Tokens a layer attends over at context `ctx`, summed over attention layers (sliding layers cap it). */
export function attendedTokens(m: ModelSpec, ctx: number): number {
  const { global, sliding } = attentionSplit(m);
  const window = m.slidingWindowTokens > 0 ? Math.min(ctx, m.slidingWindowTokens) : ctx;
  return global * ctx + sliding * window;
}

/** KV-cache bytes of one sequence at context `ctx` (all attention layers). */
export function kvCacheBytes(m: ModelSpec, ctx: number, bytesPerElement: number): number {
  return attendedTokens(m, ctx) * m.kvElementsPerTokenPerLayer * bytesPerElement;
}

/** Fixed state-space state of one sequence (all SSM layers), bytes. */
export function ssmStateBytes(m: ModelSpec, bytesPerElement: number): number {
  return m.ssmLayers * m.ssmStateElementsPerLayer * bytesPerElement;
}

/** Attention FLOPs for one new token at context `ctx`: QK^T and AV, 2 FLOPs per multiply-add each. */
export function attentionFlopsPerToken(m: ModelSpec, ctx: number): number {
  return 4 * m.attentionHeads * m.headDim * attendedTokens(m, ctx);
}

/** State-space FLOPs per token (state update and readout), small next to the projections. */
export function ssmFlopsPerToken(m: ModelSpec): number {
  return 6 * m.ssmLayers * m.ssmStateElementsPerLayer;
}
