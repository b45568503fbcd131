/**
 * Structure discovery: the engine searches, free of any assumed form, for expressions of each measured target
 * (energy per output token, per request, prefill energy, decode energy per token, time per output token) in a
 * dozen physical features of the configurations, and the result is read against the closed form
 * (discover-terms.ts). docs/discovery.md lists the features with their units and reports two runs.
 *
 *   const d = await discoverEnergyStructure(records, { maxTime: 20, seed: 1 });
 *   d.targets[0].selected?.expression   // e.g. "0.0021 * idle_power_w * memory_ms / batch + ..."
 *   d.targets[0].terms.summary          // "found: ... -> p_static, k_mem. missing: ..."
 */
import { EnergyLensError } from '../../errors.js';
import { deriveSeed, resolveOptions, sampleIndexes, SymbolicRegressor, type Equation, type SearchOptions, type SearchProgress, type SearchResult } from '../../sr/index.js';
import type { Catalog } from '../catalog/catalog.js';
import { analyseTerms, type DroppedColumn, type TargetName, type TermsAnalysis } from './discover-terms.js';
import { recordFeatures, type ConfigurationInput, type EnergyFeatures } from './features.js';
import { DISCOVERY_SEARCH_ROWS } from './discovery/auto.js';

export * from './discovery/index.js';
export { CLOSED_FORM_TERMS, NEAR_BEST_FACTOR, analyseTerms, type ClosedFormTerm, type DroppedColumn, type TargetName, type TermUse, type TermsAnalysis } from './discover-terms.js';

export interface DiscoveryRecord extends ConfigurationInput {
  energy_j: number;
  prefill_energy_j?: number;
  decode_energy_j?: number;
  tpot_s?: number;
}

export interface DiscoveryColumn { name: string; unit: string; meaning: string; value: (f: EnergyFeatures) => number }

/** The features offered to the search, in this order (a later column proportional to an earlier one is dropped). */
export const DISCOVERY_FEATURES: readonly DiscoveryColumn[] = [
  { name: 'batch', unit: 'sequences', meaning: 'mean concurrent sequences, whole configuration', value: (f) => f.batch },
  { name: 'gpus', unit: 'GPUs', meaning: 'GPUs of the configuration', value: (f) => f.gpus },
  { name: 'tp', unit: '1', meaning: 'tensor degree the dense layers run at', value: (f) => f.tensorDegree },
  { name: 'pp', unit: '1', meaning: 'pipeline degree (pipeline hops per step: pp - 1)', value: (f) => f.pipelineDegree },
  { name: 'layers', unit: 'layers', meaning: 'transformer layers of the model', value: (f) => f.layers },
  { name: 'memory_ms', unit: 'ms per step', meaning: 'ideal decode-step time reading dense weights and the KV cache at spec-sheet HBM bandwidth', value: (f) => f.denseMemoryMs },
  { name: 'expert_ms', unit: 'ms per step', meaning: 'ideal decode-step time reading routed-expert weights', value: (f) => f.expertMemoryMs },
  { name: 'compute_ms', unit: 'ms per step', meaning: 'ideal decode-step compute time at spec-sheet peak FLOP/s', value: (f) => f.computeMs },
  { name: 'tensor_hops', unit: 'hops per step', meaning: 'tensor all-reduce hops per decode step: 4 L (t - 1)', value: (f) => f.tensorHopsPerStep },
  { name: 'expert_hops', unit: 'hops per step', meaning: 'expert all-to-all hops per decode step: 2 L_moe (ep - 1)', value: (f) => f.expertHopsPerStep },
  { name: 'sequences', unit: 'sequences per engine', meaning: 'sequences each data-parallel engine schedules per step', value: (f) => f.sequencesPerEngine },
  { name: 'prefill_ms', unit: 'ms per request', meaning: 'ideal prefill compute time of one request, all GPUs working', value: (f) => f.prefillMs },
  { name: 'idle_power_w', unit: 'W', meaning: 'catalog idle power x GPUs', value: (f) => f.idlePowerW * f.gpus },
  { name: 'output_tokens', unit: 'tokens per request', meaning: 'mean generated tokens per request', value: (f) => f.outputTokens },
];

export interface DiscoveryTarget { name: TargetName; unit: string; meaning: string; column: keyof DiscoveryRecord; value: (r: DiscoveryRecord) => number | undefined }

export const DISCOVERY_TARGETS: readonly DiscoveryTarget[] = [
  { name: 'energy_per_token', unit: 'J/token', meaning: 'energy per output token: energy_j / output_tokens', column: 'energy_j', value: (r) => r.energy_j / r.output_tokens },
  { name: 'energy_per_request', unit: 'J', meaning: 'energy per request: energy_j', column: 'energy_j', value: (r) => r.energy_j },
  { name: 'prefill_energy', unit: 'J', meaning: 'prefill energy per request: prefill_energy_j', column: 'prefill_energy_j', value: (r) => r.prefill_energy_j },
  { name: 'decode_per_token', unit: 'J/token', meaning: 'decode energy per output token: decode_energy_j / output_tokens', column: 'decode_energy_j', value: (r) => (r.decode_energy_j === undefined ? undefined : r.decode_energy_j / r.output_tokens) },
  { name: 'tpot', unit: 's', meaning: 'time per output token: tpot_s', column: 'tpot_s', value: (r) => r.tpot_s },
];
export const TARGET_NAMES: readonly TargetName[] = DISCOVERY_TARGETS.map((t) => t.name);

/** Fewer records than this cannot support a search over a dozen features. */
export const MIN_DISCOVERY_RECORDS = 10;

export interface DiscoveryProgress { target: TargetName; index: number; count: number; search: SearchProgress }

export interface DiscoverOptions {
  /** targets to search (default: every target the records carry) */
  targets?: readonly string[];
  /** seconds per target (default 20 when maxEvaluations is not given) */
  maxTime?: number | null;
  /** evaluations per target (with a seed and no maxTime, a run is reproducible) */
  maxEvaluations?: number | null;
  seed?: number;
  /** worker threads; 0 runs in this thread (default: one per core) */
  workers?: number;
  operators?: readonly string[];
  maxSize?: number;
  catalog?: Catalog;
  /** assumed prompt tokens per workload for records without input_tokens */
  inputTokens?: Readonly<Record<string, number>>;
  /** file name for error messages */
  file?: string;
  onProgress?: (p: DiscoveryProgress) => void;
  signal?: AbortSignal;
}

export const DEFAULT_DISCOVER_OPTIONS = { maxTime: 20, seed: 0, maxSize: 25, operators: ['+', '-', '*', '/', 'sqrt', 'log', 'exp'] } as const;

export interface DiscoveredTarget {
  target: TargetName;
  unit: string;
  /** records carrying the target */
  rows: number;
  /** present when the search ran on a seeded sample of the rows (DISCOVERY_SEARCH_ROWS): its size */
  searchedRows?: number;
  /** simplest first; each Equation has complexity, loss (msle), r2, expression (feature names), latex, tree */
  front: Equation[];
  selected: Equation | undefined;
  terms: TermsAnalysis;
  run: { evaluations: number; generations: number; seconds: number; seed: number; stoppedBy: SearchResult['stoppedBy'] };
}

export interface Discovery {
  /** the feature columns searched over */
  features: { name: string; unit: string; meaning: string }[];
  dropped: DroppedColumn[];
  targets: DiscoveredTarget[];
  skipped: { target: TargetName; reason: string }[];
  options: { maxTime: number | null; maxEvaluations: number | null; seed: number; operators: string[]; maxSize: number; loss: 'msle' };
}

/**
 * Keeps a column unless it is constant or proportional to a column kept before it (over all records, so a target
 * carried by only some records may still see a column that is constant on those).
 */
function chooseColumns(values: number[][]): { keep: number[]; dropped: DroppedColumn[] } {
  const keep: number[] = [];
  const dropped: DroppedColumn[] = [];
  DISCOVERY_FEATURES.forEach((c, j) => {
    const col = values.map((row) => row[j]);
    if (col.every((v) => v === col[0])) { dropped.push({ name: c.name, reason: `constant (${Number(col[0].toPrecision(6))}) in these records` }); return; }
    // least-squares ratio to each kept column; proportional when it reproduces every value
    const ratioTo = (k: number): number => values.reduce((a, row) => a + row[j] * row[k], 0) / values.reduce((a, row) => a + row[k] * row[k], 0);
    const same = keep.find((k) => { const q = ratioTo(k); return values.every((row) => Math.abs(row[j] - q * row[k]) <= 1e-9 * Math.abs(row[j])); });
    if (same === undefined) { keep.push(j); return; }
    const ratio = ratioTo(same);
    const keptAs = DISCOVERY_FEATURES[same].name;
    dropped.push({ name: c.name, reason: ratio === 1 ? `equal to ${keptAs} in these records` : `proportional to ${keptAs} (x${Number(ratio.toPrecision(4))}) in these records`, keptAs });
  });
  return { keep, dropped };
}

function targetsToRun(names: readonly string[] | undefined): DiscoveryTarget[] {
  if (names === undefined) return [...DISCOVERY_TARGETS];
  if (names.length === 0) throw new EnergyLensError('INVALID_OPTION', `options.targets names no target (known: ${TARGET_NAMES.join(', ')})`);
  return names.map((n) => DISCOVERY_TARGETS.find((t) => t.name === n) ?? (() => {
    throw new EnergyLensError('INVALID_OPTION', `options.targets: unknown target "${n}" (known: ${TARGET_NAMES.join(', ')})`);
  })());
}

/** Searches each target the records carry; resolves when every search is done. */
export async function discoverEnergyStructure(records: readonly DiscoveryRecord[], options: DiscoverOptions = {}): Promise<Discovery> {
  const D = DEFAULT_DISCOVER_OPTIONS;
  const maxEvaluations = options.maxEvaluations ?? null;
  const maxTime = options.maxTime ?? (maxEvaluations === null ? D.maxTime : null);
  const seed = options.seed ?? D.seed;
  const search: Partial<SearchOptions> = { operators: [...(options.operators ?? D.operators)], maxSize: options.maxSize ?? D.maxSize, loss: 'msle', maxTime, maxEvaluations, seed };
  const resolved = resolveOptions(search); // fails before any work, naming the option
  const wanted = targetsToRun(options.targets);
  const where = options.file ?? 'records';
  if (records.length < MIN_DISCOVERY_RECORDS) throw new EnergyLensError('INVALID_DATA', `${where}: ${records.length} records; discovery needs at least ${MIN_DISCOVERY_RECORDS}`);
  const features = recordFeatures(records, { catalog: options.catalog, inputTokens: options.inputTokens }, options.file);
  const table = features.map((f) => DISCOVERY_FEATURES.map((c) => c.value(f)));
  const { keep, dropped } = chooseColumns(table);
  const featureNames = keep.map((j) => DISCOVERY_FEATURES[j].name);
  const skipped: Discovery['skipped'] = [];
  const plan: { t: DiscoveryTarget; rows: number[]; y: number[] }[] = [];
  for (const t of wanted) {
    const rows = records.map((r, i) => ({ i, v: t.value(r) })).filter((x) => x.v !== undefined && Number.isFinite(x.v) && x.v > 0);
    const y = rows.map((x) => x.v as number);
    if (rows.length === 0) skipped.push({ target: t.name, reason: `no record carries ${String(t.column)}` });
    else if (rows.length < MIN_DISCOVERY_RECORDS) skipped.push({ target: t.name, reason: `only ${rows.length} record${rows.length === 1 ? ' carries' : 's carry'} ${String(t.column)} (need ${MIN_DISCOVERY_RECORDS})` });
    else if (y.every((v) => v === y[0])) skipped.push({ target: t.name, reason: `${t.name} is the same (${y[0]}) in every record` });
    else plan.push({ t, rows: rows.map((x) => x.i), y });
  }
  if (plan.length === 0) {
    throw new EnergyLensError('INVALID_DATA', `${where}: no target to search (${skipped.map((s) => `${s.target}: ${s.reason}`).join('; ')})`);
  }
  const targets: DiscoveredTarget[] = [];
  for (const [index, { t, rows, y }] of plan.entries()) {
    const targetSeed = deriveSeed(seed, TARGET_NAMES.indexOf(t.name));
    const model = new SymbolicRegressor({
      ...search, seed: targetSeed, workers: options.workers, signal: options.signal,
      onProgress: options.onProgress ? (p) => options.onProgress?.({ target: t.name, index, count: plan.length, search: p }) : undefined,
    });
    const sample = rows.length > DISCOVERY_SEARCH_ROWS ? Array.from(sampleIndexes(rows.length, DISCOVERY_SEARCH_ROWS, targetSeed)) : null;
    const searched = sample ? sample.map((k) => rows[k]) : rows;
    await model.fit(searched.map((i) => keep.map((j) => table[i][j])), sample ? sample.map((k) => y[k]) : y, { featureNames });
    const front = model.equations();
    const selected = model.best();
    const r = model.result!;
    targets.push({
      target: t.name, unit: t.unit, rows: rows.length, ...(sample ? { searchedRows: sample.length } : {}), front, selected,
      terms: analyseTerms(t.name, front, selected, featureNames, dropped),
      run: { evaluations: r.evaluations, generations: r.generations, seconds: r.seconds, seed: r.seed, stoppedBy: r.stoppedBy },
    });
  }
  return {
    features: keep.map((j) => { const { name, unit, meaning } = DISCOVERY_FEATURES[j]; return { name, unit, meaning }; }),
    dropped, targets, skipped,
    options: { maxTime, maxEvaluations, seed, operators: resolved.operators, maxSize: resolved.maxSize, loss: 'msle' },
  };
}

export type PlainEquation = Omit<Equation, 'tree'>;
export type DiscoveryJSON = Omit<Discovery, 'targets'> & { targets: (Omit<DiscoveredTarget, 'front' | 'selected'> & { front: PlainEquation[]; selected: PlainEquation | null })[] };

/** The discovery as plain JSON: expression trees left out (each expression parses back with the feature names). */
export function discoveryJSON(d: Discovery): DiscoveryJSON {
  const plain = (e: Equation): PlainEquation => ({ complexity: e.complexity, loss: e.loss, r2: e.r2, expression: e.expression, latex: e.latex });
  return {
    ...d,
    targets: d.targets.map((t) => ({ ...t, front: t.front.map(plain), selected: t.selected ? plain(t.selected) : null })),
  };
}
