/**
 * Row kinds, and (legacy, kept for the discovery module's joint fit; fit and predict use structures and
 * structure-features.ts) the gated design columns of the closed form. The rows the closed form is fitted on and predicts: one energy row per record (target: energy per output
 * token, J), one latency row per record that carries a measured time per output token (target: s), and one
 * prefill row per record that carries its prefill energy (target: prefill energy per output token, J): the
 * prefill row keeps only the closed form's prefill terms.
 * Columns follow MODEL_COLUMNS; the data are feature-major, as the engine's kernel wants them.
 */
import type { Dataset } from '../../sr/index.js';
import { MODEL_COLUMNS, type ModelColumn } from './closed-form.js';
import type { EnergyFeatures } from './features.js';

export type RowKind = 'energy' | 'latency' | 'prefill';

/** The twelve columns of one row. */
export function modelColumns(f: EnergyFeatures, kind: RowKind): Record<ModelColumn, number> {
  const prefillFlops = (f.inputTokens * f.prefillFlopsPerToken) / f.outputTokens / 1e12;
  const prefillMs = (f.prefillMs * f.batch) / f.outputTokens;
  if (kind === 'prefill') {
    const zero = Object.fromEntries(MODEL_COLUMNS.map((c) => [c, 0])) as Record<ModelColumn, number>;
    return { ...zero, static_j_per_ms: (f.gpus * f.idlePowerW) / 1000 / f.batch, compute_ms: prefillMs, flops_tf_per_token: prefillFlops };
  }
  const e = kind === 'energy' ? 1 : 0;
  return {
    static_j_per_ms: (e * f.gpus * f.idlePowerW) / 1000 / f.batch,
    latency_s_per_ms: (1 - e) * 1e-3,
    layers_k: f.layers / 1000,
    memory_ms: f.denseMemoryMs,
    expert_ms: f.expertMemoryMs,
    compute_ms: f.computeMs + e * prefillMs,
    pipeline_hops: f.pipelineHopsPerStep,
    sequences_k: f.sequencesPerEngine / 1000,
    expert_hops_k: f.expertHopsPerStep / 1000,
    bytes_gb_per_token: (e * (f.weightBytesPerStep + f.cacheBytesPerStep)) / 1e9 / f.batch,
    flops_tf_per_token: e * (f.flopsPerToken / 1e12 + prefillFlops),
    comm_gb_per_token: (e * f.commBytesPerStep) / 1e9 / f.batch,
    gpus_k: (e * f.gpus) / 1000,
  };
}

export interface DesignRow {
  kind: RowKind;
  /** index of the record the row comes from */
  record: number;
  columns: Record<ModelColumn, number>;
  /** measured target (J per output token, or s per output token); NaN when predicting */
  y: number;
}

/** Feature-major dataset of the rows (y NaN-free: rows without a target get 1, for prediction only). */
export function toDataset(rows: readonly DesignRow[], weights?: Float64Array): Dataset {
  const n = rows.length;
  const X = new Float64Array(MODEL_COLUMNS.length * n);
  const y = new Float64Array(n);
  rows.forEach((row, r) => {
    MODEL_COLUMNS.forEach((c, k) => { X[k * n + r] = row.columns[c]; });
    y[r] = Number.isFinite(row.y) && row.y > 0 ? row.y : 1;
  });
  return { X, y, nFeatures: MODEL_COLUMNS.length, nRows: n, ...(weights ? { weights } : {}) };
}
