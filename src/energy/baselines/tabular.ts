/**
 * The feature table the ensemble baselines learn from, for a fair comparison: the physical features the closed
 * form is built from (configurationFeatures, and the per-token columns of its design rows), in log space, plus
 * the categorical columns (model, hardware, workload, precision, architecture, and the serving framework where the
 * training records name two or more), encoded either one-hot (a level
 * unseen in training: all zeros) or as one ordinal column each, levels ordered by their mean training target
 * (for a regression tree that order makes the best split over categories one of the ordinal splits; an unseen
 * level sits where the overall mean does). The target is log energy per output token; predictions are exp of
 * the output.
 */
import { EnergyLensError } from '../../errors.js';
import { builtinCatalog, type Catalog } from '../catalog/catalog.js';
import { structureFeature } from '../model/structure-features.js';
import { configurationFeatures, type EnergyFeatures } from '../model/features.js';
import type { MethodContext, PredictInput } from './method.js';
import { mean } from '../stats.js';
import { CATEGORICAL_FEATURES, NUMERIC_FEATURE_NAMES, unknownColumn, type NumericFeatureName } from './tabular-columns.js';

export { CATEGORICAL_FEATURES, unknownColumn } from './tabular-columns.js';

/** Each numeric feature's value (log-transformed by the encoder; zeros map to log 1e-12), by its column name. */
const NUMERIC_VALUES: Readonly<Record<NumericFeatureName, (f: EnergyFeatures) => number>> = {
  gpus: (f) => f.gpus,
  tensor_degree: (f) => f.tensorDegree,
  pipeline_degree: (f) => f.pipelineDegree,
  expert_degree: (f) => f.expertDegree,
  replicas: (f) => f.replicas,
  batch: (f) => f.batch,
  output_tokens: (f) => f.outputTokens,
  input_tokens: (f) => f.inputTokens,
  context_tokens: (f) => f.contextTokens,
  layers: (f) => f.layers,
  hidden_size: (f) => f.hiddenSize,
  weight_bytes_per_gpu: (f) => f.weightBytesPerGpu,
  weight_bytes_per_step: (f) => f.weightBytesPerStep,
  expert_bytes_per_step: (f) => f.expertBytesPerStep,
  cache_bytes_per_step: (f) => f.cacheBytesPerStep,
  flops_per_token: (f) => f.flopsPerToken,
  comm_bytes_per_step: (f) => f.commBytesPerStep,
  tensor_hops_per_step: (f) => f.tensorHopsPerStep,
  expert_hops_per_step: (f) => f.expertHopsPerStep,
  hbm_bandwidth: (f) => f.hbmBandwidthBs,
  peak_flops: (f) => f.peakFlopsS,
  idle_power_w: (f) => f.idlePowerW,
  board_power_w: (f) => f.boardPowerW,
  dense_memory_ms: (f) => f.denseMemoryMs,
  expert_memory_ms: (f) => f.expertMemoryMs,
  compute_ms: (f) => f.computeMs,
  prefill_ms: (f) => f.prefillMs,
  memory_fraction: (f) => f.memoryFraction,
  // the closed form's per-token columns (design rows): static J per ms, bytes, FLOPs and collective bytes per token
  static_j_per_ms: (f) => structureFeature('static_j_per_ms')!.value(f, 'energy'),
  bytes_gb_per_token: (f) => structureFeature('bytes_gb_per_token')!.value(f, 'energy'),
  // decode and prefill FLOPs per output token
  flops_tf_per_token: (f) => structureFeature('flops_tf_per_token')!.value(f, 'energy') + structureFeature('prefill_flops_tf_per_token')!.value(f, 'energy'),
  comm_gb_per_token: (f) => structureFeature('comm_gb_per_token')!.value(f, 'energy'),
};

/** Numeric features, each log-transformed (zeros map to log 1e-12), in the columns' order (tabular-columns.ts). */
export const NUMERIC_FEATURES: readonly { name: NumericFeatureName; value: (f: EnergyFeatures) => number }[] = NUMERIC_FEATURE_NAMES.map((name) => ({ name, value: NUMERIC_VALUES[name] }));

export type CategoricalEncoding = 'one-hot' | 'ordinal';

export interface TabularEncoder {
  /** column names: numeric, then `category=level` */
  columns: string[];
  /** each configuration's row; `features`: their configurationFeatures when already computed (else computed here) */
  encode(configs: readonly PredictInput[], features?: readonly EnergyFeatures[]): number[][];
}

const safeLog = (x: number): number => Math.log(Math.max(x, 1e-12));

/**
 * The encoder fitted on the training records (their categorical levels); `target` (log energy per token of each
 * training record) orders the levels of the ordinal encoding.
 */
/** A configuration's level of a categorical column (model and hardware by their catalog names). */
function levelOf(catalog: Catalog): (c: PredictInput, key: string) => string {
  return (c, key) => {
    if (key === 'model') return catalog.findModel(c.model)?.name ?? c.model;
    if (key === 'hardware') return catalog.findHardware(c.hardware)?.name ?? c.hardware;
    if (key === 'precision') return c.precision ?? catalog.findModel(c.model)?.defaultPrecision ?? '';
    return String((c as unknown as Record<string, unknown>)[key] ?? '');
  };
}

/** The numeric part of each row: the log of each NUMERIC_FEATURES value. */
function numericOf(ctx: MethodContext, catalog: Catalog): (c: PredictInput, i: number, f?: EnergyFeatures) => number[] {
  return (c, i, f = configurationFeatures(c, { catalog, inputTokens: ctx.inputTokens }, { row: i + 1 })) => NUMERIC_FEATURES.map((n) => safeLog(n.value(f)));
}

/**
 * The one-hot encoder that writes these columns (as a fitted encoder listed them: numeric features, then
 * `category=level`): what a model file's residual trees read. A column unknownColumn refuses throws.
 */
export function encoderFromColumns(columns: readonly string[], ctx: MethodContext = {}): TabularEncoder {
  const catalog = ctx.catalog ?? builtinCatalog();
  const level = levelOf(catalog);
  const numeric = numericOf(ctx, catalog);
  const numericIndex = NUMERIC_FEATURES.map((f) => columns.indexOf(f.name));
  const categorical = columns.flatMap((column, j) => {
    const eq = column.indexOf('=');
    return eq > 0 && !NUMERIC_FEATURES.some((f) => f.name === column) ? [{ j, key: column.slice(0, eq), value: column.slice(eq + 1) }] : [];
  });
  for (const column of columns) {
    const why = unknownColumn(column);
    if (why) throw new EnergyLensError('INVALID_MODEL_FILE', `feature columns: ${why}`);
  }
  return {
    columns: [...columns],
    encode: (configs, features) => configs.map((c, i) => {
      const row = new Array<number>(columns.length).fill(0);
      const x = numeric(c, i, features?.[i]);
      numericIndex.forEach((j, k) => { if (j >= 0) row[j] = x[k]; });
      for (const { j, key, value } of categorical) row[j] = level(c, key) === value ? 1 : 0;
      return row;
    }),
  };
}

export function tabularEncoder(train: readonly PredictInput[], ctx: MethodContext = {}, encoding: CategoricalEncoding = 'one-hot', target: readonly number[] = []): TabularEncoder {
  const catalog = ctx.catalog ?? builtinCatalog();
  const level = levelOf(catalog);
  // the serving framework is a feature only where the training records name two or more (one adds nothing)
  const keys: readonly string[] = new Set(train.map((c) => c.framework ?? '')).size > 1 ? [...CATEGORICAL_FEATURES, 'framework'] : CATEGORICAL_FEATURES;
  const levels = keys.map((key) => [...new Set(train.map((c) => level(c, key)))].sort());
  const numeric = numericOf(ctx, catalog);
  if (encoding === 'one-hot') {
    return encoderFromColumns([...NUMERIC_FEATURES.map((f) => f.name), ...keys.flatMap((key, k) => levels[k].map((l) => `${key}=${l}`))], ctx);
  }
  const overall = target.length ? mean([...target]) : 0;
  // each level's code: its rank by mean training target; an unseen level, the rank the overall mean would have
  const codes = keys.map((key, k) => {
    const means = levels[k].map((l) => {
      const ys = train.map((c, i) => (level(c, key) === l ? target[i] : Number.NaN)).filter(Number.isFinite);
      return ys.length ? mean(ys) : overall;
    });
    const order = levels[k].map((l, j) => ({ l, m: means[j] })).sort((a, b) => a.m - b.m || a.l.localeCompare(b.l));
    const code = new Map(order.map((o, j) => [o.l, j]));
    const unseen = order.filter((o) => o.m < overall).length - 0.5;
    return (v: string): number => code.get(v) ?? unseen;
  });
  return {
    columns: [...NUMERIC_FEATURES.map((f) => f.name), ...keys],
    encode: (configs, features) => configs.map((c, i) => [...numeric(c, i, features?.[i]), ...keys.map((key, k) => codes[k](level(c, key)))]),
  };
}
