/**
 * Predictions of a fitted energy model, whatever its structure: energy per output token and per request with a
 * 95 % prediction interval (parameter covariance by the delta method in log space, plus the residual spread; the
 * engine's predictWithIntervals), the prefill and decode shares (where the structure has a prefill expression),
 * the time per output token (where a latency expression was fitted on measured times), and the reasons a
 * configuration lies outside what the model was fitted on (extrapolation). A model with a series section applies
 * the effect of the configuration's series (its level, slope in log batch and setting level) to the energy, and its
 * interval takes the effect's posterior spread in place of the pooled residual spread; a series it has not seen gets
 * the fit without series effects stored beside it (`series.pooled`), with that fit's own interval.
 */
import { compileParametric, ParametricEvaluator, predictWithIntervals, Z95, type KindRows } from '../../sr/index.js';
import { builtinCatalog, type Catalog } from '../catalog/catalog.js';
import type { RowKind } from './design.js';
import { recordFeatures, type ConfigurationInput, type EnergyFeatures } from './features.js';
import { fallbackModel, fallbackScopes, stackScope, type EnergyModel } from './model-file.js';
import type { RecordLike } from './series-effects.js';
import { applySeriesEffect, type AppliedSeriesEffect } from './series-posteriors.js';
import { withKrigingEffect } from './series-kriging-file.js';
import { outsideScope, scopeValueOf, stackOf } from './structure-cv-groups.js';
import { featureMatrix } from './structure-features.js';
import { structureSpec } from './structure.js';
import { unpackResidualTrees, walkTrees } from './residual-trees.js';
import { encoderFromColumns } from '../baselines/tabular.js';

export interface EnergyPrediction {
  energyPerTokenJ: number;
  /** per request: energy per token x output tokens */
  energyJ: number;
  energyLowJ: number;
  energyHighJ: number;
  /** NaN when the model's structure has no prefill expression */
  prefillEnergyJ: number;
  decodeEnergyJ: number;
  /** predicted time per output token (s); null when the model has no fitted latency part */
  tpotS: number | null;
  /** why this configuration is outside the training data (empty: inside) */
  extrapolation: string[];
  features: EnergyFeatures;
  /** the series effect applied (null: the model has no series section) */
  series: AppliedSeriesEffect | null;
  /** with a fallback section: which fit the row got and why (null: the model has no fallback section) */
  stack: AppliedStack | null;
  /** exp(g) of the model's residual trees, a factor on the shared prediction (absent: no trees, or a row the pooled fit predicts) */
  residualFactor?: number;
}

/**
 * Which fit a row of a model with a fallback section got: the chosen structure (its value of every scope, the
 * serving stack and the hardware, say, is one the training records hold) or the physics fit (one is not).
 */
export interface AppliedStack {
  /** the scope that decided: for the physics fit, the first column whose value the training records lack; else the first scope's */
  column: string;
  /** the row's value of that column ('' when it has none) */
  value: string;
  applied: 'chosen' | 'physics';
  /** in words: why this fit */
  reason: string;
}

/** A configuration with its model and hardware named as the catalog names them, so series keys match across aliases. */
export function canonicalNames<T extends { model: string; hardware: string }>(c: T, catalog: Catalog = builtinCatalog()): T {
  const model = catalog.findModel(c.model)?.name ?? c.model;
  const hardware = catalog.findHardware(c.hardware)?.name ?? c.hardware;
  return model === c.model && hardware === c.hardware ? c : { ...c, model, hardware };
}

export interface PredictOptions {
  catalog?: Catalog;
  file?: string;
  /** the file's row number of the first configuration (errors name rows by it); default 1 */
  firstRow?: number;
}

export function extrapolationReasons(m: EnergyModel, c: ConfigurationInput, f: EnergyFeatures, catalog: Catalog = builtinCatalog()): string[] {
  const r = m.training.ranges;
  const out: string[] = [];
  const check = (label: string, v: number, [lo, hi]: [number, number]): void => {
    if (v < lo * (1 - 1e-9) || v > hi * (1 + 1e-9)) out.push(`${label} ${Number(v.toPrecision(4))} outside the fitted ${Number(lo.toPrecision(4))}-${Number(hi.toPrecision(4))}`);
  };
  check('batch', f.batch, r.batch);
  check('GPUs', f.gpus, r.gpus);
  check('tensor degree', f.tensorDegree, r.tensorDegree);
  check('pipeline degree', f.pipelineDegree, r.pipelineDegree);
  check('output tokens', f.outputTokens, r.outputTokens);
  check('input tokens', f.inputTokens, r.inputTokens);
  check('weights per GPU (GB)', f.weightBytesPerGpu / 1e9, r.weightGBPerGpu);
  // by catalog name, so an alias (H100) matches the name the training records used (H100-SXM5-80GB)
  const canonical = (name: string): string => catalog.findHardware(name)?.name ?? name;
  if (!r.hardware.some((h) => canonical(h) === canonical(c.hardware))) out.push(`hardware ${c.hardware} not in the training data`);
  // a configuration that cannot run gets no silent number: its prediction is flagged
  if (f.memoryNote !== null) out.push(f.memoryFits ? f.memoryNote : `does not fit in GPU memory: ${f.memoryNote}`);
  return out;
}

/** Whether the model predicts time per output token: a latency expression fitted on measured times. */
export function hasLatency(model: EnergyModel): boolean {
  return model.structure.expressions.latency !== undefined && model.training.latencyRows > 0;
}

/**
 * Predictions of a model with a fallback section: rows inside every scope its training records hold (serving stack,
 * hardware, ...) by the chosen structure, the others by the stored physics fit, each with the series effect on top.
 */
function predictByStack(model: EnergyModel, configs: readonly ConfigurationInput[], options: PredictOptions): EnergyPrediction[] {
  const fb = model.stackFallback!;
  const catalog = options.catalog ?? builtinCatalog();
  // once for every row (a bad row is reported with its own row number), before the rows are split by scope
  const features = featuresOf(model, configs, options);
  const scopes = fallbackScopes(fb);
  const stack = stackScope(fb);
  const first = scopes[0];
  const applied: AppliedStack[] = configs.map((c) => {
    const out = outsideScope(c, stack, fb.scopes ?? [], catalog);
    if (out) return { ...out, applied: 'physics', reason: `${out.column} ${out.value === '' ? '(none)' : out.value} is not among the training records' (${scopes.find((s) => s.column === out.column)!.seen.join(', ')}): the physics fit` };
    const value = stack ? stackOf(c, stack.column) : scopeValueOf(c, first.column, catalog);
    return { column: first.column, value, applied: 'chosen', reason: `${scopes.map((s) => s.column).join(' and ')} among the training records': ${model.structure.name}` };
  });
  const out = new Array<EnergyPrediction>(configs.length);
  const parts = [{ applied: 'chosen' as const, model: { ...model, stackFallback: undefined }, rows: [] as number[] }, { applied: 'physics' as const, model: fallbackModel(model), rows: [] as number[] }];
  applied.forEach((a, i) => parts[a.applied === 'chosen' ? 0 : 1].rows.push(i));
  for (const part of parts) {
    if (part.rows.length === 0) continue;
    const preds = predictFromFeatures(part.model, part.rows.map((i) => configs[i]), part.rows.map((i) => features[i]), options);
    part.rows.forEach((i, k) => { out[i] = { ...preds[k], stack: applied[i] }; });
  }
  return out;
}

/**
 * Point predictions of one row kind (energy per output token, prefill energy per output token, or time per output
 * token), without intervals, series effects, a stack fallback or per-row objects: what a fit's inner rounds need
 * (the series effects' residuals on every record), at a fraction of predictEnergy's time and memory.
 */
export function predictPoints(model: EnergyModel, configs: readonly ConfigurationInput[], kind: RowKind, options: PredictOptions = {}): Float64Array {
  if (configs.length === 0) return new Float64Array(0);
  const { ev, values, kindOf } = evaluatorOf(model, featuresOf(model, configs, options), [kind]);
  try {
    return ev.predict(kindOf(kind), values);
  } finally {
    ev.dispose();
  }
}

/**
 * exp(g(x)) of each configuration under the model's residual trees (residual-trees.ts): the factor on its energy
 * under the shared parameters. All ones without trees. `features`: the configurations' features, when computed.
 */
export function residualTreeFactors(model: EnergyModel, configs: readonly ConfigurationInput[], options: PredictOptions = {}, features?: readonly EnergyFeatures[]): Float64Array {
  if (!model.residualTrees || configs.length === 0) return new Float64Array(configs.length).fill(1);
  const ensemble = unpackResidualTrees(model.residualTrees);
  const catalog = options.catalog ?? builtinCatalog();
  const encoder = encoderFromColumns(ensemble.features, { catalog, inputTokens: model.inputTokens });
  return walkTrees(ensemble, encoder.encode(configs, features ?? featuresOf(model, configs, options))).map(Math.exp);
}

const featuresOf = (model: EnergyModel, configs: readonly ConfigurationInput[], options: PredictOptions): EnergyFeatures[] =>
  recordFeatures(configs, { catalog: options.catalog, inputTokens: model.inputTokens }, options.file, options.firstRow);

/** The model's structure compiled over these rows' features, for the row kinds asked (dispose the evaluator). */
function evaluatorOf(model: EnergyModel, features: readonly EnergyFeatures[], kinds: readonly RowKind[]) {
  const spec = structureSpec(model.structure);
  const compiled = compileParametric(spec);
  const data: Record<string, KindRows> = Object.fromEntries(kinds.map((k) => [k, { X: featureMatrix(features, k, spec.features), nRows: features.length }]));
  return {
    ev: new ParametricEvaluator(compiled, data),
    values: model.parameters.map((p) => p.value),
    kindOf: (k: RowKind) => compiled.kinds.find((x) => x.name === k)!,
  };
}

export function predictEnergy(model: EnergyModel, configs: readonly ConfigurationInput[], options: PredictOptions = {}): EnergyPrediction[] {
  if (configs.length === 0) return [];
  if (model.stackFallback) return predictByStack(model, configs, options);
  return predictFromFeatures(model, configs, featuresOf(model, configs, options), options);
}

/** predictEnergy on rows whose features are computed (a model without a stack fallback). */
function predictFromFeatures(model: EnergyModel, configs: readonly ConfigurationInput[], features: readonly EnergyFeatures[], options: PredictOptions): EnergyPrediction[] {
  const latency = hasLatency(model);
  const prefill = model.structure.expressions.prefill !== undefined;
  const kinds: RowKind[] = ['energy', ...(prefill ? ['prefill' as const] : []), ...(latency ? ['latency' as const] : [])];
  const { ev, values, kindOf } = evaluatorOf(model, features, kinds);
  try {
    const catalog = options.catalog ?? builtinCatalog();
    const effects = model.series ? configs.map((c) => {
      const r = canonicalNames(c, catalog) as RecordLike;
      return withKrigingEffect(r, model.series!, applySeriesEffect(r, model.series!));
    }) : null;
    // rows of a series the model knows nothing of: the fit without series effects, when the file carries it
    const pooled = model.series?.pooled && effects?.some((e) => e.uninformed) ? model.series.pooled : undefined;
    const at = (v: readonly number[], m: Pick<EnergyModel, 'free' | 'covariance' | 'residualSd'>) => ({
      energy: predictWithIntervals(ev, 'energy', v, { space: 'log', free: m.free, covariance: m.covariance, residualSd: m.residualSd.energy }),
      prefill: prefill ? ev.predict(kindOf('prefill'), v) : null,
      tpot: latency ? ev.predict(kindOf('latency'), v) : null,
    });
    const shared = at(values, model);
    const trees = model.residualTrees ? residualTreeFactors(model, configs, options, features) : null;
    const pooledAt = pooled ? at(pooled.parameters.map((p) => p.value), pooled) : null;
    return configs.map((c, i) => {
      const f = features[i];
      const effect = effects?.[i];
      const p = pooledAt && effect?.uninformed ? pooledAt : shared;
      let e = p.energy.predictions[i];
      let low = p.energy.low[i];
      let high = p.energy.high[i];
      let prefillPerToken = p.prefill ? p.prefill[i] : Number.NaN;
      let series: AppliedSeriesEffect | null = null;
      // the residual trees: a factor on the shared parameters' prediction (the pooled fit has none)
      const residualFactor = trees && p === shared ? trees[i] : undefined;
      if (residualFactor !== undefined) {
        e *= residualFactor;
        low *= residualFactor;
        high *= residualFactor;
        prefillPerToken *= residualFactor;
      }
      if (effect && p === pooledAt) {
        // the pooled fit's own interval: its residual spread holds the spread between series
        series = { ...effect.applied, pooled: true };
      } else if (effect) {
        // the effect shifts every energy; the interval: the parameters' part of the pooled one plus the effect's spread
        const pooledSd = Math.log(high / low) / (2 * Z95);
        const parameterVar = Math.max(0, pooledSd ** 2 - model.residualSd.energy ** 2);
        const sd = Math.sqrt(parameterVar + effect.sd ** 2);
        e *= effect.applied.factor;
        prefillPerToken *= effect.applied.factor;
        low = e * Math.exp(-Z95 * sd);
        high = e * Math.exp(Z95 * sd);
        series = effect.applied;
      }
      const energyJ = e * f.outputTokens;
      const prefillEnergyJ = p.prefill ? Math.min(energyJ, prefillPerToken * f.outputTokens) : Number.NaN;
      return {
        energyPerTokenJ: e, energyJ, energyLowJ: low * f.outputTokens, energyHighJ: high * f.outputTokens,
        prefillEnergyJ, decodeEnergyJ: energyJ - prefillEnergyJ,
        tpotS: p.tpot ? p.tpot[i] * (series?.latencyFactor ?? 1) : null,
        extrapolation: extrapolationReasons(model, c, f, options.catalog), features: f, series, stack: null,
        ...(residualFactor !== undefined ? { residualFactor } : {}),
      };
    });
  } finally {
    ev.dispose();
  }
}
