/**
 * Does a configuration fit in GPU memory? Modelled on what serving engines (vLLM, SGLang) do: the engine may fill
 * a fraction of each GPU's memory (`memoryUtilisation`, less what it keeps for activations and graphs); the
 * weights take their share and the rest is a pool of KV-cache blocks. Sequences are admitted while blocks are
 * free; when the batch's sequences outgrow the pool, the scheduler preempts some (they wait and resume) instead
 * of failing. So a configuration is infeasible only when the parallelism is impossible, the weights do not fit,
 * or not even one sequence of the full context fits in the pool; a batch larger than the pool holds runs with
 * fewer sequences at once, with a warning, and so does one near the limit.
 */
import { BYTES_PER_PARAM, type PhysicsConstants } from './constants.js';
import { kvCacheBytes, paramSplit, ssmStateBytes } from './model-math.js';
import { effectiveTp, type ServingConfig } from './serving-config.js';

export interface MemoryCheck {
  feasible: boolean;
  /** why the configuration cannot run (when not feasible) */
  reason?: string;
  /** why it runs but near or over the KV-cache pool (the engine queues or preempts sequences) */
  warning?: string;
  /** per GPU, GB */
  weightsGB: number;
  /** KV cache and state of the whole batch at its mean context, per GPU, GB */
  cacheGB: number;
  /** what the engine may fill per GPU (memoryUtilisation less the reserve), GB */
  budgetGB: number;
  /** the KV-cache pool per GPU: the budget less the weights, GB */
  kvPoolGB: number;
  /** sequences the pool holds at once at the mean context, over the whole configuration (at most the batch) */
  concurrentSequences: number;
}

const GB = 1e9;
const GIB = 2 ** 30;
/** weights and cache above this share of the budget: near the limit, with a warning */
export const NEAR_MEMORY_LIMIT = 0.95;

const fmt = (x: number): string => String(Number(x.toFixed(1)));

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
  // one sequence's KV cache and state on one GPU, GB, at a context of `tokens`
  const kvShards = Math.max(1, Math.min(tp, m.kvHeads));
  const sequenceGB = (tokens: number): number => (kvCacheBytes(m, tokens, k.kvBytes) / kvShards + ssmStateBytes(m, k.kvBytes) / tp) / pp / GB;
  // steady state with staggered requests: on average each sequence holds input + output/2 tokens
  const ctx = c.inputTokens + c.outputTokens / 2;
  const meanSequenceGB = sequenceGB(ctx);
  const cacheGB = (c.batch / replicas) * meanSequenceGB;
  const kvPoolGB = Math.max(0, budgetGB - weightsGB);
  const held = meanSequenceGB > 0 ? Math.floor(kvPoolGB / meanSequenceGB) * replicas : Infinity;
  const base = { weightsGB, cacheGB, budgetGB, kvPoolGB, concurrentSequences: Math.min(c.batch, held) };
  const no = (reason: string): MemoryCheck => ({ ...base, feasible: false, reason });
  const need = c.tp * c.pp * c.dp;
  if (need > c.numGpus) return no(`tp*pp*dp = ${need} exceeds num_gpus = ${c.numGpus}`);
  if (tp > m.attentionHeads) return no(`tensor degree ${tp} exceeds the ${m.attentionHeads} attention heads`);
  if (pp > m.layers) return no(`pp = ${pp} exceeds the ${m.layers} layers`);
  if (weightsGB > budgetGB) return no(`weights need ${fmt(weightsGB)} GB per GPU; the budget is ${fmt(budgetGB)} GB`);
  const fullContext = c.inputTokens + c.outputTokens;
  const oneSequenceGB = sequenceGB(fullContext);
  if (oneSequenceGB > kvPoolGB) {
    return no(`one sequence of ${Math.round(fullContext)} tokens needs ${fmt(oneSequenceGB)} GB of KV cache per GPU; ${fmt(kvPoolGB)} GB left after weights`);
  }
  if (held < c.batch) {
    return {
      ...base, feasible: true,
      warning: `near the memory limit: the KV cache of batch ${fmt(c.batch)} at context ${Math.round(ctx)} needs ${fmt(cacheGB)} GB per GPU, `
        + `${fmt(kvPoolGB)} GB are left after weights: about ${held} sequences run at once and the engine preempts the rest`,
    };
  }
  if (weightsGB + cacheGB > NEAR_MEMORY_LIMIT * budgetGB) {
    return {
      ...base, feasible: true,
      warning: `near the memory limit: weights and KV cache fill ${((100 * (weightsGB + cacheGB)) / budgetGB).toFixed(0)} % of the ${fmt(budgetGB)} GB per GPU the engine may use`,
    };
  }
  return { ...base, feasible: true };
}
