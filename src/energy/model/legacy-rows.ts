/**
 * Legacy (kept for the discovery module's joint fit, which builds the closed form's gated design rows; fit and
 * predict use structures): the design rows of records and the closed-form parameters those rows cannot identify.
 */
import { modelColumns, type DesignRow } from './design.js';
import type { EnergyFeatures } from './features.js';
/** The measured fields a design row reads (a FitRecord has them; named here so this file does not import fit.ts). */
interface MeasuredRecord { energy_j: number; output_tokens: number; tpot_s?: number; prefill_energy_j?: number; input_tokens?: number }

export function designRows(records: readonly MeasuredRecord[], features: readonly EnergyFeatures[], useLatency: boolean): DesignRow[] {
  const rows: DesignRow[] = [];
  records.forEach((r, i) => {
    rows.push({ kind: 'energy', record: i, columns: modelColumns(features[i], 'energy'), y: r.energy_j / r.output_tokens });
    if (useLatency && r.tpot_s !== undefined && r.tpot_s > 0) rows.push({ kind: 'latency', record: i, columns: modelColumns(features[i], 'latency'), y: r.tpot_s });
    if (r.prefill_energy_j !== undefined && r.prefill_energy_j > 0 && r.input_tokens !== undefined && r.input_tokens > 0) {
      rows.push({ kind: 'prefill', record: i, columns: modelColumns(features[i], 'prefill'), y: r.prefill_energy_j / r.output_tokens });
    }
  });
  return rows;
}

/** Which closed-form parameters these rows cannot identify, with the reason. */
export function unidentified(rows: readonly DesignRow[]): Map<string, string> {
  const held = new Map<string, string>();
  const allZero = (col: string): boolean => rows.every((r) => r.columns[col as keyof DesignRow['columns']] === 0);
  if (!rows.some((r) => r.kind === 'latency')) held.set('p_static', 'no measured time per output token: held at its starting value; step times carry the static-power scale');
  if (allZero('pipeline_hops')) held.set('tau_pp', 'no pipeline parallelism in the data');
  if (allZero('expert_hops_k')) held.set('tau_a2a', 'no expert parallelism in the data');
  if (allZero('expert_ms')) held.set('k_expert', 'no mixture-of-experts model in the data');
  if (allZero('comm_gb_per_token')) held.set('e_comm', 'no collective traffic in the data');
  return held;
}
