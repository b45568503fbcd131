/** Does a configuration fit in GPU memory? Weights, KV cache and state-space state per GPU against the budget. */
import { BYTES_PER_PARAM, type PhysicsConstants } from './constants.js';
import { kvCacheBytes, paramSplit, ssmStateBytes } from './model-math.js';
import { effectiveTp, type ServingConfig } from './serving-config.js';

export interface MemoryCheck {
  feasible: boolean;
  reason?: string;
  /** per GPU, GB */
  weightsGB: number;
  cacheGB: number;
  budgetGB: number;
}

const GB = 1e9;
const GIB = 2 ** 30;

export function checkMemory(c: ServingConfig, k: PhysicsConstants): MemoryCheck {
  const { model: m, hardware: hw, pp } = c;
  const tp = effectiveTp(c);
  // spec-sheet "80 GB" is 80 GiB of HBM; weights and cache are counted in 1e9-byte GB
  const budgetGB = (hw.memoryGB * GIB) / GB * k.memoryUtilisation - k.reservedMemoryGB;
  const gStage = c.numGpus / pp;
  const replicas = Math.max(1, gStage / tp);
  const expertSpan = Math.min(gStage, Math.max(c.ep, tp));
  const split = paramSplit(m);
  const bpp = BYTES_PER_PARAM[c.precision];
  const visionGB = c.visionTokens > 0 ? ((m.vision?.encoderParamsB ?? 0) * GB * 2) / tp / GB : 0;
  const weightsGB = (split.denseB * bpp) / (tp * pp) + (split.expertsB * bpp) / (expertSpan * pp) + visionGB;
  // steady state with staggered requests: on average each sequence holds input + output/2 tokens
  const ctx = c.inputTokens + c.outputTokens / 2;
  const kvShards = Math.max(1, Math.min(tp, m.kvHeads));
  const perSeqBytes = kvCacheBytes(m, ctx, k.kvBytes) / kvShards + ssmStateBytes(m, k.kvBytes) / tp;
  const cacheGB = ((c.batch / replicas) * perSeqBytes) / pp / GB;
  const base = { weightsGB, cacheGB, budgetGB };
  const need = c.tp * c.pp * c.dp;
  if (need > c.numGpus) return { ...base, feasible: false, reason: `tp*pp*dp = ${need} exceeds num_gpus = ${c.numGpus}` };
  if (tp > m.attentionHeads) return { ...base, feasible: false, reason: `tensor degree ${tp} exceeds the ${m.attentionHeads} attention heads` };
  if (pp > m.layers) return { ...base, feasible: false, reason: `pp = ${pp} exceeds the ${m.layers} layers` };
  if (weightsGB > budgetGB) {
    return { ...base, feasible: false, reason: `weights need ${weightsGB.toFixed(1)} GB per GPU; the budget is ${budgetGB.toFixed(1)} GB` };
  }
  if (weightsGB + cacheGB > budgetGB) {
    return {
      ...base, feasible: false,
      reason: `KV cache and state for batch ${c.batch} at context ${Math.round(ctx)} need ${cacheGB.toFixed(1)} GB per GPU; ${(budgetGB - weightsGB).toFixed(1)} GB left after weights`,
    };
  }
  return { ...base, feasible: true };
}
