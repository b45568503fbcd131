/**
 * The closed-form energy model: twelve parameters, each with a name, a physical meaning and a unit.
 *
 * Per output token (J/token), for a configuration of G GPUs decoding B sequences:
 *
 *   decode step time (ms)  T = tau_layer * L + k_mem * M_dense + k_expert * M_experts + k_comp * C
 *                              + tau_a2a * H_experts + tau_pp * H_pp + tau_seq * S
 *   energy per token       E = p_static * G * P_idle * (T + k_comp * P_pre * B / O) / B      static power x time
 *                              + e_byte * bytes / B + e_flop * (flops_decode + flops_prefill / O) + e_comm * comm / B
 *                              + e_gpu * G
 *
 * where L is the layer count, M_dense, M_experts and C the ideal (spec-sheet) times of one step reading dense
 * weights and KV cache, reading routed experts, and computing, H_tensor and H_experts the
 * expert all-to-all hops (latency-bound), H_pp the pipeline hops, S the sequences each
 * engine schedules, P_pre the ideal prefill compute time of one request, O the output tokens per request. The
 * prefill energy is the k_comp * P_pre part of the static term and the prefill share of the e_flop term; the
 * rest is decode (compute efficiency k_comp is shared by both phases). Tensor
 * parallelism enters through e_comm (its all-reduce traffic) besides the GPUs it adds; pipeline parallelism through
 * tau_pp alone. (A tensor all-reduce latency, tau_sync x ring hops, was part of the first version and fitted to 0 on
 * ML.ENERGY v3 and on the simulator alike; e_gpu took its place.) Every parameter is
 * non-negative and every feature is, so the prediction is always positive (tau_layer > 0, p_static > 0).
 *
 * The engine fits it as the built-in structure `physics` (structure-physics.ts): latency rows (measured time per
 * output token) and energy rows share the step-time parameters, so with latency data the static power and the
 * times are both identified.
 */

export interface ParameterSpec {
  name: string;
  symbol: string;
  meaning: string;
  unit: string;
  /** starting value of the fit, and the value a parameter the data cannot identify is held at */
  initial: number;
  lower: number;
  upper: number;
  /** the phase it belongs to */
  phase: 'decode' | 'prefill' | 'both';
}

export const PARAMETERS: readonly ParameterSpec[] = [
  { name: 'p_static', symbol: 'p_{static}', meaning: 'static power of a serving GPU, as a multiple of the catalog idle power', unit: '1 (x idle W)', initial: 1.5, lower: 0.2, upper: 10, phase: 'both' },
  { name: 'tau_layer', symbol: '\\tau_{layer}', meaning: 'fixed time per layer of a decode step: kernel launches, synchronisation', unit: 'us', initial: 100, lower: 0.1, upper: 1e5, phase: 'decode' },
  { name: 'k_mem', symbol: 'k_{mem}', meaning: 'time reading dense weights and KV cache over its spec-sheet ideal (1 / achieved fraction of HBM bandwidth)', unit: '1', initial: 1.2, lower: 0, upper: 50, phase: 'decode' },
  { name: 'k_expert', symbol: 'k_{expert}', meaning: 'time reading routed-expert weights over its ideal (MoE kernels: routing, small per-expert GEMMs)', unit: '1', initial: 1.5, lower: 0, upper: 50, phase: 'decode' },
  { name: 'k_comp', symbol: 'k_{comp}', meaning: 'decode compute time over its ideal (1 / achieved fraction of peak FLOP/s)', unit: '1', initial: 1, lower: 0, upper: 200, phase: 'decode' },
  { name: 'tau_pp', symbol: '\\tau_{pp}', meaning: 'time added to a decode step by each pipeline-stage boundary', unit: 'ms', initial: 0.2, lower: 0, upper: 100, phase: 'decode' },
  { name: 'tau_seq', symbol: '\\tau_{seq}', meaning: 'host time per running sequence per step (scheduling, sampling, detokenising)', unit: 'us', initial: 30, lower: 0, upper: 1e4, phase: 'decode' },
  { name: 'tau_a2a', symbol: '\\tau_{a2a}', meaning: 'latency of one expert all-to-all hop (dispatch or combine, per peer)', unit: 'us', initial: 3, lower: 0, upper: 1e3, phase: 'decode' },
  { name: 'e_byte', symbol: 'e_{byte}', meaning: 'dynamic energy per byte moved from HBM', unit: 'J/GB', initial: 0.1, lower: 0, upper: 100, phase: 'decode' },
  { name: 'e_flop', symbol: 'e_{flop}', meaning: 'dynamic energy per tensor FLOP (prefill and decode alike)', unit: 'J/TFLOP', initial: 0.5, lower: 0, upper: 1e3, phase: 'both' },
  { name: 'e_comm', symbol: 'e_{comm}', meaning: 'dynamic energy per byte sent over the interconnect by collectives', unit: 'J/GB', initial: 1, lower: 0, upper: 1e4, phase: 'decode' },
  { name: 'e_gpu', symbol: 'e_{gpu}', meaning: 'dynamic energy per output token per GPU of the configuration: per-token work every rank repeats whatever the sharding (norms, embeddings, sampling, routing, collective launches)', unit: 'mJ', initial: 20, lower: 0, upper: 1e4, phase: 'decode' },
];

export const PARAMETER_NAMES: readonly string[] = PARAMETERS.map((p) => p.name);

/**
 * Legacy (kept for the discovery module's joint fit; fit and predict use the physics structure): the columns of
 * the single gated expression the closed form was fitted as before structures. The columns the expression reads, per row. `is_e` rows predict energy per output token, `is_t` rows time per
 * output token (s); each column is zero where its row type does not use it.
 */
export const MODEL_COLUMNS = [
  'static_j_per_ms', // is_e * G * P_idle / 1000 / B: J per ms of step time per output token, at p_static = 1
  'latency_s_per_ms', // is_t * 1e-3
  'layers_k', // layers / 1000 (tau_layer in us gives ms)
  'memory_ms', 'expert_ms', 'compute_ms', 'pipeline_hops', 'sequences_k',
  'expert_hops_k',
  'bytes_gb_per_token', 'flops_tf_per_token', 'comm_gb_per_token',
  'gpus_k', // is_e * G / 1000 (e_gpu in mJ gives J)
] as const;
export type ModelColumn = (typeof MODEL_COLUMNS)[number];

/** Infix text of the closed form with the given parameter values (in PARAMETERS order) as its constants. */
export function closedFormExpression(values: readonly number[]): string {
  if (values.length !== PARAMETERS.length) throw new Error(`closedFormExpression needs ${PARAMETERS.length} values`);
  const v = values.map((x) => (Object.is(x, -0) ? 0 : x).toPrecision(17));
  return `(${v[0]} * static_j_per_ms + latency_s_per_ms) * (${v[1]} * layers_k + ${v[2]} * memory_ms + ${v[3]} * expert_ms`
    + ` + ${v[4]} * compute_ms + ${v[5]} * pipeline_hops + ${v[6]} * sequences_k`
    + ` + ${v[7]} * expert_hops_k) + ${v[8]} * bytes_gb_per_token + ${v[9]} * flops_tf_per_token`
    + ` + ${v[10]} * comm_gb_per_token + ${v[11]} * gpus_k`;
}

/** The formula for people, in plain text and LaTeX (names, not values). */
export const FORMULA_TEXT = [
  'T_step[ms] = tau_layer*L/1000 + k_mem*M_dense+kv + k_expert*M_experts + k_comp*C + tau_a2a*H_experts/1000 + tau_pp*(pp-1) + tau_seq*S/1000',
  'E_token[J] = p_static*G*P_idle*(T_step + k_comp*P_pre*B/O)/(1000*B) + e_byte*bytes_GB/B + e_flop*(F_decode + I*F_prefill/O)[TFLOP] + e_comm*comm_GB/B + e_gpu*G/1000',
].join('\n');

export const FORMULA_LATEX = String.raw`T_{step} = \tau_{layer} L + k_{mem} M_{dense} + k_{expert} M_{experts} + k_{comp} C + \tau_{a2a} H_{experts} + \tau_{pp} (pp - 1) + \tau_{seq} S,\quad `
  + String.raw`E_{token} = \frac{p_{static}\, G\, P_{idle}\,(T_{step} + k_{comp} P_{pre} B / O)}{B} + \frac{e_{byte}\, Q_{bytes} + e_{comm}\, Q_{comm}}{B} + e_{flop}\left(F_{dec} + \frac{I F_{pre}}{O}\right) + e_{gpu}\, G`;
