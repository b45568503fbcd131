/**
 * `discovered`: what `energylens fit` does by default (--structure auto), behind the method interface. On each
 * training set: a bounded residual discovery proposes physics x exp(g) (discovery/auto.ts, on the same seeded
 * sample fit uses), the structure choice cross-validates it against physics (structure-select.ts chooseAmong), the
 * chosen structure is fitted, per-series effects are fitted on top when the records hold two or more series, and a
 * discovered correction applies only to the serving stacks of the training records (fit.ts withStackFallback).
 * The budget is in kernel evaluations (`evals` per search phase, as `fit --evals`), so a seed gives the same fit on
 * any machine. Calibration to new hardware refits the closed form's hardware parameters on the chosen structure.
 *
 * The discovery is asynchronous (its searches run in worker threads) and fits are synchronous, so the method
 * `prepare`s each training set first (evaluateMethods does that for every split); fit then finds the prepared
 * candidates by the training set's fingerprint and seed.
 */
import { EnergyLensError } from '../../errors.js';
import { autoDiscoveryCandidate, DISCOVERED_SOURCE, discoverySample } from '../model/discovery/auto.js';
import { fitEnergyModel, withStackFallback } from '../model/fit.js';
import { withChosenSeriesEffects, type SeriesEffectsRule } from '../model/series-choice.js';
import { chooseAmong, collectCandidates, type CollectedCandidates } from '../model/structure-select.js';
import { cvGroupsOf, stackOf } from '../model/structure-cv-groups.js';
import { fittedModel } from './closed-form.js';
import { fingerprint, remember } from './hierarchical.js';
import type { EnergyModel } from '../model/model-file.js';
import type { EnergyMethod, MethodContext, TrainRecord } from './method.js';

/** Kernel evaluations per discovery search phase (and the budget for scoring further candidates), as bench:discover's `auto`. */
export const DEFAULT_DISCOVERED_EVALS = 30_000;

export interface DiscoveredOptions {
  /** kernel evaluations per search phase (default DEFAULT_DISCOVERED_EVALS) */
  evals?: number;
  /** cross-validation folds of the discovery and of the structure choice (default: fit's, 5) */
  folds?: number;
  /** worker threads of the discovery's searches (default: the engine's) */
  workers?: number;
  /** when series effects are added (series-choice.ts; default fit's, `cv`) */
  seriesEffects?: SeriesEffectsRule;
  /** standard errors by which the effects must win under `cv` (series-choice.ts; default its) */
  seriesStandardErrors?: number;
  /** records minus series needed under `replicated` (series-choice.ts; default its) */
  seriesMinWithinDof?: number;
  /** the series spreads' estimator (series-fit.ts SeriesFitOptions.spreads; default fit's, DEFAULT_SERIES_SPREADS) */
  seriesSpreads?: { reml?: boolean; boundaryAvoiding?: boolean; withoutSlope?: boolean; slopeMinSeries?: number };
  /** run the residual discovery (default true; false: physics with fit's series step, for comparing series rules) */
  discovery?: boolean;
  /** the method's name in results (default "discovered") */
  name?: string;
  /** further columns a discovered correction is limited to beside the serving stack (fit.ts FallbackOptions; default fit's) */
  fallbackColumns?: readonly string[];
  /** a column whose groups (when the training records hold at least two) also score each candidate held out one at a time (fit --cv-groups; default none) */
  cvGroups?: string;
  /**
   * a calibration on records outside the correction's scopes (a new GPU): `physics` calibrates the physics fit
   * (fit.ts calibrationBase, the default); `better-on-k` calibrates both and keeps the one with the lower RMS log
   * error on the calibration records (an experiment: bench/fallback-scope.bench.mjs)
   */
  calibration?: 'physics' | 'better-on-k';
  /** the prepared discoveries, shared with other discovered methods of the same evals, folds and discovery so that variants of the later steps compare on one discovery (default: the method's own) */
  prepared?: Map<string, CollectedCandidates>;
}

export function createDiscoveredMethod(options: DiscoveredOptions = {}): EnergyMethod {
  const evals = options.evals ?? DEFAULT_DISCOVERED_EVALS;
  const folds = options.folds ?? 5;
  const memo = options.prepared ?? new Map<string, CollectedCandidates>();
  const keyOf = (records: readonly TrainRecord[], ctx: MethodContext): string => fingerprint(records, ctx.seed);
  return {
    name: options.name ?? 'discovered',
    label: options.name ?? 'discovered (fit default)',
    kind: 'closed form',
    description: `what \`energylens fit\` does by default: a residual discovery (${evals} evaluations per search phase) proposes physics x exp(g), cross-validation chooses between it and physics, then per-series effects and the stack rule`,
    prepare: async (records, ctx = {}) => {
      const key = keyOf(records, ctx);
      if (memo.has(key)) return;
      const seed = ctx.seed ?? 0;
      const collected = await collectCandidates(options.discovery === false ? {} : {
        discovery: () => autoDiscoveryCandidate(discoverySample(records, seed).records, {
          evals, seed, folds, catalog: ctx.catalog, inputTokens: ctx.inputTokens, ...(options.workers !== undefined ? { workers: options.workers } : {}),
        }),
        discoverySource: DISCOVERED_SOURCE,
      });
      remember(memo, key, collected);
    },
    fit: (records, ctx = {}) => {
      const collected = memo.get(keyOf(records, ctx));
      if (!collected) throw new EnergyLensError('INVALID_OPTION', 'discovered: no discovery was prepared for these training records (await method.prepare(records, ctx) first; evaluateMethods does)');
      const seed = ctx.seed ?? 0;
      const common = { catalog: ctx.catalog, inputTokens: ctx.inputTokens, seed };
      const groups = options.cvGroups !== undefined && new Set(records.map((r) => stackOf(r, options.cvGroups as string))).size >= 2 ? cvGroupsOf(records, options.cvGroups) : null;
      const { structure, selection } = chooseAmong(records, collected, { ...common, folds, evals, groups }, 'a kept discovery');
      const fitOptions = { ...common, structure, selection };
      const pooled = fitEnergyModel(records, fitOptions);
      const withSeries = withChosenSeriesEffects(pooled, records, fitOptions, { catalog: ctx.catalog, folds, ...(options.seriesEffects ? { rule: options.seriesEffects } : {}), ...(options.seriesStandardErrors !== undefined ? { standardErrors: options.seriesStandardErrors } : {}), ...(options.seriesMinWithinDof !== undefined ? { minWithinDof: options.seriesMinWithinDof } : {}), ...(options.seriesSpreads ? { spreads: options.seriesSpreads } : {}) });
      const model = withStackFallback(withSeries, records, { ...fitOptions, ...(options.fallbackColumns ? { fallbackColumns: options.fallbackColumns } : {}) });
      const f = fittedModel(model, ctx, 'discovered');
      if (options.calibration === 'better-on-k') f.calibrate = calibrateBetterOnK(model, ctx, 'discovered');
      return { ...f, notes: [`structure: ${selection.chosen}`, `series effects: ${withSeries.seriesChoice?.used ? 'yes' : 'no'}`, ...f.notes] };
    },
  };
}

export const discoveredMethod: EnergyMethod = createDiscoveredMethod();

/** Calibration that refits both the chosen structure and its physics fallback and keeps the one closer to the k records. */
export function calibrateBetterOnK(model: EnergyModel, ctx: MethodContext, name: string): (records: readonly TrainRecord[], c?: MethodContext) => ReturnType<typeof fittedModel> {
  return (records, c = ctx) => {
    const chosen = fittedModel({ ...model, stackFallback: undefined }, c, name).calibrate!(records, c);
    const physics = fittedModel(model, c, name).calibrate!(records, c);
    const rms = (f: ReturnType<typeof fittedModel>): number => {
      const p = f.predict(records);
      return Math.sqrt(records.reduce((a, r, i) => a + Math.log(p[i] / (r.energy_j / r.output_tokens)) ** 2, 0) / records.length);
    };
    return rms(chosen) < rms(physics) ? chosen : physics;
  };
}
