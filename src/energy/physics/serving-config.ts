/** One serving configuration (model, hardware, parallelism, batch, tokens) and the tensor degree it really runs at. */
import type { HardwareSpec } from '../catalog/hardware.js';
import type { ModelSpec } from '../catalog/model-spec.js';
import type { Precision } from '../records/schema.js';

export interface ServingConfig {
  model: ModelSpec;
  hardware: HardwareSpec;
  tp: number;
  pp: number;
  dp: number;
  ep: number;
  numGpus: number;
  /** mean concurrent sequences over the whole configuration */
  batch: number;
  /** language-model prompt tokens per request, vision tokens included */
  inputTokens: number;
  outputTokens: number;
  precision: Precision;
  /** vision tokens per request that the encoder produces (0 for text) */
  visionTokens: number;
}

/**
 * The tensor degree the dense layers really run at: when a configuration has more GPUs than tp*pp*dp (expert
 * parallelism reported with tp = 1), the engine shards attention and dense layers over the spare GPUs too.
 */
export function effectiveTp(c: Pick<ServingConfig, 'tp' | 'pp' | 'dp' | 'numGpus'>): number {
  return Math.max(c.tp, Math.floor(c.numGpus / (c.pp * c.dp)));
}
