/**
 * The discovery `fit --structure auto` runs itself: a bounded residual discovery (residual.ts) on the training
 * records whose result, physics x exp(g) with g's constants as parameters d1, d2, ..., becomes one more candidate
 * structure ("physics+discovered") beside physics and any structure files. Its budget is a share of the fit's:
 * with `evals`, each search phase stops after that many kernel evaluations (the same seed gives the same
 * structure on any machine); otherwise each phase gets a quarter of `timeSeconds` (default 40 s), leaving half
 * of the budget to the cross-validation of the candidates. A discovery that keeps no correction proposes no
 * candidate and says why; physics then stays the default.
 */
import { deriveSeed, sampleIndexes } from '../../../sr/index.js';
import type { Catalog } from '../../catalog/catalog.js';
import type { FitRecord } from '../fit.js';
import type { CandidateStructure } from '../structure-select.js';
import { discoverResidualStructure, MIN_CORRECTION_RECORDS, type ResidualDiscovery, type ResidualDiscoveryOptions } from './residual.js';
import { discoveredStructure, type DiscoveredTerm } from './structure-out.js';

/** The whole auto budget when neither --time nor --evals is given: 50 records stay well under a minute on 2 cores. */
export const DEFAULT_AUTO_SECONDS = 40;
/** The share of the time budget each search phase (energy, prefill) gets. */
const PHASE_SHARE = 0.25;
/** The name and source of the discovered candidate in the selection table. */
export const DISCOVERED_SOURCE = 'discovery';

export interface AutoDiscoveryOptions {
  /** the whole structure choice's time budget, seconds (default DEFAULT_AUTO_SECONDS) */
  timeSeconds?: number;
  /** seconds per search phase, instead of a share of timeSeconds */
  phaseSeconds?: number;
  /** kernel evaluations per search phase (reproducible; replaces the time budget) */
  evals?: number;
  seed?: number;
  /** worker threads of the searches (default: the engine's) */
  workers?: number;
  folds?: number;
  catalog?: Catalog;
  inputTokens?: Readonly<Record<string, number>>;
  /** the data file, named in messages and in the structure's provenance */
  file?: string;
  onProgress?: ResidualDiscoveryOptions['onProgress'];
  signal?: AbortSignal;
}

export interface AutoDiscovery {
  /** the discovered structure as a candidate (`structure.name` physics+discovered), or null when none was kept */
  candidate: CandidateStructure | null;
  /** why there is no candidate (too few records, nothing better than physics), when there is none */
  note?: string;
  discovery: ResidualDiscovery | null;
  terms: DiscoveredTerm[];
  seconds: number;
}

/** The search budget of each phase: evaluations when given, else a share of the time budget. */
export function autoSearchBudget(o: Pick<AutoDiscoveryOptions, 'timeSeconds' | 'evals' | 'phaseSeconds'>): { maxTime: number | null; maxEvaluations: number | null } {
  if (o.evals !== undefined) return { maxTime: null, maxEvaluations: o.evals };
  if (o.phaseSeconds !== undefined) return { maxTime: o.phaseSeconds, maxEvaluations: null };
  return { maxTime: Math.max(0.5, (o.timeSeconds ?? DEFAULT_AUTO_SECONDS) * PHASE_SHARE), maxEvaluations: null };
}

/** Runs the bounded discovery and turns its result into a candidate structure (or says why there is none). */
export async function autoDiscoveryCandidate(records: readonly FitRecord[], o: AutoDiscoveryOptions = {}): Promise<AutoDiscovery> {
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  if (records.length < MIN_CORRECTION_RECORDS) {
    return { candidate: null, note: `not run: ${records.length} records (discovery needs at least ${MIN_CORRECTION_RECORDS})`, discovery: null, terms: [], seconds: 0 };
  }
  const folds = Math.min(o.folds ?? 5, records.length);
  const discovery = await discoverResidualStructure(records, {
    ...autoSearchBudget(o), seed: o.seed ?? 0, folds, catalog: o.catalog, inputTokens: o.inputTokens, file: o.file,
    ...(o.workers !== undefined ? { workers: o.workers } : {}), onProgress: o.onProgress, signal: o.signal,
  });
  if (discovery.name === 'physics') {
    return { candidate: null, note: `discovery kept no correction: none predicted held-out training records better than physics in ${folds}-fold cross-validation`, discovery, terms: [], seconds: seconds() };
  }
  let built: ReturnType<typeof discoveredStructure>;
  try {
    built = discoveredStructure(discovery, { data: o.file ?? 'the training records' }, o.catalog);
  } catch (err) {
    // e.g. physics parameters dropped to make room leave an expression at 0 on a feasible configuration
    return { candidate: null, note: `the discovered structure was refused: ${(err as Error).message}`, discovery, terms: [], seconds: seconds() };
  }
  return { candidate: { structure: built.structure, source: DISCOVERED_SOURCE, required: true }, discovery, terms: built.terms, seconds: seconds() };
}

/**
 * Each target's search runs on a seeded sample of at most this many of its records (all of them below it): the
 * search's work per evaluation grows with its rows, and 10,000 rows estimate an expression's mean squared log
 * error within about 1.5 % (relative standard error sqrt(2 / n) for normal log residuals), well inside the
 * differences between the members of a front.
 */
export const DISCOVERY_SEARCH_ROWS = 10_000;

/**
 * The records a residual discovery works on: all of them up to DISCOVERY_SEARCH_ROWS, else a seeded sample of that
 * many in file order (the free search samples the same way). The discovery chooses a structure: its searches and
 * its cross-validation of a few candidates are as sure on 10,000 records as on all, and cost far less; `fit` then
 * fits the chosen structure on every record. `note` says so for the output; null when every record is used.
 */
export function discoverySample<T>(records: readonly T[], seed: number): { records: readonly T[]; note: string | null } {
  if (records.length <= DISCOVERY_SEARCH_ROWS) return { records, note: null };
  const picked = sampleIndexes(records.length, DISCOVERY_SEARCH_ROWS, deriveSeed(seed, SAMPLE_STREAM));
  return {
    records: Array.from(picked, (i) => records[i]),
    note: `residual discovery on a seeded sample of ${picked.length} of the ${records.length} records (seed ${seed})`,
  };
}

/** The seed stream of the discovery's sample, apart from those of its searches and folds. */
const SAMPLE_STREAM = 211;
