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

/** Numeric features, each log-transformed (zeros map to log 1e-12). */
export const NUMERIC_FEATURES: readonly { name: string; value: (f: EnergyFeatures) => number }[] = [
  { name: 'gpus', value: (f) => f.gpus },
  { name: 'tensor_degree', value: (f) => f.tensorDegree },
  { name: 'pipeline_degree', value: (f) => f.pipelineDegree },
  { name: 'expert_degree', value: (f) => f.expertDegree },
  { name: 'replicas', value: (f) => f.replicas },
  { name: 'batch', value: (f) => f.batch },
  { name: 'output_tokens', value: (f) => f.outputTokens },
  { name: 'input_tokens', value: (f) => f.inputTokens },
  { name: 'context_tokens', value: (f) => f.contextTokens },
  { name: 'layers', value: (f) => f.layers },
  { name: 'hidden_size', value: (f) => f.hiddenSize },
  { name: 'weight_bytes_per_gpu', value: (f) => f.weightBytesPerGpu },
  { name: 'weight_bytes_per_step', value: (f) => f.weightBytesPerStep },
  { name: 'expert_bytes_per_step', value: (f) => f.expertBytesPerStep },
  { name: 'cache_bytes_per_step', value: (f) => f.cacheBytesPerStep },
  { name: 'flops_per_token', value: (f) => f.flopsPerToken },
  { name: 'comm_bytes_per_step', value: (f) => f.commBytesPerStep },
  { name: 'tensor_hops_per_step', value: (f) => f.tensorHopsPerStep },
  { name: 'expert_hops_per_step', value: (f) => f.expertHopsPerStep },
  { name: 'hbm_bandwidth', value: (f) => f.hbmBandwidthBs },
  { name: 'peak_flops', value: (f) => f.peakFlopsS },
  { name: 'idle_power_w', value: (f) => f.idlePowerW },
  { name: 'board_power_w', value: (f) => f.boardPowerW },
  { name: 'dense_memory_ms', value: (f) => f.denseMemoryMs },
  { name: 'expert_memory_ms', value: (f) => f.expertMemoryMs },
  { name: 'compute_ms', value: (f) => f.computeMs },
  { name: 'prefill_ms', value: (f) => f.prefillMs },
  { name: 'memory_fraction', value: (f) => f.memoryFraction },
  // the closed form's per-token columns (design rows): static J per ms, bytes, FLOPs and collective bytes per token
  { name: 'static_j_per_ms', value: (f) => structureFeature('static_j_per_ms')!.value(f, 'energy') },
  { name: 'bytes_gb_per_token', value: (f) => structureFeature('bytes_gb_per_token')!.value(f, 'energy') },
  // decode and prefill FLOPs per output token
  { name: 'flops_tf_per_token', value: (f) => structureFeature('flops_tf_per_token')!.value(f, 'energy') + structureFeature('prefill_flops_tf_per_token')!.value(f, 'energy') },
  { name: 'comm_gb_per_token', value: (f) => structureFeature('comm_gb_per_token')!.value(f, 'energy') },
];

export const CATEGORICAL_FEATURES = ['model', 'hardware', 'workload', 'precision', 'architecture'] as const;

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
 * Why a column name is not one a one-hot encoder writes (a numeric feature, or `category=level` of a categorical
 * column or `framework`), or null when it is.
 */
export function unknownColumn(column: string): string | null {
  if (NUMERIC_FEATURES.some((f) => f.name === column)) return null;
  const eq = column.indexOf('=');
  const key = eq < 0 ? column : column.slice(0, eq);
  if (eq > 0 && ([...CATEGORICAL_FEATURES, 'framework'] as string[]).includes(key)) return null;
  return `"${column}" is neither a numeric feature nor category=level of ${[...CATEGORICAL_FEATURES, 'framework'].join(', ')}`;
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
