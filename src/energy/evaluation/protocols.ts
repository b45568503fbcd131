/**
 * Evaluation protocols: pure, seeded functions from records and methods to metrics, so every method is judged on
 * the same splits. A protocol only decides the splits (which records train, calibrate and test); run-splits.ts
 * fits, predicts, scores (metrics.ts) and summarises over seeds.
 *
 * - sample efficiency: for each training size (10, 25, 50, 100, 200, 400 by default), `seeds` random splits
 *   (randomSplit, the split `energylens fit --sample` and the benchmarks use); test on all other records. A size
 *   that would leave fewer than `minTestRecords` to test on is skipped (and listed).
 * - batch extrapolation: train on a seeded sample of the records whose batch is at most the median batch, test
 *   on every record with a larger batch.
 * - hardware extrapolation: for each ordered pair of GPU types (A, B), train on a sample of A's records; test on
 *   B's records zero-shot, and after calibration on k of B's records (the method's own calibration, else a refit
 *   on the training records plus those k); both are scored on the same records of B (all but the k).
 * - leave one model out: for each model, train on a sample of the other models' records and test on its own;
 *   the folds' predictions are pooled per seed before scoring (each model's scenarios are its own).
 * - random 50: `trainSize` (50) records at random, tested on all the others: sample efficiency at one size, for
 *   data sets too small for the sizes' sweep (llm-inference-bench has 192 records).
 * - leave one framework out: for each serving framework, train on a sample of the other frameworks' records and
 *   test on its own, pooled per seed as leave one model out.
 * The last two are not in DEFAULT_PROTOCOLS: leave one framework out needs records of two frameworks, which
 * ML.ENERGY (vLLM only) and the simulator do not have.
 */
import { EnergyLensError } from '../../errors.js';
import { createRng } from '../../sr/index.js';
import { byHash } from '../../util/hash.js';
import { builtinCatalog, type Catalog } from '../catalog/catalog.js';
import { DEFAULT_SERIES_BY, groupKey } from '../model/series-effects.js';
import { randomSplit } from './metrics.js';

export const PROTOCOL_NAMES = [
  'sample-efficiency', 'batch-extrapolation', 'hardware-extrapolation', 'leave-one-model-out', 'random-50', 'leave-one-framework-out', 'new-deployment',
] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

/** The protocols that apply to any data set with several GPU types, models and batches (the default). */
export const DEFAULT_PROTOCOLS: readonly ProtocolName[] = ['sample-efficiency', 'batch-extrapolation', 'hardware-extrapolation', 'leave-one-model-out'];

export const PROTOCOL_DESCRIPTIONS: Readonly<Record<ProtocolName, string>> = {
  'sample-efficiency': 'random training samples of each size, tested on all other records',
  'batch-extrapolation': 'trained on batches up to the median, tested on larger batches',
  'hardware-extrapolation': 'trained on one GPU type, tested on another, zero-shot and after calibration on k records',
  'leave-one-model-out': 'trained on the other models, tested on the one left out (pooled over folds)',
  'random-50': 'trained on a random sample (50 records), tested on all the others',
  'leave-one-framework-out': 'trained on the other serving frameworks, tested on the one left out (pooled over folds)',
  'new-deployment': 'trained on every other series plus k records of the held-out series, tested on the rest of it (pooled over series)',
};

export const DEFAULT_SIZES: readonly number[] = [10, 25, 50, 100, 200, 400];

export interface SplitOptions {
  /** random splits per training size or fold (default 10) */
  seeds?: number;
  /** the first split's seed (default 1: seeds 1..seeds); e.g. 101 to choose a default on seeds the reports do not use */
  firstSeed?: number;
  /** sample efficiency: training sizes (default DEFAULT_SIZES) */
  sizes?: readonly number[];
  /** sample efficiency: a size leaving fewer test records than this is skipped (default 50) */
  minTestRecords?: number;
  /** the other protocols: training records per run (default 50; all of them where fewer are available) */
  trainSize?: number;
  /** hardware extrapolation: records of the new GPU type used to calibrate (default 5) */
  calibrationRecords?: number;
  /** new deployment: records of the held-out series given to each method (default 0, 3, 5, 10) */
  calibrationSizes?: readonly number[];
  /** new deployment: series held out in turn per seed (default: every series with enough records) */
  heldOutSeries?: number;
  /** new deployment: the columns that make a series (default model, hardware, precision, framework) */
  seriesBy?: readonly string[];
  /**
   * new deployment: hold out only one half of the eligible series ('a' or 'b'), a deterministic split by a hash
   * of the series' key, so a default can be chosen on one half and checked on the other
   */
  seriesHalf?: 'a' | 'b';
  catalog?: Catalog;
  /** the data file, for error messages */
  file?: string;
}

export const DEFAULT_SPLIT_OPTIONS = { seeds: 10, minTestRecords: 50, trainSize: 50, calibrationRecords: 5 } as const;

/** One fold: indexes into the records. */
export interface SplitPart {
  train: number[];
  test: number[];
  /** hardware extrapolation: the k records of the new hardware to calibrate on */
  calibrate?: number[];
}

/** One scored run: its parts' test predictions are pooled before the metrics are computed. */
export interface Split {
  /** what the run varies: a training size, a GPU pair, 'all' */
  group: string;
  trainSize: number;
  seed: number;
  parts: SplitPart[];
}

export interface ProtocolSplits {
  protocol: ProtocolName;
  splits: Split[];
  /** what was left out and why (sizes too large, pairs without records) */
  skipped: string[];
}

/** The fields protocols read from a record. */
export interface SplitRecord { model: string; hardware: string; batch: number; framework?: string }

const place = (o: SplitOptions): string => o.file ?? 'the records';

/** `n` of `pool` drawn at random with this seed (all of them, shuffled, when the pool is smaller). */
function sample(pool: readonly number[], n: number, seed: number): number[] {
  return randomSplit(pool.length, Math.min(n, pool.length), seed).train.map((i) => pool[i]);
}

function positiveInteger(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new EnergyLensError('INVALID_OPTION', `${name} must be a positive integer, got ${v}`);
  return v;
}

function resolved(o: SplitOptions): Required<Omit<SplitOptions, 'catalog' | 'file' | 'sizes' | 'calibrationSizes' | 'heldOutSeries' | 'seriesBy' | 'seriesHalf' | 'firstSeed'>> & { sizes: readonly number[]; firstSeed: number } {
  const r = { ...DEFAULT_SPLIT_OPTIONS, sizes: DEFAULT_SIZES, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as ReturnType<typeof resolved>;
  positiveInteger('seeds', r.seeds);
  r.firstSeed ??= 1;
  positiveInteger('firstSeed', r.firstSeed);
  positiveInteger('trainSize', r.trainSize);
  positiveInteger('calibrationRecords', r.calibrationRecords);
  positiveInteger('minTestRecords', r.minTestRecords);
  if (r.sizes.length === 0) throw new EnergyLensError('INVALID_OPTION', 'sizes must list at least one training size');
  for (const s of r.sizes) positiveInteger('sizes', s);
  return r;
}

const seedsOf = (n: number, first = 1): number[] => Array.from({ length: n }, (_, i) => i + first);

export function sampleEfficiencySplits(records: readonly SplitRecord[], options: SplitOptions = {}): ProtocolSplits {
  const o = resolved(options);
  const skipped: string[] = [];
  const splits: Split[] = [];
  for (const size of o.sizes) {
    if (records.length - size < o.minTestRecords) {
      skipped.push(`training size ${size}: ${place(o)} has ${records.length} records, which would leave fewer than ${o.minTestRecords} to test on`);
      continue;
    }
    for (const seed of seedsOf(o.seeds, o.firstSeed)) splits.push({ group: String(size), trainSize: size, seed, parts: [randomSplit(records.length, size, seed)] });
  }
  if (splits.length === 0) throw new EnergyLensError('INVALID_DATA', `sample efficiency: ${skipped.join('; ')}`);
  return { protocol: 'sample-efficiency', splits, skipped };
}

export function batchExtrapolationSplits(records: readonly SplitRecord[], options: SplitOptions = {}): ProtocolSplits {
  const o = resolved(options);
  const batches = records.map((r) => r.batch).sort((a, b) => a - b);
  const median = batches[Math.floor((batches.length - 1) / 2)];
  const small = records.map((r, i) => (r.batch <= median ? i : -1)).filter((i) => i >= 0);
  const large = records.map((r, i) => (r.batch > median ? i : -1)).filter((i) => i >= 0);
  if (large.length === 0) {
    throw new EnergyLensError('INVALID_DATA', `batch extrapolation needs records with different batch sizes; every record in ${place(o)} has batch ${median}`);
  }
  const splits = seedsOf(o.seeds, o.firstSeed).map((seed) => {
    const train = sample(small, o.trainSize, seed);
    return { group: `batch <= ${Number(median.toPrecision(4))}`, trainSize: train.length, seed, parts: [{ train, test: large }] };
  });
  return { protocol: 'batch-extrapolation', splits, skipped: [] };
}

export function hardwareExtrapolationSplits(records: readonly SplitRecord[], options: SplitOptions = {}): ProtocolSplits {
  const o = resolved(options);
  const catalog = options.catalog ?? builtinCatalog();
  const canonical = (h: string): string => catalog.findHardware(h)?.name ?? h;
  const byHw = new Map<string, number[]>();
  records.forEach((r, i) => { const h = canonical(r.hardware); byHw.set(h, [...(byHw.get(h) ?? []), i]); });
  const types = [...byHw.keys()].sort();
  if (types.length < 2) {
    throw new EnergyLensError('INVALID_DATA', `hardware extrapolation needs records on at least two GPU types; all ${records.length} records in ${place(o)} are on ${types[0] ?? 'none'}`);
  }
  const k = o.calibrationRecords;
  const splits: Split[] = [];
  const skipped: string[] = [];
  for (const a of types) {
    for (const b of types) {
      if (a === b) continue;
      const target = byHw.get(b) as number[];
      if (target.length < k + 2) { skipped.push(`${a} -> ${b}: ${b} has ${target.length} records, too few to calibrate on ${k} and test on the rest`); continue; }
      for (const seed of seedsOf(o.seeds, o.firstSeed)) {
        const train = sample(byHw.get(a) as number[], o.trainSize, seed);
        const shuffled = sample(target, target.length, seed + 7919);
        splits.push({ group: `${a} -> ${b}`, trainSize: train.length, seed, parts: [{ train, calibrate: shuffled.slice(0, k), test: shuffled.slice(k) }] });
      }
    }
  }
  return { protocol: 'hardware-extrapolation', splits, skipped };
}

/** One fold per level of `key`: trained on a sample of the other levels' records, tested on its own. */
function leaveOneOutSplits(records: readonly SplitRecord[], o: ReturnType<typeof resolved>, key: (r: SplitRecord) => string, what: string): Split[] {
  const byLevel = new Map<string, number[]>();
  records.forEach((r, i) => byLevel.set(key(r), [...(byLevel.get(key(r)) ?? []), i]));
  const levels = [...byLevel.keys()].sort();
  return seedsOf(o.seeds, o.firstSeed).map((seed) => {
    const rng = createRng(seed);
    const parts = levels.map((level) => {
      const others = records.map((r, i) => (key(r) !== level ? i : -1)).filter((i) => i >= 0);
      return { train: sample(others, o.trainSize, seed * 1009 + rng.int(1 << 20)), test: byLevel.get(level) as number[] };
    });
    return { group: `${levels.length} ${what}`, trainSize: Math.min(o.trainSize, records.length), seed, parts };
  });
}

export function leaveOneModelOutSplits(records: readonly SplitRecord[], options: SplitOptions = {}): ProtocolSplits {
  const o = resolved(options);
  const models = [...new Set(records.map((r) => r.model))];
  if (models.length < 2) {
    throw new EnergyLensError('INVALID_DATA', `leave-one-model-out needs records of at least two models; all ${records.length} records in ${place(o)} are of ${models[0] ?? 'none'}`);
  }
  return { protocol: 'leave-one-model-out', splits: leaveOneOutSplits(records, o, (r) => r.model, 'models'), skipped: [] };
}

export function leaveOneFrameworkOutSplits(records: readonly SplitRecord[], options: SplitOptions = {}): ProtocolSplits {
  const o = resolved(options);
  const without = records.findIndex((r) => r.framework === undefined || r.framework === '');
  if (without >= 0) {
    throw new EnergyLensError('INVALID_DATA', `leave-one-framework-out needs the framework of every record; record ${without + 1} of ${place(o)} has none (column "framework")`);
  }
  const frameworks = [...new Set(records.map((r) => r.framework as string))];
  if (frameworks.length < 2) {
    throw new EnergyLensError('INVALID_DATA', `leave-one-framework-out needs records of at least two frameworks; all ${records.length} records in ${place(o)} are of ${frameworks[0] ?? 'none'}`);
  }
  return { protocol: 'leave-one-framework-out', splits: leaveOneOutSplits(records, o, (r) => r.framework as string, 'frameworks'), skipped: [] };
}

export function random50Splits(records: readonly SplitRecord[], options: SplitOptions = {}): ProtocolSplits {
  const o = resolved(options);
  if (records.length <= o.trainSize) {
    throw new EnergyLensError('INVALID_DATA', `random-50 trains on ${o.trainSize} records and tests on the others; ${place(o)} has only ${records.length}`);
  }
  const splits = seedsOf(o.seeds, o.firstSeed).map((seed) => ({ group: `${o.trainSize} random`, trainSize: o.trainSize, seed, parts: [randomSplit(records.length, o.trainSize, seed)] }));
  return { protocol: 'random-50', splits, skipped: [] };
}

export const DEFAULT_CALIBRATION_SIZES: readonly number[] = [0, 3, 5, 10];

/**
 * New deployment: each series (by default one model on one accelerator) is held out in turn; methods train on
 * every other series plus k records of it and are tested on the rest of it. For a given seed and series the test
 * records are the same for every k (the series' records past the largest k, in a seeded order), so the k are
 * compared on equal terms; the series' parts are pooled per seed before scoring.
 */
export function newDeploymentSplits(records: readonly SplitRecord[], options: SplitOptions = {}): ProtocolSplits {
  const o = resolved(options);
  const sizes = options.calibrationSizes ?? DEFAULT_CALIBRATION_SIZES;
  if (sizes.length === 0) throw new EnergyLensError('INVALID_OPTION', 'calibrationSizes must list at least one k');
  for (const k of sizes) if (!Number.isInteger(k) || k < 0) throw new EnergyLensError('INVALID_OPTION', `calibrationSizes must be integers >= 0, got ${k}`);
  const by = options.seriesBy ?? DEFAULT_SERIES_BY.series;
  const bySeries = new Map<string, number[]>();
  records.forEach((r, i) => { const k = groupKey(r, by); bySeries.set(k, [...(bySeries.get(k) ?? []), i]); });
  const kMax = Math.max(...sizes);
  const skipped: string[] = [];
  const eligible = [...bySeries.keys()].sort().filter((key) => {
    const n = (bySeries.get(key) as number[]).length;
    if (n < kMax + 2) skipped.push(`series ${key}: ${n} records, too few to give ${kMax} and test on at least 2`);
    return n >= kMax + 2;
  });
  if (eligible.length === 0 || bySeries.size < 2) {
    throw new EnergyLensError('INVALID_DATA', `new deployment needs at least two series (by ${by.join(', ')}) and one with ${kMax + 2} or more records; ${place(o)} has ${bySeries.size} series`);
  }
  if (options.seriesHalf !== undefined) {
    if (options.seriesHalf !== 'a' && options.seriesHalf !== 'b') throw new EnergyLensError('INVALID_OPTION', `seriesHalf must be "a" or "b", got "${String(options.seriesHalf)}"`);
    const ordered = byHash(eligible);
    const half = new Set(options.seriesHalf === 'a' ? ordered.slice(0, Math.ceil(ordered.length / 2)) : ordered.slice(Math.ceil(ordered.length / 2)));
    eligible.splice(0, eligible.length, ...eligible.filter((k) => half.has(k)));
    if (eligible.length === 0) throw new EnergyLensError('INVALID_DATA', `new deployment: half ${options.seriesHalf} of the eligible series is empty`);
  }
  if (options.heldOutSeries !== undefined) positiveInteger('heldOutSeries', options.heldOutSeries);
  const splits: Split[] = [];
  for (const seed of seedsOf(o.seeds, o.firstSeed)) {
    const chosen = options.heldOutSeries === undefined ? eligible : sample(eligible.map((_, i) => i), options.heldOutSeries, seed * 7907).map((i) => eligible[i]);
    const folds = chosen.map((key) => {
      const own = bySeries.get(key) as number[];
      const ownSet = new Set(own);
      return { train: records.map((_, i) => i).filter((i) => !ownSet.has(i)), shuffled: sample(own, own.length, seed * 104729 + own[0]) };
    });
    for (const k of sizes) {
      splits.push({
        group: `k=${k}`, trainSize: folds[0].train.length, seed,
        parts: folds.map((f) => ({ train: f.train, ...(k > 0 ? { calibrate: f.shuffled.slice(0, k) } : {}), test: f.shuffled.slice(kMax) })),
      });
    }
  }
  return { protocol: 'new-deployment', splits, skipped };
}

/** The splits of a protocol by name (an unknown name is an INVALID_OPTION naming the known ones). */
export function protocolSplits(name: string, records: readonly SplitRecord[], options: SplitOptions = {}): ProtocolSplits {
  switch (name) {
    case 'sample-efficiency': return sampleEfficiencySplits(records, options);
    case 'batch-extrapolation': return batchExtrapolationSplits(records, options);
    case 'hardware-extrapolation': return hardwareExtrapolationSplits(records, options);
    case 'leave-one-model-out': return leaveOneModelOutSplits(records, options);
    case 'random-50': return random50Splits(records, options);
    case 'leave-one-framework-out': return leaveOneFrameworkOutSplits(records, options);
    case 'new-deployment': return newDeploymentSplits(records, options);
    default: throw new EnergyLensError('INVALID_OPTION', `unknown protocol "${name}" (known: ${PROTOCOL_NAMES.join(', ')})`);
  }
}
