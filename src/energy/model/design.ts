/**
 * The kinds of rows an energy model is fitted on and predicts: energy rows (target: energy per output token, J),
 * latency rows (target: time per output token, s) and prefill rows (target: prefill energy per output token, J).
 * Each kind has its own expression in a structure (structure.ts); feature values come from structure-features.ts.
 */
export type RowKind = 'energy' | 'latency' | 'prefill';
