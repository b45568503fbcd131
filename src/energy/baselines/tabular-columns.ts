/**
 * The tabular baselines' column names, apart from how they are computed (tabular.ts): a model file's residual trees
 * name these columns, and the model file's checks (model-file.ts) read them without the encoder, which sits above the
 * model layer.
 */

/** The numeric features, in the encoder's column order. */
export const NUMERIC_FEATURE_NAMES = [
  'gpus',
  'tensor_degree',
  'pipeline_degree',
  'expert_degree',
  'replicas',
  'batch',
  'output_tokens',
  'input_tokens',
  'context_tokens',
  'layers',
  'hidden_size',
  'weight_bytes_per_gpu',
  'weight_bytes_per_step',
  'expert_bytes_per_step',
  'cache_bytes_per_step',
  'flops_per_token',
  'comm_bytes_per_step',
  'tensor_hops_per_step',
  'expert_hops_per_step',
  'hbm_bandwidth',
  'peak_flops',
  'idle_power_w',
  'board_power_w',
  'dense_memory_ms',
  'expert_memory_ms',
  'compute_ms',
  'prefill_ms',
  'memory_fraction',
  'static_j_per_ms',
  'bytes_gb_per_token',
  'flops_tf_per_token',
  'comm_gb_per_token',
] as const;

export type NumericFeatureName = typeof NUMERIC_FEATURE_NAMES[number];

export const CATEGORICAL_FEATURES = ['model', 'hardware', 'workload', 'precision', 'architecture'] as const;

/**
 * Why a column name is not one a one-hot encoder writes (a numeric feature, or `category=level` of a categorical
 * column or `framework`), or null when it is.
 */
export function unknownColumn(column: string): string | null {
  if ((NUMERIC_FEATURE_NAMES as readonly string[]).includes(column)) return null;
  const eq = column.indexOf('=');
  const key = eq < 0 ? column : column.slice(0, eq);
  if (eq > 0 && ([...CATEGORICAL_FEATURES, 'framework'] as string[]).includes(key)) return null;
  return `"${column}" is neither a numeric feature nor category=level of ${[...CATEGORICAL_FEATURES, 'framework'].join(', ')}`;
}
