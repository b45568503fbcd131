/**
 * One serving configuration from first principles: roofline time per GPU for prefill (compute-bound) and
 * decode (memory-bound), collectives over the interconnect, pipeline bubbles, and power from utilisation.
 * The equations, with units, are in docs/simulator.md.
 */
import type { HardwareSpec } from '../catalog/hardware.js';
import type { ModelSpec } from '../catalog/model-spec.js';
import type { Precision } from '../records/schema.js';
import {
  BYTES_PER_PARAM, DEFAULT_PHYSICS, computeMultiplier, checkMemory, effectiveTp,
  attentionFlopsPerToken, expertsTouchedFraction, kvCacheBytes, paramSplit, ssmFlopsPerToken, ssmStateBytes,
  type MemoryCheck, type PhysicsConstants, type ServingConfig,
} from '../physics/index.js';

export { effectiveTp, type ServingConfig } from '../physics/index.js';

export interface ServingEstimate {
  feasible: boolean;
  infeasibleReason?: string;
  /** memory.warning: near or over the KV-cache pool (then the estimate is at the sequences the pool holds) */
  memory: MemoryCheck;
  prefillTimeS: number;
  decodeTimeS: number;
  ttftS: number;
  tpotS: number;
  /** per request, summed over all GPUs */
  prefillEnergyJ: number;
  decodeEnergyJ: number;
  energyJ: number;
  /** all GPUs together */
  avgPowerW: number;
  throughputTokS: number;
}

interface Work { flops: number; recomputeFlops: number; bytes: number; expertBytes: number; cacheBytes: number; commS: number }

/** Power of one GPU (W) over a period in which it spends the given fractions of peak. */
export function gpuPowerW(hw: HardwareSpec, busy: number, uCompute: number, uMemory: number, uNetwork: number, k: PhysicsConstants): number {
  const activity = k.powerBase * busy + k.powerComputeWeight * uCompute + k.powerMemoryWeight * uMemory + k.powerNetworkWeight * uNetwork;
  const ceilingW = hw.gpuPowerW ?? hw.boardPowerW;
  return hw.idlePowerW + (ceilingW - hw.idlePowerW) * Math.min(1, Math.max(0, activity));
}

function ringAllReduceS(bytes: number, ranks: number, hw: HardwareSpec, k: PhysicsConstants): number {
  if (ranks <= 1) return 0;
  return k.allReduceLatencyS + (2 * (ranks - 1) / ranks) * bytes / (hw.interconnectGBs * 1e9 * k.linkEfficiency);
}

function allToAllS(bytesPerGpu: number, ranks: number, hw: HardwareSpec, k: PhysicsConstants): number {
  if (ranks <= 1) return 0;
  return k.allToAllLatencyS + ((ranks - 1) / ranks) * bytesPerGpu / (hw.interconnectGBs * 1e9 * k.linkEfficiency);
}

function p2pS(bytes: number, pp: number, hw: HardwareSpec, k: PhysicsConstants): number {
  return pp <= 1 ? 0 : k.p2pLatencyS + bytes / (hw.interconnectGBs * 1e9 * k.linkEfficiency);
}

export function estimateServing(c: ServingConfig, k: PhysicsConstants = DEFAULT_PHYSICS): ServingEstimate {
  const { model: m, hardware: hw, pp } = c;
  const memory = checkMemory(c, k);
  if (memory.feasible && memory.concurrentSequences < c.batch) {
    // the KV pool holds fewer sequences than the batch: the engine runs that many at once and preempts the rest,
    // so a request costs what it costs at the smaller batch
    return { ...estimateServing({ ...c, batch: Math.max(1, memory.concurrentSequences) }, k), memory };
  }
  const G = c.numGpus;
  const tp = effectiveTp(c);
  const gStage = G / pp; // GPUs per pipeline stage, over every replica
  const replicas = Math.max(1, gStage / tp); // copies of the dense weights per stage
  const expertSpan = Math.min(gStage, Math.max(c.ep, tp)); // GPUs one copy of the experts is spread over
  const expertCopies = Math.max(1, gStage / expertSpan);
  const bpp = BYTES_PER_PARAM[c.precision];
  const split = paramSplit(m);
  const peakFlops = hw.denseBf16Tflops * 1e12 * computeMultiplier(c.precision, hw);
  const bwBytesS = hw.hbmBandwidthTBs * 1e12;
  const actBytes = m.hiddenSize * 2; // one token's activations, bf16
  const moe = split.expertsB > 0;
  const layersPerStage = m.layers / pp;

  // ---- decode: one step advances every sequence of a microbatch through one stage
  const ctxDecode = c.inputTokens + c.outputTokens / 2;
  const micro = Math.max(1, Math.min(pp, Math.floor(c.batch)));
  const nMicro = c.batch / micro; // sequences per microbatch, whole configuration
  const stageWork = (n: number): Work => {
    const denseBytes = replicas * split.denseB * 1e9 * bpp;
    const expertBytes = moe ? expertCopies * expertsTouchedFraction(m, n / expertCopies) * split.expertsB * 1e9 * bpp : 0;
    const cacheBytes = n * (kvCacheBytes(m, ctxDecode, k.kvBytes) + 2 * ssmStateBytes(m, k.kvBytes));
    const flops = n * (2 * m.activeParamsB * 1e9 + attentionFlopsPerToken(m, ctxDecode) + ssmFlopsPerToken(m));
    // a stack without a KV cache runs the prefix again (prefill-like GEMMs over ctx tokens) for every new token
    const recomputeFlops = n * k.contextRecomputeFraction * ctxDecode * (2 * m.activeParamsB * 1e9 + attentionFlopsPerToken(m, ctxDecode / 2));
    const arS = ringAllReduceS((n / replicas) * actBytes, tp, hw, k);
    const a2aS = moe ? allToAllS((n / gStage) * m.activeExperts * actBytes, Math.min(c.ep, gStage), hw, k) : 0;
    const commS = layersPerStage * (2 * arS + 2 * a2aS);
    return { flops: flops / pp, recomputeFlops: recomputeFlops / pp, bytes: denseBytes / pp, expertBytes: expertBytes / pp, cacheBytes: cacheBytes / pp, commS };
  };
  const dw = stageWork(nMicro);
  const dComputeS = dw.flops / (gStage * peakFlops * k.computeEfficiencyDecode) + dw.recomputeFlops / (gStage * peakFlops * k.computeEfficiencyPrefill);
  const dMemoryS = dw.bytes / (gStage * bwBytesS * k.memoryEfficiency)
    + dw.expertBytes / (gStage * bwBytesS * k.memoryEfficiency * k.expertEfficiency) + dw.cacheBytes / (gStage * bwBytesS * k.attentionMemoryEfficiency);
  const stageS = Math.max(dComputeS, dMemoryS) + dw.commS + k.layerOverheadS * layersPerStage;
  const hopS = p2pS((nMicro / replicas) * actBytes, pp, hw, k);
  const hostS = k.stepOverheadS + k.sequenceOverheadS * (c.batch / Math.max(1, c.dp));
  const tpotS = Math.max(micro, pp) * stageS + (pp - 1) * hopS + hostS;
  const dShare = micro / tpotS; // each GPU works on `micro` stage-steps per token round
  const decodePowerW = gpuPowerW(hw, Math.min(1, dShare * stageS),
    (dShare * (dw.flops + dw.recomputeFlops)) / (gStage * peakFlops), (dShare * (dw.bytes + dw.expertBytes + dw.cacheBytes)) / (gStage * bwBytesS), dShare * dw.commS, k);
  const decodeTimeS = c.outputTokens * tpotS;
  const decodeEnergyJ = (G * decodePowerW * decodeTimeS) / c.batch;

  // ---- prefill: each replica prefills its share of the batch's prompts in chunks, pipelined over stages
  const prefillOf = (requests: number): { timeS: number; powerW: number } => {
    const tokens = Math.max(1, requests * c.inputTokens);
    const chunks = Math.max(1, Math.ceil(tokens / k.prefillChunkTokens));
    const n = tokens / chunks;
    const flopsGpu = (n * (2 * m.activeParamsB * 1e9 + attentionFlopsPerToken(m, c.inputTokens / 2) + ssmFlopsPerToken(m))) / (tp * pp);
    const touched = moe ? expertsTouchedFraction(m, n) : 1;
    const bytesGpu = (split.denseB * 1e9 * bpp) / (tp * pp) + (touched * split.expertsB * 1e9 * bpp) / (expertSpan * pp)
      + (n * (kvCacheBytes(m, c.inputTokens, k.kvBytes) / Math.max(1, c.inputTokens) + ssmStateBytes(m, k.kvBytes) / Math.max(1, c.inputTokens))) / (tp * pp);
    const commS = layersPerStage * (2 * ringAllReduceS(n * actBytes, tp, hw, k)
      + (moe ? 2 * allToAllS((n / Math.max(1, tp)) * m.activeExperts * actBytes, Math.min(c.ep, gStage), hw, k) : 0));
    const chunkS = Math.max(flopsGpu / (peakFlops * k.computeEfficiencyPrefill), bytesGpu / (bwBytesS * k.memoryEfficiency))
      + commS + k.layerOverheadS * layersPerStage;
    const visionFlops = requests * c.visionTokens * k.visionPatchesPerToken * 2 * (m.vision?.encoderParamsB ?? 0) * 1e9;
    const visionS = visionFlops / (tp * hw.denseBf16Tflops * 1e12 * k.computeEfficiencyPrefill);
    const timeS = (chunks + pp - 1) * (chunkS + p2pS(n * actBytes, pp, hw, k)) + visionS;
    const busy = (chunks * chunkS + visionS / pp) / timeS;
    const uC = (chunks * flopsGpu / peakFlops + visionS * k.computeEfficiencyPrefill / pp) / timeS;
    const uM = (chunks * bytesGpu / bwBytesS) / timeS;
    return { timeS, powerW: gpuPowerW(hw, busy, uC, uM, (chunks * commS) / timeS, k) };
  };
  const pre = prefillOf(c.batch / replicas);
  const prefillEnergyJ = (G * pre.powerW * pre.timeS) / c.batch;
  const ttftS = prefillOf(1).timeS + tpotS;

  const energyJ = prefillEnergyJ + decodeEnergyJ;
  const cycleS = pre.timeS + decodeTimeS; // one generation of `batch` requests, start to end
  const throughputTokS = (c.batch * c.outputTokens) / cycleS;
  const avgPowerW = (energyJ * c.batch) / cycleS;
  return {
    feasible: memory.feasible, ...(memory.reason ? { infeasibleReason: memory.reason } : {}), memory,
    prefillTimeS: pre.timeS, decodeTimeS, ttftS, tpotS, prefillEnergyJ, decodeEnergyJ, energyJ, avgPowerW, throughputTokS,
  };
}
