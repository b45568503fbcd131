/**
 * Choosing the structure from the data (`fit --structure auto`): every candidate is scored by K-fold
 * cross-validation on the training records alone (the same folds for all, a record's rows of every kind kept
 * together), by the held-out log error of energy per output token. The built-in `physics` is the default: another
 * candidate replaces it only when it wins by the one-standard-error rule on the paired held-out errors (the mean
 * of its squared log errors minus physics', plus one standard error of that mean, is below zero) and its held-out
 * MAPE is not worse. With groups of a serving stack in the records (structure-cv-groups.ts), each candidate is also
 * scored with one group held out at a time, and a candidate that is worse than the default there on RMS log error
 * or MAPE is not chosen (it would not carry to another stack). Candidates are scored in order until the time or evaluation budget is spent; the rest are
 * listed as not scored. With the same seed and evaluation budget the choice is the same on any machine.
 */
import { compileParametric, crossValidate, type CrossValidationResult } from '../../sr/index.js';
import type { Catalog } from '../catalog/catalog.js';
import { recordFeatures } from './features.js';
import { checkFitRecords, energyRows, structureForFit, type FitRecord } from './fit.js';
import type { GroupScore, StructureCandidate, StructureSelection } from './model-file.js';
import { structureSpec, type Structure } from './structure.js';
import { PHYSICS_STRUCTURE } from './structure-physics.js';
import type { CvGroups } from './structure-cv-groups.js';

export interface CandidateStructure {
  structure: Structure;
  /** "built-in", a file path, or the module that proposed it */
  source: string;
  /** scored whatever the budget (its cost, a discovery, is already spent) */
  required?: boolean;
}

export interface ChooseStructureOptions {
  catalog?: Catalog;
  inputTokens?: Readonly<Record<string, number>>;
  useLatency?: boolean;
  latencyWeight?: number;
  /** default 5 */
  folds?: number;
  seed?: number;
  /** Levenberg-Marquardt restarts of each fold's fit (default 2) */
  restarts?: number;
  robustRounds?: number;
  /** stop scoring further candidates after this many seconds (machine-dependent) */
  timeSeconds?: number;
  /** stop scoring further candidates after this many kernel evaluations (reproducible) */
  evals?: number;
  onProgress?: (done: number, total: number, candidate: string) => void;
  file?: string;
  /** standard errors of the paired gain a candidate must clear to replace the default (default 1) */
  standardErrors?: number;
  /** leave-group-out CV besides K-fold (structure-cv-groups.ts): a candidate must not lose on held-out groups */
  groups?: CvGroups | null;
}

export interface StructureChoice {
  structure: Structure;
  selection: StructureSelection;
}

interface Scored { candidate: CandidateStructure; cv: CrossValidationResult | null; grouped?: CrossValidationResult | null; error?: string }

/** The rows with each row's group the record's CV group instead of the record (a group's rows stay together). */
function byGroup(rows: ReturnType<typeof energyRows>, groups: CvGroups): ReturnType<typeof energyRows>['data'] {
  return Object.fromEntries(Object.entries(rows.data).map(([kind, d]) => [kind, { ...d, groups: Int32Array.from(rows.records[kind], (i) => groups.ids[i]) }]));
}

function score(c: CandidateStructure, records: readonly FitRecord[], o: ChooseStructureOptions, features: ReturnType<typeof recordFeatures>): Scored {
  try {
    const spec0 = structureSpec(c.structure);
    const rows = energyRows(c.structure, records, features, spec0.features, o);
    const model = compileParametric(structureSpec(structureForFit(c.structure, rows.data)));
    const options = { seed: o.seed ?? 0, space: 'log' as const, restarts: o.restarts ?? 2, robustRounds: o.robustRounds ?? 3, scoreKind: 'energy', holdUnidentified: true };
    const cv = crossValidate(model, rows.data, { ...options, folds: o.folds ?? 5 });
    // one fold per group: each group predicted by a fit on the others
    const grouped = o.groups ? crossValidate(model, byGroup(rows, o.groups), { ...options, folds: o.groups.names.length }) : undefined;
    return { candidate: c, cv, ...(grouped ? { grouped } : {}) };
  } catch (err) {
    return { candidate: c, cv: null, error: (err as Error).message };
  }
}

/** Held-out scores of each group (leave-group-out CV), in the groups' order. */
function perGroup(cv: CrossValidationResult, y: Float64Array, ids: Int32Array, names: readonly string[]): GroupScore[] {
  return names.map((group, g) => {
    let n = 0; let ss = 0; let ape = 0;
    for (let i = 0; i < y.length; i++) {
      if (ids[i] !== g) continue;
      const e = Math.log(cv.predictions[i] / y[i]);
      n++; ss += Number.isFinite(e) ? e * e : Infinity; ape += Math.abs(cv.predictions[i] - y[i]) / y[i];
    }
    return { group, records: n, rmsLog: n ? Math.sqrt(ss / n) : null, mape: n ? ape / n : null };
  });
}

/** A candidate loses on held-out groups when its leave-group-out RMS log error or MAPE is above the default's. */
function losesOnGroups(base: Scored, s: Scored): boolean {
  if (!base.grouped) return false;
  if (!s.grouped) return true;
  return !(s.grouped.rmse <= base.grouped.rmse && s.grouped.mape <= base.grouped.mape);
}

/** Paired one-standard-error test: does `b` have lower held-out squared log errors than `a`? */
export function winsByOneStandardError(a: CrossValidationResult, b: CrossValidationResult, y: Float64Array, standardErrors = 1): boolean {
  const n = y.length;
  const d = Float64Array.from({ length: n }, (_, i) => Math.log(b.predictions[i] / y[i]) ** 2 - Math.log(a.predictions[i] / y[i]) ** 2);
  if (!d.every(Number.isFinite)) return false;
  const mean = d.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, n - 1));
  return mean + (standardErrors * sd) / Math.sqrt(n) < 0;
}

const freeCount = (s: Structure): number => s.parameters.filter((p) => !p.held).length;

/** Scores the candidates (the first is the default, normally physics) and picks one. */
export function chooseStructure(records: readonly FitRecord[], candidates: readonly CandidateStructure[], options: ChooseStructureOptions = {}): StructureChoice {
  checkFitRecords(records, options.file);
  const features = recordFeatures(records, { catalog: options.catalog, inputTokens: options.inputTokens }, options.file);
  const started = performance.now();
  const y = Float64Array.from(records, (r) => r.energy_j / r.output_tokens);
  let evaluations = 0;
  const scored: Scored[] = [];
  candidates.forEach((c, i) => {
    const overTime = options.timeSeconds !== undefined && (performance.now() - started) / 1000 > options.timeSeconds;
    const overEvals = options.evals !== undefined && evaluations >= options.evals;
    if (i > 0 && !c.required && (overTime || overEvals)) {
      scored.push({ candidate: c, cv: null, error: `not scored: the ${overEvals ? `evaluation budget (${options.evals})` : `time budget (${options.timeSeconds} s)`} was spent` });
    } else {
      const s = score(c, records, options, features);
      evaluations += (s.cv?.evaluations ?? 0) + (s.grouped?.evaluations ?? 0);
      scored.push(s);
    }
    options.onProgress?.(i + 1, candidates.length, c.structure.name);
  });
  const base = scored[0];
  let chosen = base;
  let reason: string;
  if (!base.cv) {
    reason = `the default structure "${base.candidate.structure.name}" could not be cross-validated (${base.error}); kept`;
  } else {
    const kFoldWinners = scored.slice(1).filter((s) => s.cv && s.cv.mape <= base.cv!.mape && winsByOneStandardError(base.cv!, s.cv, y, options.standardErrors));
    const winners = kFoldWinners.filter((s) => !losesOnGroups(base, s));
    winners.sort((a, b) => a.cv!.rmse - b.cv!.rmse);
    const g = options.groups;
    const groupWords = (s: Scored): string => `leave-one-${g!.column}-out MAPE ${(s.grouped!.mape * 100).toFixed(1)} % against ${(base.grouped!.mape * 100).toFixed(1)} %`;
    if (winners.length > 0) {
      chosen = winners[0];
      reason = `"${chosen.candidate.structure.name}" beats "${base.candidate.structure.name}" in ${base.cv.folds}-fold cross-validation on the training records by more than one standard error (RMS log error ${chosen.cv!.rmse.toFixed(4)} against ${base.cv.rmse.toFixed(4)}, MAPE ${(chosen.cv!.mape * 100).toFixed(1)} % against ${(base.cv.mape * 100).toFixed(1)} %)${base.grouped && chosen.grouped ? ` and does not lose with one ${g!.column} held out at a time (${groupWords(chosen)})` : ''}`;
    } else if (kFoldWinners.length > 0) {
      const best = kFoldWinners.sort((a, b) => a.cv!.rmse - b.cv!.rmse)[0];
      reason = `"${best.candidate.structure.name}" wins ${base.cv.folds}-fold cross-validation but loses with one ${g!.column} held out at a time (${best.grouped ? groupWords(best) : 'not scored'}): it may not carry to another ${g!.column}; kept "${base.candidate.structure.name}"`;
    } else {
      reason = scored.length === 1
        ? `only "${base.candidate.structure.name}" was a candidate`
        : `no candidate beats "${base.candidate.structure.name}" in ${base.cv.folds}-fold cross-validation by more than one standard error with a MAPE no worse: kept "${base.candidate.structure.name}"`;
    }
  }
  const list: StructureCandidate[] = scored.map((s) => ({
    name: s.candidate.structure.name, source: s.candidate.source, freeParameters: freeCount(s.candidate.structure),
    cvRmsLog: s.cv ? s.cv.rmse : null, cvMape: s.cv ? s.cv.mape : null, ...(s.error ? { error: s.error } : {}),
    ...(options.groups ? { groupedRmsLog: s.grouped ? s.grouped.rmse : null, groupedMape: s.grouped ? s.grouped.mape : null } : {}),
    ...(options.groups && s.grouped ? { byGroup: perGroup(s.grouped, y, options.groups.ids, options.groups.names) } : {}),
  }));
  return {
    structure: chosen.candidate.structure,
    selection: {
      mode: 'auto', chosen: chosen.candidate.structure.name, folds: base.cv?.folds ?? options.folds ?? 5, seed: options.seed ?? 0, candidates: list, reason,
      ...(options.groups ? { groups: { column: options.groups.column, names: options.groups.names } } : {}),
    },
  };
}

/** A candidate that could not be used (an invalid structure file, a discovery that kept nothing), with the reason. */
export interface RefusedCandidate { source: string; error: string }

/** Where `fit --structure auto`'s candidates come from, in the order they are listed (physics always first). */
export interface CandidateSources {
  /** the residual discovery's proposal (candidate null: it kept nothing, see note); absent: no discovery */
  discovery?: () => Promise<{ candidate: CandidateStructure | null; note?: string }>;
  /** structures the user named (parsed up front: a bad one is refused before the discovery spends its budget) */
  given?: readonly CandidateStructure[];
  /** further structures that are listed with the reason, not thrown, when they fail to load (files beside the data) */
  optional?: readonly { source: string; load: () => Structure }[];
  /** the source `discovery`'s refusal is listed under (default "discovery") */
  discoverySource?: string;
}

export interface CollectedCandidates {
  candidates: CandidateStructure[];
  refused: RefusedCandidate[];
  /** the structure the discovery proposed, if it kept one */
  discovered: Structure | null;
  /** why the discovery kept nothing */
  discoveryNote: string | null;
}

/**
 * The candidates of `fit --structure auto` (the CLI and the web page's worker share this): physics, then the
 * discovery's proposal, then the given structures, then the optional ones (refused with the reason when they fail
 * to load). A discovery that keeps nothing is listed as refused with its note.
 */
export async function collectCandidates(sources: CandidateSources): Promise<CollectedCandidates> {
  const candidates: CandidateStructure[] = [{ structure: PHYSICS_STRUCTURE, source: 'built-in' }];
  const refused: RefusedCandidate[] = [];
  let discovered: Structure | null = null;
  let discoveryNote: string | null = null;
  if (sources.discovery) {
    const auto = await sources.discovery();
    if (auto.candidate) {
      candidates.push(auto.candidate);
      discovered = auto.candidate.structure;
    } else {
      discoveryNote = auto.note ?? 'no correction kept';
      refused.push({ source: sources.discoverySource ?? 'discovery', error: discoveryNote });
    }
  }
  candidates.push(...(sources.given ?? []));
  for (const o of sources.optional ?? []) {
    try {
      candidates.push({ structure: o.load(), source: o.source });
    } catch (err) {
      refused.push({ source: o.source, error: (err as Error).message });
    }
  }
  return { candidates, refused, discovered, discoveryNote };
}

/** The last part of a path (either separator), the name a refused candidate is listed under. */
const lastPart = (source: string): string => source.split(/[\\/]/).pop() || source;

/** A refused candidate as a row of the selection's table. */
export const refusedRow = (r: RefusedCandidate): StructureCandidate => ({ name: lastPart(r.source), source: r.source, freeParameters: 0, cvRmsLog: null, cvMape: null, error: r.error });

/**
 * The structure choice over collected candidates: chooseStructure when there is more than physics, else physics
 * without cross-validation (`noOtherReason` says where other candidates would have come from); the refused
 * candidates are listed after the scored ones.
 */
export function chooseAmong(records: readonly FitRecord[], collected: Pick<CollectedCandidates, 'candidates' | 'refused'>, options: ChooseStructureOptions, noOtherReason: string): StructureChoice {
  const refused = collected.refused.map(refusedRow);
  if (collected.candidates.length === 1) {
    const only = collected.candidates[0].structure;
    return {
      structure: only,
      selection: {
        mode: 'auto', chosen: only.name, folds: 0, seed: options.seed ?? 0, reason: `no other candidate structure (${noOtherReason}): ${only.name}, without cross-validation`,
        candidates: [{ name: only.name, source: collected.candidates[0].source, freeParameters: freeCount(only), cvRmsLog: null, cvMape: null }, ...refused],
      },
    };
  }
  const choice = chooseStructure(records, collected.candidates, options);
  return { structure: choice.structure, selection: { ...choice.selection, candidates: [...choice.selection.candidates, ...refused] } };
}
