/**
 * Physics constants of the simulator: efficiencies, latencies, overheads and the power model. Each is a
 * documented assumption (docs/simulator.md), tuned against ML.ENERGY v3 by `npm run bench:simulator`.
 */
import type { HardwareSpec } from '../catalog/hardware.js';
import type { Precision } from '../records/schema.js';

export interface PhysicsConstants {
  /** fraction of peak tensor throughput reached by decode GEMMs (small M) and by prefill GEMMs */
  computeEfficiencyDecode: number;
  computeEfficiencyPrefill: number;
  /** fraction of peak HBM bandwidth reached by streaming weights, and by paged-attention KV-cache reads */
  memoryEfficiency: number;
  attentionMemoryEfficiency: number;
  /** fraction of that bandwidth the fused MoE expert kernels reach (routing, small per-expert GEMMs, imbalance) */
  expertEfficiency: number;
  /** fraction of the spec-sheet interconnect bandwidth reached by collectives */
  linkEfficiency: number;
  /** fixed latency of one all-reduce, one all-to-all, one point-to-point send (s) */
  allReduceLatencyS: number;
  allToAllLatencyS: number;
  p2pLatencyS: number;
  /** per decode step: scheduling, sampling, detokenisation (s), and per layer kernel-launch overhead (s) */
  stepOverheadS: number;
  layerOverheadS: number;
  /** host work per running sequence per decode step (scheduling, sampling, detokenisation), per engine (s) */
  sequenceOverheadS: number;
  /** tokens per prefill chunk (weights are streamed once per chunk) */
  prefillChunkTokens: number;
  /** dynamic power: P = P_idle + (P_board - P_idle) * min(1, base + wc*Uc + wm*Um + wn*Un) while busy */
  powerBase: number;
  powerComputeWeight: number;
  powerMemoryWeight: number;
  powerNetworkWeight: number;
  /** fraction of GPU memory the serving engine may use, and what it keeps for itself (GB) */
  memoryUtilisation: number;
  reservedMemoryGB: number;
  /** bytes per element of the KV cache and the state-space state */
  kvBytes: number;
  /** vision-encoder patches per language-model vision token (2x2 patch merging) */
  visionPatchesPerToken: number;
  /**
   * share of its context a sequence recomputes at every decode step: 0 for a stack with a KV cache (the serving
   * engines), 1 for one that keeps no cache and runs the whole prefix again for each new token, so that the
   * energy per output token grows about linearly with the context
   */
  contextRecomputeFraction: number;
}

export const DEFAULT_PHYSICS: PhysicsConstants = {
  computeEfficiencyDecode: 0.4,
  computeEfficiencyPrefill: 0.6,
  memoryEfficiency: 0.75,
  attentionMemoryEfficiency: 0.3,
  expertEfficiency: 0.6,
  linkEfficiency: 0.7,
  allReduceLatencyS: 10e-6,
  allToAllLatencyS: 20e-6,
  p2pLatencyS: 10e-6,
  stepOverheadS: 1.5e-3,
  layerOverheadS: 10e-6,
  sequenceOverheadS: 30e-6,
  prefillChunkTokens: 8192,
  powerBase: 0.3,
  powerComputeWeight: 1.4,
  powerMemoryWeight: 0.9,
  powerNetworkWeight: 0.3,
  memoryUtilisation: 0.9,
  reservedMemoryGB: 2,
  kvBytes: 2,
  visionPatchesPerToken: 4,
  contextRecomputeFraction: 0,
};

/** Bytes per weight (MXFP4: 4 bits plus one 8-bit scale per 32 weights). */
export const BYTES_PER_PARAM: Record<Precision, number> = { bf16: 2, fp16: 2, fp8: 1, int8: 1, int4: 0.5, mxfp4: 4.25 / 8 };

/** Tensor throughput relative to BF16: low precision runs natively only where the hardware has the units. */
export function computeMultiplier(precision: Precision, hw: HardwareSpec): number {
  switch (precision) {
    case 'fp8':
    case 'int8':
      return hw.fp8 ? 2 : 1;
    case 'mxfp4':
      return hw.fp4 ? 2 : 1;
    default:
      return 1;
  }
}
