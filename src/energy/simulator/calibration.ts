/**
 * Calibration against measurements: simulate each measured configuration the simulator can express and compare
 * energy per output token. Measured records carry no prompt length (ML.ENERGY), so a per-workload assumption
 * is used (TASK_INPUT_TOKENS, documented in docs/simulator.md).
 */
import { builtinCatalog, type Catalog } from '../catalog/catalog.js';
import type { ModelSpec } from '../catalog/model-spec.js';
import type { Modality, ProfilingRecord } from '../records/schema.js';
import { quantileOfSorted } from '../stats.js';
import { DEFAULT_PHYSICS, promptTokens, TASK_INPUT_TOKENS, visionTokensFor, type PhysicsConstants } from '../physics/index.js';
import { estimateServing } from './physics.js';

export interface CalibrationRow {
  record: ProfilingRecord;
  measuredJPerToken: number;
  simulatedJPerToken: number;
  /** simulated / measured */
  ratio: number;
}

export interface CalibrationResult {
  rows: CalibrationRow[];
  /** records the simulator cannot express, with the reason */
  skipped: { record: ProfilingRecord; reason: string }[];
}

export function compareWithMeasurements(
  records: readonly ProfilingRecord[],
  options: { catalog?: Catalog; physics?: PhysicsConstants; inputTokens?: Readonly<Record<string, number>> } = {},
): CalibrationResult {
  const catalog = options.catalog ?? builtinCatalog();
  const inputs = options.inputTokens ?? TASK_INPUT_TOKENS;
  const rows: CalibrationRow[] = [];
  const skipped: CalibrationResult['skipped'] = [];
  for (const r of records) {
    const m = catalog.findModel(r.model);
    const hw = catalog.findHardware(r.hardware);
    if (!m || !hw) {
      skipped.push({ record: r, reason: !m ? `model ${r.model} not in the catalog` : `hardware ${r.hardware} not in the catalog` });
      continue;
    }
    const modality = r.modality ?? 'text';
    const visionTokens = visionTokensFor(m, modality);
    const est = estimateServing({
      model: m, hardware: hw, tp: r.tp, pp: r.pp, dp: r.dp ?? 1, ep: r.ep ?? 1, numGpus: r.num_gpus ?? r.tp * r.pp * (r.dp ?? 1),
      batch: r.batch, inputTokens: promptTokens(r, m, inputs), outputTokens: r.output_tokens,
      precision: r.precision ?? m.defaultPrecision, visionTokens,
    }, options.physics ?? DEFAULT_PHYSICS);
    if (!est.feasible) {
      skipped.push({ record: r, reason: `simulator: ${est.infeasibleReason ?? 'does not fit'}` });
      continue;
    }
    const measured = r.energy_j / r.output_tokens;
    const simulated = est.energyJ / r.output_tokens;
    rows.push({ record: r, measuredJPerToken: measured, simulatedJPerToken: simulated, ratio: simulated / measured });
  }
  return { rows, skipped };
}

export interface RatioSummary {
  count: number;
  median: number;
  /** geometric standard deviation: exp(std of log ratio) */
  geometricSpread: number;
  p10: number;
  p90: number;
  min: number;
  max: number;
  /** fraction with 0.5 <= ratio <= 2 */
  within2x: number;
  within1_5x: number;
}

export function summariseRatios(ratios: readonly number[]): RatioSummary {
  const s = [...ratios].sort((a, b) => a - b);
  const logs = s.map(Math.log);
  const mu = logs.reduce((a, b) => a + b, 0) / Math.max(1, logs.length);
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mu) ** 2, 0) / Math.max(1, logs.length));
  const frac = (f: number): number => s.filter((x) => x >= 1 / f && x <= f).length / Math.max(1, s.length);
  return {
    count: s.length, median: quantileOfSorted(s, 0.5), geometricSpread: Math.exp(sd), p10: quantileOfSorted(s, 0.1), p90: quantileOfSorted(s, 0.9),
    min: s[0] ?? Number.NaN, max: s[s.length - 1] ?? Number.NaN, within2x: frac(2), within1_5x: frac(1.5),
  };
}
