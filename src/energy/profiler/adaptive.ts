/**
 * Adaptive sampling for a profiling budget: measure the configurations that teach the energy model the most
 * instead of the whole grid. The first few are spread over the grid (greedy maximin in log coordinates); once
 * enough have been measured to fit the closed form, each next one is the configuration whose predicted energy
 * is least certain (the widest 95 % prediction interval, relative to its value). Configurations the model
 * predicts will not fit in memory go last.
 *
 * With a base model that has series effects (say the shipped models/mlenergy-v3.json) the public records are the
 * prior and there is no spreading phase: from the first record on, the records measured so far calibrate the
 * campaign's series under the base (series-fit.ts calibrateFromBase), and the next configuration is the one whose
 * series effect is least known, the widest 95 % interval of the effect's factor. That is the D-optimal choice for
 * one more record: measuring at z adds z z' / sigma^2 to the effects' precision, which multiplies the determinant
 * of their posterior covariance by 1 / (1 + z' Sigma z / sigma^2), smallest where z' Sigma z (the effect's
 * variance there) is largest. The effect has a level, a slope in log batch and a level per layout, so the picks
 * go to the batch extremes and to layouts not yet measured: the records that pin the series fastest.
 */
import type { Catalog } from '../catalog/catalog.js';
import { fitEnergyModel, type FitRecord } from '../model/fit.js';
import type { EnergyModel } from '../model/model-file.js';
import { calibrateFromBase } from '../model/series-fit.js';
import { predictEnergy } from '../model/predict.js';
import type { ConfigurationInput } from '../model/features.js';
import type { PlannedConfig, ProfilePlan } from './plan.js';

/** Measured records needed before the model is fitted to choose (fewer: spread over the grid). */
export const MIN_RECORDS_TO_FIT = 5;

export interface AdaptiveChoice {
  config: PlannedConfig;
  /** why it was chosen, for the log */
  why: string;
}

const coordinates = (c: PlannedConfig): number[] => [c.tp, c.pp, c.ep, c.batch, c.inputTokens, c.outputTokens].map(Math.log2);

/** The candidate farthest from every configuration already tried (ties: grid order); the grid's middle when none was. */
export function maximinChoice(candidates: readonly PlannedConfig[], tried: readonly PlannedConfig[]): PlannedConfig {
  const pts = candidates.map(coordinates);
  const lo = pts[0].map((_, k) => Math.min(...pts.map((p) => p[k])));
  const hi = pts[0].map((_, k) => Math.max(...pts.map((p) => p[k])));
  const norm = (p: number[]): number[] => p.map((x, k) => (hi[k] > lo[k] ? (x - lo[k]) / (hi[k] - lo[k]) : 0));
  const dist = (a: number[], b: number[]): number => Math.sqrt(a.reduce((s, x, k) => s + (x - b[k]) ** 2, 0));
  const triedPts = tried.map((c) => norm(coordinates(c)));
  const middle = lo.map(() => 0.5);
  let best = 0;
  let bestScore = -Infinity;
  pts.forEach((p, i) => {
    const q = norm(p);
    const score = triedPts.length === 0 ? -dist(q, middle) : Math.min(...triedPts.map((t) => dist(q, t)));
    if (score > bestScore + 1e-12) { best = i; bestScore = score; }
  });
  return candidates[best];
}

/** The record-shaped description of a planned configuration (what the energy model predicts from). */
export function configurationOf(plan: ProfilePlan, hardware: string, c: PlannedConfig): ConfigurationInput {
  return {
    model: plan.model, hardware, tp: c.tp, pp: c.pp, ep: c.ep, dp: 1, num_gpus: c.tp * c.pp, batch: c.batch,
    input_tokens: c.inputTokens, output_tokens: c.outputTokens, workload: plan.name,
    ...(plan.precision ? { precision: plan.precision } : {}),
    ...(plan.paramsB !== undefined ? { params_b: plan.paramsB } : {}),
    ...(plan.activeParamsB !== undefined ? { active_params_b: plan.activeParamsB } : {}),
    ...(plan.architecture ? { architecture: plan.architecture } : {}),
  };
}

/**
 * The adaptive rule: the index of the prediction whose 95 % interval is widest relative to its value (log of
 * high over low), preferring those that fit in memory; ties go to the first. -1 for an empty list.
 */
export function widestInterval(predictions: readonly { lowJ: number; highJ: number; fits: boolean }[]): number {
  let best = -1;
  let bestWidth = -Infinity;
  predictions.forEach((p, i) => {
    const width = Math.log(p.highJ / p.lowJ) + (p.fits ? 0 : -1e6);
    if (width > bestWidth + 1e-12) { best = i; bestWidth = width; }
  });
  return best;
}

/**
 * The next configuration to measure among `candidates` (not yet tried), given the records measured so far and
 * every configuration tried (measured or failed).
 */
export function nextAdaptive(
  plan: ProfilePlan, hardware: string, candidates: readonly PlannedConfig[], records: readonly FitRecord[], tried: readonly PlannedConfig[],
  options: { catalog?: Catalog; seed?: number; base?: EnergyModel } = {},
): AdaptiveChoice {
  if (candidates.length === 0) throw new Error('nextAdaptive: no candidates');
  if (options.base?.series) {
    const choice = pinSeries(plan, hardware, candidates, records, options.base, options.catalog);
    if (choice) return choice;
  }
  if (records.length < MIN_RECORDS_TO_FIT) {
    return { config: maximinChoice(candidates, tried), why: `spread over the grid (${records.length} of ${MIN_RECORDS_TO_FIT} records before the model is fitted)` };
  }
  let predictions;
  try {
    const model = fitEnergyModel(records, { catalog: options.catalog, seed: options.seed ?? 0, restarts: 2 });
    predictions = predictEnergy(model, candidates.map((c) => configurationOf(plan, hardware, c)), { catalog: options.catalog });
  } catch (err) {
    return { config: maximinChoice(candidates, tried), why: `spread over the grid (the model could not be fitted yet: ${(err as Error).message})` };
  }
  const fits = (i: number): boolean => predictions[i].features.memoryFits;
  const best = widestInterval(predictions.map((p, i) => ({ lowJ: p.energyLowJ, highJ: p.energyHighJ, fits: fits(i) })));
  const p = predictions[best];
  const pm = (x: number): string => String(Number(x.toPrecision(3)));
  return {
    config: candidates[best],
    why: `widest prediction interval: ${pm(p.energyLowJ)}-${pm(p.energyHighJ)} J per request around ${pm(p.energyJ)}${fits(best) ? '' : ' (predicted not to fit in memory; nothing else is left)'}`,
  };
}

/**
 * With a base model: the candidate whose series effect is least known under the base calibrated by the records
 * so far (the widest 95 % interval of the effect's factor; preferring those that fit in memory). Undefined when
 * the base cannot calibrate on these records (the caller falls back to the pooled rule).
 */
export function pinSeries(
  plan: ProfilePlan, hardware: string, candidates: readonly PlannedConfig[], records: readonly FitRecord[], base: EnergyModel, catalog?: Catalog,
): AdaptiveChoice | undefined {
  let predictions;
  try {
    const model = records.length > 0 ? calibrateFromBase(base, records, { catalog }) : base;
    predictions = predictEnergy(model, candidates.map((c) => configurationOf(plan, hardware, c)), { catalog });
  } catch {
    return undefined;
  }
  const effects = predictions.map((p) => p.series);
  if (effects.some((e) => e === null)) return undefined;
  const best = widestInterval(effects.map((e, i) => ({ lowJ: e!.factorLow, highJ: e!.factorHigh, fits: predictions[i].features.memoryFits })));
  const e = effects[best]!;
  const pm = (x: number): string => String(Number(x.toPrecision(3)));
  return {
    config: candidates[best],
    why: `pins the series fastest: its effect is least known here (factor ${pm(e.factorLow)}-${pm(e.factorHigh)} from ${e.records} record${e.records === 1 ? '' : 's'} of the series)${predictions[best].features.memoryFits ? '' : ' (predicted not to fit in memory; nothing else is left)'}`,
  };
}
