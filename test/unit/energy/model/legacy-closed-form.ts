// A frozen copy of the closed form as it was before structures (energylens 0.1, model file version 2): its
// design columns (is_e / is_t gating) and its printed expression. The `physics` structure must reproduce it.
import type { EnergyFeatures } from '../../../../src/energy/model/features.js';

export const LEGACY_COLUMNS = [
  'static_j_per_ms', 'latency_s_per_ms', 'layers_k', 'memory_ms', 'expert_ms', 'compute_ms', 'pipeline_hops', 'sequences_k',
  'expert_hops_k', 'bytes_gb_per_token', 'flops_tf_per_token', 'comm_gb_per_token', 'gpus_k',
] as const;

export function legacyColumns(f: EnergyFeatures, kind: 'energy' | 'latency' | 'prefill'): number[] {
  const prefillFlops = (f.inputTokens * f.prefillFlopsPerToken) / f.outputTokens / 1e12;
  const prefillMs = (f.prefillMs * f.batch) / f.outputTokens;
  if (kind === 'prefill') {
    const c = LEGACY_COLUMNS.map(() => 0);
    c[0] = (f.gpus * f.idlePowerW) / 1000 / f.batch;
    c[5] = prefillMs;
    c[10] = prefillFlops;
    return c;
  }
  const e = kind === 'energy' ? 1 : 0;
  return [
    (e * f.gpus * f.idlePowerW) / 1000 / f.batch, (1 - e) * 1e-3, f.layers / 1000, f.denseMemoryMs, f.expertMemoryMs,
    f.computeMs + e * prefillMs, f.pipelineHopsPerStep, f.sequencesPerEngine / 1000, f.expertHopsPerStep / 1000,
    (e * (f.weightBytesPerStep + f.cacheBytesPerStep)) / 1e9 / f.batch, e * (f.flopsPerToken / 1e12 + prefillFlops),
    (e * f.commBytesPerStep) / 1e9 / f.batch, (e * f.gpus) / 1000,
  ];
}

export function legacyExpression(values: readonly number[]): string {
  const v = values.map((x) => (Object.is(x, -0) ? 0 : x).toPrecision(17));
  return `(${v[0]} * static_j_per_ms + latency_s_per_ms) * (${v[1]} * layers_k + ${v[2]} * memory_ms + ${v[3]} * expert_ms`
    + ` + ${v[4]} * compute_ms + ${v[5]} * pipeline_hops + ${v[6]} * sequences_k`
    + ` + ${v[7]} * expert_hops_k) + ${v[8]} * bytes_gb_per_token + ${v[9]} * flops_tf_per_token`
    + ` + ${v[10]} * comm_gb_per_token + ${v[11]} * gpus_k`;
}
