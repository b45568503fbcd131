/**
 * The built-in structure `physics`: the hand-written closed form of closed-form.ts as data. Its energy, latency
 * and prefill expressions give the same numbers as the closed form's energy, latency and prefill rows.
 */
import { PARAMETERS } from './closed-form.js';
import { STRUCTURE_FORMAT, STRUCTURE_VERSION, type Structure } from './structure.js';

const STEP_TIME_MS = 'tau_layer * layers_k + k_mem * memory_ms + k_expert * expert_ms + k_comp * COMPUTE + tau_pp * pipeline_hops + tau_seq * sequences_k + tau_a2a * expert_hops_k';

export const PHYSICS_STRUCTURE: Structure = Object.freeze({
  format: STRUCTURE_FORMAT,
  version: STRUCTURE_VERSION,
  name: 'physics',
  description: 'The hand-written closed form (docs/energy-model.md): static power times the decode step time '
    + '(a fixed time per layer, weight and KV-cache reads, routed-expert reads, compute, pipeline and expert '
    + 'all-to-all hops, host time per sequence) and the prefill compute time, plus dynamic energy per byte read, '
    + 'per FLOP, per byte of collective traffic and per GPU. Latency rows share the step-time parameters; prefill '
    + 'rows keep the prefill terms alone.',
  expressions: {
    energy: `p_static * static_j_per_ms * (${STEP_TIME_MS.replace('COMPUTE', '(compute_ms + prefill_compute_ms)')})`
      + ' + e_byte * bytes_gb_per_token + e_flop * (flops_tf_per_token + prefill_flops_tf_per_token)'
      + ' + e_comm * comm_gb_per_token + e_gpu * gpus_k',
    latency: `0.001 * (${STEP_TIME_MS.replace('COMPUTE', 'compute_ms')})`,
    prefill: 'p_static * static_j_per_ms * (k_comp * prefill_compute_ms) + e_flop * prefill_flops_tf_per_token',
  },
  parameters: PARAMETERS.map((p) => ({
    name: p.name, meaning: p.meaning, unit: p.unit, start: p.initial, lower: p.lower, upper: p.upper, phase: p.phase, origin: 'physics' as const,
  })),
});
