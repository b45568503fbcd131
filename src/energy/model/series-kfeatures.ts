/**
 * Features of a series' own k records for a residual model (issue 15, a new deployment from a few records): what
 * the trees may know of a series at a configuration given k of its records, besides the configuration's own
 * features. A series' k records set its effects' posterior (series-effects.ts) and the features read off it and
 * them: k, their mean log residual, the posterior's shift and spread at the configuration, its level and slope, the
 * mean residual of the k records at the configuration's setting and workload with their counts (none there: the mean
 * of all k), and the residual and log-batch distance of the nearest of them (by log batch, a record of another
 * setting only when none shares the configuration's).
 *
 * The trees learn the correction to the posterior's shift from rows built as a new series will be seen: each training
 * series gets random draws of k of its records (kFeatureRows), which set its features, and its other records are
 * the rows, so the training rows and a new deployment's predictions meet the same features from the same k.
 */
import { seriesPosteriors } from './series-posteriors.js';
import { effectFor, groupKey, seriesStats, type RecordLike, type SeriesBy, type VarianceComponents } from './series-effects.js';

export const K_FEATURE_NAMES = ['k', 'k_mean', 'k_shift', 'k_sd', 'k_level', 'k_slope', 'k_setting_mean', 'k_setting_n', 'k_workload_mean', 'k_workload_n', 'k_nearest', 'k_nearest_dlogbatch', 'k_nearest_same_setting'] as const;

/** How many of a series' records give its features in the training rows, and how many draws of each. */
export const DEFAULT_K_DRAWS = { ks: [3, 5, 10], draws: 2 } as const;

export interface KRecords {
  records: readonly RecordLike[];
  /** their log residuals */
  residuals: readonly number[];
}

/** The effects' shift and spread at `target` given the series' k records, and the k-record features (K_FEATURE_NAMES). */
export function kRecordFeatures(target: RecordLike, own: KRecords, key: string, by: SeriesBy, center: number, c: VarianceComponents): { shift: number; sd: number; features: number[] } {
  const k = own.records.length;
  const post = k ? seriesPosteriors({ stats: seriesStats(own.records, own.residuals, by, center, () => key), components: c }) : new Map();
  const e = effectFor(target, by, center, c, post, key);
  const mean = k ? own.residuals.reduce((a, r) => a + r, 0) / k : 0;
  const setting = groupKey(target, by.setting);
  const workload = groupKey(target, ['workload']);
  const lb = Math.log(target.batch);
  let sSum = 0; let sN = 0; let wSum = 0; let wN = 0; let near = -1; let best = Infinity;
  own.records.forEach((r, j) => {
    const same = groupKey(r, by.setting) === setting;
    if (same) { sSum += own.residuals[j]; sN += 1; }
    if (groupKey(r, ['workload']) === workload) { wSum += own.residuals[j]; wN += 1; }
    const d = Math.abs(Math.log(r.batch) - lb) + (same ? 0 : 100);
    if (d < best) { best = d; near = j; }
  });
  const m = post.get(key)?.mean ?? [0, 0];
  const nearSame = near >= 0 && groupKey(own.records[near], by.setting) === setting;
  return {
    shift: e.shift,
    sd: e.sd,
    features: [k, mean, e.shift, e.sd, m[0], m[1], sN ? sSum / sN : mean, sN, wN ? wSum / wN : mean, wN, near >= 0 ? own.residuals[near] : mean, near >= 0 ? lb - Math.log(own.records[near].batch) : 0, nearSame ? 1 : 0],
  };
}

/** A seeded uniform generator in [0, 1). */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0; s ^= s >>> 13; return (s >>> 0) / 4294967296; };
}

/**
 * Training rows: for each series with more than k records, `draws` random draws of k of its records (each k of
 * `ks`) give the features of each of its other records; the target is that record's residual less the shift.
 */
export function kFeatureRows(records: readonly RecordLike[], residuals: ArrayLike<number>, keys: readonly string[], by: SeriesBy, center: number, c: VarianceComponents, options: { ks?: readonly number[]; draws?: number; seed?: number } = {}): { index: number[]; features: number[][]; target: number[] } {
  const rnd = uniform(options.seed ?? 1);
  const groups = new Map<string, number[]>();
  keys.forEach((k, i) => (groups.get(k) ?? groups.set(k, []).get(k)!).push(i));
  const out = { index: [] as number[], features: [] as number[][], target: [] as number[] };
  for (const [key, ix] of groups) {
    for (const k of options.ks ?? DEFAULT_K_DRAWS.ks) {
      if (ix.length <= k) continue;
      for (let d = 0; d < (options.draws ?? DEFAULT_K_DRAWS.draws); d++) {
        const order = ix.map((i) => [rnd(), i]).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
        const own = { records: order.slice(0, k).map((i) => records[i]), residuals: order.slice(0, k).map((i) => residuals[i]) };
        for (const i of order.slice(k)) {
          const q = kRecordFeatures(records[i], own, key, by, center, c);
          out.index.push(i); out.features.push(q.features); out.target.push(residuals[i] - q.shift);
        }
      }
    }
  }
  return out;
}
