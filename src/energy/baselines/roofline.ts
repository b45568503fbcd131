/**
 * Roofline energy in the style of LLMCarbon: power times time, with time from FLOPs, bytes and spec sheets and
 * nothing fitted. A decode step takes the longer of its compute time (FLOPs at peak) and its memory time (weights
 * and KV cache at HBM bandwidth); every GPU draws its board power (TDP) for that time; the step yields B tokens.
 * Prefill adds the prompt's FLOPs at peak, at the same power, spread over the request's output tokens:
 *
 *   E_token = G P_board (max(C, M_dense + M_experts) / B + P_pre / O) / 1000      (C, M, P_pre in ms)
 *
 * The training records are ignored: the model has no fitted structure, so its MAPE measures the spec sheet's
 * distance from measured serving, and only its ranking is comparable with fitted methods.
 */
import { configurationFeatures, type EnergyFeatures } from '../model/features.js';
import type { EnergyMethod, FittedMethod, MethodContext, PredictInput } from './method.js';

/** Roofline step time of a decode step (ms): compute-bound or memory-bound, whichever is longer. */
export const rooflineStepMs = (f: EnergyFeatures): number => Math.max(f.computeMs, f.denseMemoryMs + f.expertMemoryMs);

export function rooflineEnergyPerTokenJ(f: EnergyFeatures): number {
  return (f.gpus * f.boardPowerW * (rooflineStepMs(f) / f.batch + f.prefillMs / f.outputTokens)) / 1000;
}

function fitted(ctx: MethodContext): FittedMethod {
  return {
    method: 'roofline',
    notes: ['nothing fitted: board power x roofline time from the spec sheets'],
    predict: (configs: readonly PredictInput[]) => configs.map((c, i) => rooflineEnergyPerTokenJ(configurationFeatures(c, { catalog: ctx.catalog, inputTokens: ctx.inputTokens }, { row: i + 1 }))),
    calibrate: () => fitted(ctx),
  };
}

export const rooflineMethod: EnergyMethod = {
  name: 'roofline',
  label: 'roofline (LLMCarbon-style)',
  kind: 'analytical',
  description: 'board power x roofline time (max of FLOPs at peak and bytes at HBM bandwidth) per token, plus prefill FLOPs at peak; no fitted parameter',
  fit: (_records, ctx = {}) => fitted(ctx),
};
