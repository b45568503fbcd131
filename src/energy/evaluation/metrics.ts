/**
 * How well predictions of energy per output token serve configuration selection. Within each scenario (records
 * sharing the scenario keys, by default workload, model and hardware): pairwise ranking accuracy, Top-1 (the
 * measured best configuration is the predicted best) and regret (extra measured energy of the predicted best over
 * the measured best, percent). Over all records: mean absolute percentage error and R2 of log energy.
 */
import { createRng } from '../../sr/index.js';

export const DEFAULT_SCENARIO_KEYS = ['workload', 'model', 'hardware'] as const;

export interface ScoredRecord {
  /** measured energy per output token (J) */
  measured: number;
  /** predicted energy per output token (J) */
  predicted: number;
  /** the scenario key values */
  scenario: string;
}

export interface SelectionMetrics {
  records: number;
  /** mean |predicted - measured| / measured */
  mape: number;
  medianApe: number;
  /** R2 of log(predicted) against log(measured) */
  r2Log: number;
  scenarios: number;
  /** fraction of same-scenario pairs ordered alike by measured and predicted energy */
  pairwise: number;
  /** fraction of scenarios (with at least 2 records) whose measured best is the predicted best */
  top1: number;
  /** mean and worst regret over scenarios, percent */
  meanRegretPct: number;
  maxRegretPct: number;
}

/** The record's values of the scenario keys, joined; a record without a key contributes ''. */
export function scenarioKey(record: object, keys: readonly string[] = DEFAULT_SCENARIO_KEYS): string {
  return keys.map((k) => String((record as Record<string, unknown>)[k] ?? '')).join(' | ');
}

/** The records by scenario, each group in the records' order. */
function byScenario<T extends { scenario: string }>(records: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of records) {
    const g = groups.get(r.scenario);
    if (g) g.push(r);
    else groups.set(r.scenario, [r]);
  }
  return groups;
}

export function selectionMetrics(scored: readonly ScoredRecord[]): SelectionMetrics {
  const n = scored.length;
  const ape = scored.map((s) => Math.abs(s.predicted - s.measured) / s.measured).sort((a, b) => a - b);
  const logs = scored.map((s) => Math.log(s.measured));
  const meanLog = logs.reduce((a, b) => a + b, 0) / Math.max(1, n);
  let ssr = 0;
  let sst = 0;
  scored.forEach((s, i) => { ssr += (Math.log(s.predicted) - logs[i]) ** 2; sst += (logs[i] - meanLog) ** 2; });
  const groups = byScenario(scored);
  let pairs = 0;
  let agree = 0;
  let ranked = 0;
  let top = 0;
  const regrets: number[] = [];
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    ranked++;
    for (let a = 0; a < g.length; a++) {
      for (let b = a + 1; b < g.length; b++) {
        if (g[a].measured === g[b].measured) continue;
        pairs++;
        if ((g[a].measured - g[b].measured) * (g[a].predicted - g[b].predicted) > 0) agree++;
      }
    }
    const best = g.reduce((m, s) => (s.measured < m.measured ? s : m));
    const picked = g.reduce((m, s) => (s.predicted < m.predicted ? s : m));
    if (picked === best || picked.measured === best.measured) top++;
    regrets.push((picked.measured / best.measured - 1) * 100);
  }
  return {
    records: n,
    mape: ape.reduce((a, b) => a + b, 0) / Math.max(1, n),
    medianApe: n === 0 ? Number.NaN : ape[Math.floor(n / 2)],
    r2Log: sst > 0 ? 1 - ssr / sst : Number.NaN,
    scenarios: ranked,
    pairwise: pairs ? agree / pairs : Number.NaN,
    top1: ranked ? top / ranked : Number.NaN,
    meanRegretPct: regrets.length ? regrets.reduce((a, b) => a + b, 0) / regrets.length : Number.NaN,
    maxRegretPct: regrets.length ? Math.max(...regrets) : Number.NaN,
  };
}

/** A seeded random split: `trainSize` records to train on, the rest to test on (indexes). */
export function randomSplit(n: number, trainSize: number, seed: number): { train: number[]; test: number[] } {
  const rng = createRng(seed);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return { train: idx.slice(0, trainSize), test: idx.slice(trainSize) };
}

/** A measured record with what a monotone predictor sees of it: its scenario, its layout and its place in the order. */
export interface OrderedRecord {
  /** measured energy per output token (J) */
  measured: number;
  scenario: string;
  /** the configuration less the ordered quantity (say, tp, pp, ep and precision when `order` is the batch) */
  layout: string;
  /** the quantity the predictor's energy falls with at a fixed layout (say, the batch) */
  order: number;
}

/**
 * The highest Top-1 (as selectionMetrics counts it) that any predictor can reach whose prediction does not rise
 * with `order` within a layout of a scenario: such a predictor never picks a record that a same-layout record of
 * larger order beats or ties, so a scenario whose measured best records all have one is lost whatever else it gets
 * right. The physics closed form is such a predictor in the batch at a fixed layout, workload and output length
 * (every term of energy per token is constant or falls as 1 / batch), so this bounds its Top-1 where a layout's
 * records share one output length; where the measured output length varies from run to run (ML.ENERGY v3), a
 * scenario whose batches the closed form predicts within a hair of each other can still go its way.
 */
export function monotoneTop1Bound(records: readonly OrderedRecord[]): number {
  const groups = byScenario(records);
  let ranked = 0;
  let reachable = 0;
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    ranked++;
    const best = Math.min(...g.map((r) => r.measured));
    const canPick = (r: OrderedRecord): boolean => !g.some((o) => o !== r && o.layout === r.layout && o.order > r.order);
    if (g.some((r) => r.measured === best && canPick(r))) reachable++;
  }
  return ranked ? reachable / ranked : Number.NaN;
}
