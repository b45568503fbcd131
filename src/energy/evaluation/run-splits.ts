/**
 * Runs methods over a protocol's splits: fit on the training records, predict the test records (and, where a
 * split calibrates, predict them again after calibration), pool the parts of a run, score with
 * selectionMetrics by scenario, and summarise each (method, group, variant) over its seeds: median and
 * quartiles of every metric. A method that fails on a split (too few records for its parameters) counts as a
 * failed run with its error, never as a silent gap.
 */
import { isEnergyLensError } from '../../errors.js';
import { energyPerTokenJ, type EnergyMethod, type FittedMethod, type MethodContext, type TrainRecord } from '../baselines/method.js';
import { DEFAULT_SCENARIO_KEYS, scenarioKey, selectionMetrics, type ScoredRecord, type SelectionMetrics } from './metrics.js';
import { PROTOCOL_DESCRIPTIONS, protocolSplits, type ProtocolName, type ProtocolSplits, type Split, type SplitOptions } from './protocols.js';
import { quantileOfSorted } from '../stats.js';

export const METRIC_KEYS = ['mape', 'medianApe', 'r2Log', 'pairwise', 'top1', 'meanRegretPct', 'maxRegretPct'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];
export type MetricSummary = Record<MetricKey, number | null>;

export interface EvaluateOptions {
  /** scenario keys of a record (default workload, model, hardware) */
  scenarioKeys?: readonly string[];
  /** catalog and assumed prompts handed to every method's fit */
  context?: Omit<MethodContext, 'seed'>;
  onProgress?: (done: number, total: number, label: string) => void;
  /** every run's test predictions (energy per output token), e.g. for a parity plot */
  onPredictions?: (p: RunPredictions) => void;
}

export interface RunPredictions {
  protocol: ProtocolName; group: string; variant: string; seed: number; method: string;
  /** indexes of the test records, and the predictions in the same order */
  records: number[]; predicted: number[];
}

export interface MethodSummary {
  method: string;
  label: string;
  kind: EnergyMethod['kind'];
  group: string;
  /** 'zero-shot' or 'calibrated (k=5)' in hardware extrapolation; '' elsewhere */
  variant: string;
  trainSize: number;
  runs: number;
  failed: number;
  median: MetricSummary;
  q25: MetricSummary;
  q75: MetricSummary;
  /** median seconds to fit (and calibrate) one run */
  fitSeconds: number | null;
  /** distinct errors of the failed runs */
  errors: string[];
  /** distinct reductions the fits reported */
  notes: string[];
}

export interface ProtocolResult {
  protocol: ProtocolName;
  description: string;
  records: number;
  scenarioKeys: string[];
  seeds: number;
  skipped: string[];
  results: MethodSummary[];
}

/** The q-quantile of the finite values; null when there are none. */
function quantile(xs: readonly number[], q: number): number | null {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length === 0 ? null : quantileOfSorted(s, q);
}

const summary = (runs: readonly SelectionMetrics[], q: number): MetricSummary => Object.fromEntries(METRIC_KEYS.map((k) => [k, quantile(runs.map((r) => r[k]), q)])) as MetricSummary;

interface Outcome { metrics: SelectionMetrics | null; error?: string; seconds: number; notes: readonly string[] }

/** A split's variants: zero-shot and calibrated where it calibrates, else the one unnamed variant. */
function variantsOf(split: Split): string[] {
  return split.parts.some((p) => p.calibrate) ? ['zero-shot', `calibrated (k=${split.parts[0].calibrate?.length ?? 0})`] : [''];
}

function errorText(err: unknown): string {
  return isEnergyLensError(err) ? `[${err.code}] ${err.message}` : (err as Error)?.message ?? String(err);
}

/** One method on one split: the zero-shot outcome and, where the split calibrates, the calibrated one. */
function runSplit(records: readonly TrainRecord[], method: EnergyMethod, split: Split, o: EvaluateOptions, protocol: ProtocolName): Outcome[] {
  const keys = o.scenarioKeys ?? DEFAULT_SCENARIO_KEYS;
  const variants = variantsOf(split);
  const scored: ScoredRecord[][] = variants.map(() => []);
  const notes = new Set<string>();
  const started = performance.now();
  const ctx: MethodContext = { ...o.context, seed: split.seed };
  const pick = (idx: readonly number[]): TrainRecord[] => idx.map((i) => records[i]);
  try {
    for (const part of split.parts) {
      const test = pick(part.test);
      const fitted: FittedMethod[] = [method.fit(pick(part.train), ctx)];
      try {
        if (part.calibrate) {
          const k = pick(part.calibrate);
          fitted.push(fitted[0].calibrate ? fitted[0].calibrate(k, ctx) : method.fit([...pick(part.train), ...k], ctx));
        }
        fitted.forEach((f, v) => {
          for (const n of f.notes) notes.add(n);
          const predicted = f.predict(test);
          o.onPredictions?.({ protocol, group: split.group, variant: variants[v], seed: split.seed, method: method.name, records: part.test, predicted });
          test.forEach((r, i) => scored[v].push({ measured: energyPerTokenJ(r), predicted: predicted[i], scenario: scenarioKey(r, keys) }));
        });
      } finally {
        for (const f of new Set(fitted)) f.dispose?.();
      }
    }
  } catch (err) {
    const seconds = (performance.now() - started) / 1000;
    return variants.map(() => ({ metrics: null, error: errorText(err), seconds, notes: [...notes] }));
  }
  const seconds = (performance.now() - started) / 1000;
  return scored.map((s) => ({ metrics: selectionMetrics(s), seconds, notes: [...notes] }));
}

/** Every method on every split of a protocol, summarised per (method, group, variant). */
export function evaluateSplits(records: readonly TrainRecord[], methods: readonly EnergyMethod[], splits: ProtocolSplits, options: EvaluateOptions = {}): ProtocolResult {
  const groups = [...new Set(splits.splits.map((s) => s.group))];
  const total = splits.splits.length * methods.length;
  let done = 0;
  const results: MethodSummary[] = [];
  for (const method of methods) {
    const byKey = new Map<string, { group: string; variant: string; trainSize: number; outcomes: Outcome[] }>();
    for (const split of splits.splits) {
      const outcomes = runSplit(records, method, split, options, splits.protocol);
      const variants = variantsOf(split);
      outcomes.forEach((out, v) => {
        const key = `${split.group}\u0000${variants[v]}`;
        const entry = byKey.get(key) ?? { group: split.group, variant: variants[v], trainSize: split.trainSize, outcomes: [] };
        entry.outcomes.push(out);
        byKey.set(key, entry);
      });
      options.onProgress?.(++done, total, `${splits.protocol}: ${method.name}, ${split.group}, seed ${split.seed}`);
    }
    const ordered = [...byKey.values()].sort((a, b) => groups.indexOf(a.group) - groups.indexOf(b.group) || a.variant.localeCompare(b.variant));
    for (const e of ordered) {
      const ok = e.outcomes.flatMap((x) => (x.metrics ? [x.metrics] : []));
      results.push({
        method: method.name, label: method.label, kind: method.kind, group: e.group, variant: e.variant, trainSize: e.trainSize,
        runs: e.outcomes.length, failed: e.outcomes.length - ok.length,
        median: summary(ok, 0.5), q25: summary(ok, 0.25), q75: summary(ok, 0.75),
        fitSeconds: quantile(e.outcomes.map((x) => x.seconds), 0.5),
        errors: [...new Set(e.outcomes.flatMap((x) => (x.error ? [x.error] : [])))],
        notes: [...new Set(e.outcomes.flatMap((x) => x.notes))].slice(0, 8),
      });
    }
  }
  return {
    protocol: splits.protocol, description: PROTOCOL_DESCRIPTIONS[splits.protocol], records: records.length,
    scenarioKeys: [...(options.scenarioKeys ?? DEFAULT_SCENARIO_KEYS)], seeds: Math.max(0, ...splits.splits.map((s) => s.seed)),
    skipped: splits.skipped, results,
  };
}

/**
 * Every method's asynchronous preparation (EnergyMethod.prepare: the discovered method's discovery) on every
 * training set the splits fit it on, with the split's seed; methods without `prepare` are skipped.
 */
export async function prepareSplits(records: readonly TrainRecord[], methods: readonly EnergyMethod[], splits: ProtocolSplits, options: EvaluateOptions = {}): Promise<void> {
  const pick = (idx: readonly number[]): TrainRecord[] => idx.map((i) => records[i]);
  for (const method of methods) {
    if (!method.prepare) continue;
    for (const split of splits.splits) {
      const ctx: MethodContext = { ...options.context, seed: split.seed };
      for (const part of split.parts) {
        try {
          // only the training sets: a method that prepares calibrates its fits itself (FittedMethod.calibrate)
          await method.prepare(pick(part.train), ctx);
        } catch {
          // the fit on this split then fails with its own error (runSplit counts it as a failed run)
        }
      }
    }
  }
}

/** A protocol by name: its splits, then every method on them. */
export function runProtocol(name: string, records: readonly TrainRecord[], methods: readonly EnergyMethod[], splitOptions: SplitOptions = {}, options: EvaluateOptions = {}): ProtocolResult {
  return evaluateSplits(records, methods, protocolSplits(name, records, { catalog: options.context?.catalog, ...splitOptions }), options);
}
