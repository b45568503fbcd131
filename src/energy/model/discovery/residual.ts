/**
 * Residual discovery: fit the physics closed form, take the log residuals r = log E - log E_physics(theta) of the
 * training records, let the engine search g(features) for them over logarithms of raw physical features
 * (correction-features.ts), and keep a correction only when K-fold cross-validation on the training records says
 * physics x exp(g), fitted jointly, predicts held-out records better than physics alone. Energy rows get g_energy;
 * where the records carry prefill energy, prefill rows get their own g_prefill, chosen on prefill rows.
 *
 * At most twelve parameters are free: physics parameters the data cannot identify are held (fit.ts, unidentified);
 * when a correction needs more room, the physics parameters whose removal costs cross-validation least are dropped
 * (held at 0).
 */
import { EnergyLensError } from '../../../errors.js';
import { compile, deriveSeed, evaluateAt, resolveOptions, SymbolicRegressor, type Evaluator, type SearchOptions, type SearchProgress } from '../../../sr/index.js';
import type { Catalog } from '../../catalog/catalog.js';
import { PARAMETERS } from '../closed-form.js';
import { recordFeatures, type EnergyFeatures } from '../features.js';
import { feasibilityGrid } from '../structure-check.js';
import { designRows, unidentified, type FitRecord } from '../fit.js';
import { MAX_FREE_PARAMETERS } from '../structure.js';
import { candidatesOf, gridProblem, type CandidateCorrection } from './candidates.js';
import { chooseCorrectionColumns, CORRECTION_FEATURES } from './correction-features.js';
import { acceptStandardErrors, crossValidate, kFolds, pairedGain, type CvScore } from './cv.js';
import { fitJoint, jointDataset, jointProgram, NO_CORRECTION, withKernel, type Correction, type JointFit } from './joint-fit.js';

export const MIN_CORRECTION_RECORDS = 15;

export interface ResidualDiscoveryOptions {
  /** seconds per search (default 20 unless maxEvaluations is given) */
  maxTime?: number | null;
  maxEvaluations?: number | null;
  seed?: number;
  workers?: number;
  /** cross-validation folds (default 5) */
  folds?: number;
  maxSize?: number;
  operators?: readonly string[];
  catalog?: Catalog;
  inputTokens?: Readonly<Record<string, number>>;
  file?: string;
  /**
   * 'auto': the search knows the unit of the quantity behind each log feature (options.units, space 'log'), so
   * products of logs of dimensioned quantities are penalised; 'off': no units. Default: DEFAULT_RESIDUAL_OPTIONS.units
   */
  units?: 'auto' | 'off';
  onProgress?: (p: { phase: 'energy' | 'prefill'; search: SearchProgress } | { phase: 'cv'; done: number; total: number }) => void;
  signal?: AbortSignal;
  /** standard errors a correction's paired CV gain must clear (default: acceptStandardErrors of the candidates found) */
  acceptStandardErrors?: number;
}

export const DEFAULT_RESIDUAL_OPTIONS = { maxTime: 20, seed: 0, folds: 5, maxSize: 9, operators: ['+', '-', '*'], units: 'off' } as const;

export interface CandidateScore {
  phase: 'energy' | 'prefill';
  expression: string;
  constants: number;
  /** physics parameters it needed dropped to stay within twelve free */
  dropped: string[];
  cvLogError: number | null;
  cvMape: number | null;
  /** mean paired gain in squared log error over the reference, and its standard error */
  gain: number | null;
  standardError: number | null;
  status: 'chosen' | 'not better' | 'refused' | 'beaten';
  reason?: string;
}

export interface ResidualDiscovery {
  /** 'physics' when no correction beat physics in cross-validation */
  name: 'physics' | 'physics+discovered';
  correction: Correction;
  /** indexes into CORRECTION_FEATURES the correction trees read */
  columns: number[];
  droppedColumns: { name: string; reason: string }[];
  /** physics parameters dropped (held at 0) to make room */
  dropped: string[];
  /** the joint fit on every training record */
  fit: JointFit;
  physicsCv: { logError: number; mape: number };
  candidates: CandidateScore[];
  searches: { phase: 'energy' | 'prefill'; rows: number; evaluations: number; seconds: number; seed: number; front: number }[];
  records: number;
  options: { maxTime: number | null; maxEvaluations: number | null; seed: number; folds: number; maxSize: number; operators: string[]; units?: 'auto' | 'off' };
}

/** options.units of the residual search over these columns: the unit of the quantity behind each log column */
function residualUnits(columns: readonly number[], options: ResidualDiscoveryOptions): SearchOptions['units'] {
  if ((options.units ?? DEFAULT_RESIDUAL_OPTIONS.units) === 'off') return null;
  return { features: columns.map((j) => CORRECTION_FEATURES[j].quantityUnit), target: null, space: 'log' };
}

async function searchResiduals(X: number[][], r: number[], names: string[], seed: number, options: ResidualDiscoveryOptions, phase: 'energy' | 'prefill', units: SearchOptions['units']) {
  const maxEvaluations = options.maxEvaluations ?? null;
  const model = new SymbolicRegressor({
    operators: [...(options.operators ?? DEFAULT_RESIDUAL_OPTIONS.operators)], maxSize: options.maxSize ?? DEFAULT_RESIDUAL_OPTIONS.maxSize,
    loss: 'mse', maxTime: options.maxTime ?? (maxEvaluations === null ? DEFAULT_RESIDUAL_OPTIONS.maxTime : null), maxEvaluations,
    seed, workers: options.workers, signal: options.signal, units,
    onProgress: options.onProgress ? (p) => options.onProgress?.({ phase, search: p }) : undefined,
  });
  await model.fit(X, r, { featureNames: names });
  const res = model.result!;
  return { front: model.equations(), run: { phase, rows: r.length, evaluations: res.evaluations, seconds: res.seconds, seed: res.seed, front: model.equations().length } };
}

/** log(measured / physics) per row of a kind, with the physics part of a fit (no correction). */
function residuals(fit: JointFit, records: readonly FitRecord[], features: readonly EnergyFeatures[], kind: 'energy' | 'prefill', ev: Evaluator): { record: number; r: number }[] {
  const rows = designRows(records, features, false).filter((row) => row.kind === kind);
  if (rows.length === 0) return [];
  ev.setDataset(jointDataset(rows, features, []));
  const pred = ev.predict(jointProgram(fit.values.slice(0, PARAMETERS.length), NO_CORRECTION, []));
  return rows.map((row, i) => ({ record: row.record, r: Math.log(row.y / pred[i]) }));
}

export async function discoverResidualStructure(records: readonly FitRecord[], options: ResidualDiscoveryOptions = {}): Promise<ResidualDiscovery> {
  const D = DEFAULT_RESIDUAL_OPTIONS;
  const where = options.file ?? 'records';
  if (records.length < MIN_CORRECTION_RECORDS) throw new EnergyLensError('INVALID_DATA', `${where}: ${records.length} records; discovery needs at least ${MIN_CORRECTION_RECORDS}`);
  const seed = options.seed ?? D.seed;
  const K = options.folds ?? D.folds;
  if (!Number.isInteger(K) || K < 2 || K > records.length) throw new EnergyLensError('INVALID_OPTION', `options.folds must be an integer from 2 to the number of records (${records.length})`);
  // the search options fail before any work, naming the option
  resolveOptions({ operators: [...(options.operators ?? D.operators)], maxSize: options.maxSize ?? D.maxSize, loss: 'mse', maxTime: options.maxTime ?? null, maxEvaluations: options.maxEvaluations ?? null, seed });
  const features = recordFeatures(records, { catalog: options.catalog, inputTokens: options.inputTokens }, options.file);
  const { keep: columns, dropped: droppedColumns } = chooseCorrectionColumns(features);
  const names = columns.map((j) => CORRECTION_FEATURES[j].name);
  const operators = [...(options.operators ?? D.operators)];
  const rowOf = (f: EnergyFeatures): number[] => columns.map((j) => CORRECTION_FEATURES[j].value(f));
  const grid = [...features, ...feasibilityGrid(options.catalog).map((g) => g.features)].map(rowOf);
  const folds = kFolds(records.length, K, deriveSeed(seed, 101));
  const held = unidentified(designRows(records, features, true));
  const freePhysics = PARAMETERS.filter((p) => !held.has(p.name)).map((p) => p.name);
  const searches: ResidualDiscovery['searches'] = [];
  const candidates: CandidateScore[] = [];

  return withKernel(async (ev) => {
    const physicsFit = fitJoint(records, features, NO_CORRECTION, { columns, seed, restarts: 8, robustRounds: 3 }, ev);
    const ctx = { records, features, folds, columns, seed, ev, start: physicsFit.values.slice(0, PARAMETERS.length) };
    const physicsCv = crossValidate(ctx, NO_CORRECTION);
    const hasPrefill = designRows(records, features, false).filter((r) => r.kind === 'prefill').length >= MIN_CORRECTION_RECORDS;
    let cvDone = 0;
    const progress = (total: number): void => options.onProgress?.({ phase: 'cv', done: ++cvDone, total });

    // the physics parameters in the order their removal costs cross-validation least (computed when needed)
    let dropOrder: string[] | null = null;
    const dropsFor = (extra: number): string[] | null => {
      const over = freePhysics.length + extra - MAX_FREE_PARAMETERS;
      if (over <= 0) return [];
      if (dropOrder === null) {
        const droppable = freePhysics.filter((n) => PARAMETERS.find((p) => p.name === n)!.lower === 0);
        dropOrder = droppable.map((n) => ({ n, s: crossValidate(ctx, NO_CORRECTION, [n]).logError })).sort((a, b) => a.s - b.s).map((x) => x.n);
      }
      return over <= dropOrder.length ? dropOrder.slice(0, over) : null;
    };

    const choose = async (phase: 'energy' | 'prefill', base: Correction, reference: CvScore): Promise<{ correction: Correction; score: CvScore; dropped: string[] }> => {
      const res = residuals(physicsFit, records, features, phase, ev);
      if (res.length < MIN_CORRECTION_RECORDS) return { correction: base, score: reference, dropped: [] };
      const { front, run } = await searchResiduals(res.map((x) => rowOf(features[x.record])), res.map((x) => x.r), names, deriveSeed(seed, phase === 'energy' ? 1 : 2), options, phase, residualUnits(columns, options));
      searches.push(run);
      const { candidates: found, refused } = candidatesOf(front, columns, operators);
      for (const r of refused) candidates.push({ phase, expression: r.expression, constants: 0, dropped: [], cvLogError: null, cvMape: null, gain: null, standardError: null, status: 'refused', reason: r.reason });
      const threshold = options.acceptStandardErrors ?? acceptStandardErrors(found.length);
      let best: { c: CandidateCorrection; score: CvScore; dropped: string[]; entry: CandidateScore } | null = null;
      for (const c of found) {
        const entry: CandidateScore = { phase, expression: c.expression, constants: c.constants, dropped: [], cvLogError: null, cvMape: null, gain: null, standardError: null, status: 'not better' };
        candidates.push(entry);
        const problem = gridProblem(c.tree, grid, evaluateAt);
        if (problem) { Object.assign(entry, { status: 'refused', reason: problem }); continue; }
        const extra = (base.energy ? compile(base.energy).consts.length : 0) + c.constants;
        const dropped = dropsFor(extra);
        if (dropped === null) { Object.assign(entry, { status: 'refused', reason: `needs ${c.constants} constants; not enough physics parameters can be dropped to stay within ${MAX_FREE_PARAMETERS} free` }); continue; }
        const correction: Correction = phase === 'energy' ? { ...base, energy: c.tree } : { ...base, prefill: c.tree };
        const score = crossValidate(ctx, correction, dropped, phase);
        progress(found.length);
        const g = pairedGain(reference, score, threshold);
        Object.assign(entry, { dropped, cvLogError: score.logError, cvMape: score.mape, gain: g.gain, standardError: g.standardError });
        if (g.better && (best === null || score.logError < best.score.logError)) best = { c, score, dropped, entry };
      }
      if (best === null) return { correction: base, score: reference, dropped: [] };
      for (const e of candidates) if (e.phase === phase && e.status === 'not better' && e.gain !== null && e.gain > threshold * (e.standardError ?? Infinity)) e.status = 'beaten';
      best.entry.status = 'chosen';
      return { correction: phase === 'energy' ? { ...base, energy: best.c.tree } : { ...base, prefill: best.c.tree }, score: best.score, dropped: best.dropped };
    };

    const energy = await choose('energy', NO_CORRECTION, physicsCv);
    // the prefill correction is judged on the prefill rows, with the energy correction already in place
    const prefill = hasPrefill ? await choose('prefill', energy.correction, crossValidate(ctx, energy.correction, energy.dropped, 'prefill')) : { correction: energy.correction, dropped: [] };
    const correction = prefill.correction;
    const dropped = [...new Set([...energy.dropped, ...prefill.dropped])];
    const found = correction.energy !== null || correction.prefill !== null;
    const fit = found ? fitJoint(records, features, correction, { columns, dropped, seed, start: ctx.start, restarts: 8, robustRounds: 3 }, ev) : physicsFit;
    return {
      name: found ? 'physics+discovered' : 'physics', correction, columns, droppedColumns, dropped: found ? dropped : [], fit,
      physicsCv: { logError: physicsCv.logError, mape: physicsCv.mape }, candidates, searches, records: records.length,
      options: { maxTime: options.maxTime ?? (options.maxEvaluations == null ? D.maxTime : null), maxEvaluations: options.maxEvaluations ?? null, seed, folds: K, maxSize: options.maxSize ?? D.maxSize, operators, units: options.units ?? D.units },
    };
  });
}
