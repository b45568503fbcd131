/**
 * The series effects (and the residual trees under them) in words, shared by the CLI (fit, predict, select,
 * explain) and the web workbench: which series effect applied, from how many records, its interval, and the
 * model's series section and residual trees in short.
 */
import type { KrigingKernel } from './series-kriging.js';
import type { AppliedSeriesEffect } from './series-posteriors.js';
import type { EnergyModel, ModelSeries } from './model-file.js';

const pct = (f: number): string => `${f >= 1 ? '+' : ''}${((f - 1) * 100).toFixed(1)} %`;

/** One effect in words: "+12.0 % (95 %: +3.1 % to +21.6 %) from 14 records" or the new-series case. */
export function effectText(e: AppliedSeriesEffect): string {
  if (e.pooled) return 'new series: no records, predicted by the fit without series effects (stored beside the shared parameters)';
  if (e.records === 0) return `new series: no records, the shared model's prediction (95 % of series lie within ${pct(e.factorLow)} to ${pct(e.factorHigh)} of it)`;
  return `${pct(e.factor)} (95 %: ${pct(e.factorLow)} to ${pct(e.factorHigh)}) from ${e.records} record${e.records === 1 ? '' : 's'}${e.settingSeen ? '' : ', this layout and workload unseen'}`;
}

/** The series section in short, for fit's and explain's JSON. */
export function seriesSummary(s: ModelSeries): Record<string, unknown> {
  return {
    by: s.by, center: s.center, components: s.components, count: s.stats.length,
    ...(s.crossed ? { crossed: { factors: s.crossed.factors, slope: s.crossed.slope, tauLevel: s.crossed.tauLevel, tauSlope: s.crossed.tauSlope } } : {}),
    records: s.stats.reduce((a, x) => a + x.n, 0), ...(s.calibration ? { calibration: s.calibration } : {}),
    ...(s.pooled ? { pooled: { residualSd: s.pooled.residualSd } } : {}),
    ...(s.kriging ? { kriging: { kernel: s.kriging.kernel, points: s.kriging.series.reduce((a, x) => a + x.r.length, 0) } } : {}),
  };
}

/** The kriging kernel in one line (fit and explain). */
function krigingLine(k: KrigingKernel, points: number): string {
  return `  kriging (a series with records is predicted by its Gaussian-process posterior, from ${points} points): level ${k.level.toFixed(3)}, slope in log batch ${k.slope.toFixed(3)}, setting ${k.setting.toFixed(3)}, smooth ${k.spread.toFixed(3)} (length scales in log units: ${k.features.map((f, i) => `${f} ${k.lengths[i].toFixed(2)}`).join(', ')}), residual ${k.sigma.toFixed(3)}`;
}

/** The lines fit and explain print about a model's series effects. */
export function seriesLines(m: EnergyModel): string[] {
  const s = m.series;
  const why = m.seriesChoice ? [`  ${m.seriesChoice.used ? 'fitted' : 'not fitted'}: ${m.seriesChoice.reason}`] : [];
  if (!s) return ['series effects: none (a pooled model)', ...why];
  const c = s.components;
  return [
    `series effects: ${s.stats.length} series by ${s.by.series.join(', ')} (settings within a series: ${s.by.setting.join(', ')})`,
    `  spreads (log energy): series level ${c.tauLevel.toFixed(3)}, slope in log batch ${c.tauSlope.toFixed(3)}, setting ${c.tauSetting.toFixed(3)}, residual ${c.sigma.toFixed(3)}`,
    ...(c.layoutSpread !== undefined ? [`  no training series showed two layouts: a setting a seen series' records lack, at a new layout (or in a series whose records span layouts), gets the series-level spread ${c.layoutSpread.toFixed(3)} in place of the setting spread`] : []),
    ...(s.latency ? [`  on latency (log time per output token, from ${s.latency.stats.reduce((a, x) => a + x.n, 0)} timed records): series level ${s.latency.components.tauLevel.toFixed(3)}, slope in log batch ${s.latency.components.tauSlope.toFixed(3)}, setting ${s.latency.components.tauSetting.toFixed(3)}, residual ${s.latency.components.sigma.toFixed(3)}`] : []),
    ...(s.crossed ? [`  crossed effects (shared across series): ${s.crossed.factors.map((f, i) => `${f} ${s.crossed!.tauLevel[i].toFixed(3)}${s.crossed!.slope ? ` (slope ${s.crossed!.tauSlope[i].toFixed(3)})` : ''}`).join(', ')}; the series level above is the series' own part`] : []),
    ...(s.kriging ? [krigingLine(s.kriging.kernel, s.kriging.series.reduce((a, x) => a + x.r.length, 0))] : []),
    ...(s.pooled ? [`  a series the model has not seen: predicted by the same structure fitted without series effects (stored beside the shared parameters; residual ${s.pooled.residualSd.energy.toFixed(3)})`] : []),
    ...(s.calibration ? [`  calibrated from ${s.calibration.base} with ${s.calibration.records} records of ${s.calibration.series.join('; ')}`] : []),
    ...why,
  ];
}

/** Applied effects grouped by series, for a summary: key, how many rows got it, and the effect at its first row (it varies with batch and setting). */
export function effectsBySeries(effects: readonly (AppliedSeriesEffect | null)[]): { series: string; rows: number; firstRow: number; effect: AppliedSeriesEffect }[] {
  const out = new Map<string, { series: string; rows: number; firstRow: number; effect: AppliedSeriesEffect }>();
  for (const [i, e] of effects.entries()) {
    if (!e) continue;
    const g = out.get(e.series) ?? { series: e.series, rows: 0, firstRow: i + 1, effect: e };
    g.rows += 1;
    out.set(e.series, g);
  }
  return [...out.values()];
}

/** The residual trees in short, for fit's and explain's JSON (undefined without trees). */
export function residualTreesSummary(m: EnergyModel): Record<string, unknown> | undefined {
  const t = m.residualTrees;
  if (!t) return undefined;
  return { learner: t.learner, target: t.target, folds: t.folds, records: t.records, trees: t.treeNodes.length, nodes: t.treeNodes.reduce((a, k) => a + k, 0), features: t.features.length };
}

/** The lines fit and explain print about a model's residual trees (none without). */
export function residualTreesLines(m: EnergyModel): string[] {
  const t = m.residualTrees;
  if (!t) return [];
  return [
    `residual trees: ${t.treeNodes.length} gradient-boosted trees (${t.treeNodes.reduce((a, k) => a + k, 0)} nodes, ${t.features.length} feature columns) learnt from ${t.records} records' log residuals under the shared parameters, each series' level and slope taken out; exp(g) multiplies the shared prediction`,
    `  the series effects are estimated on what the trees leave (${t.folds}-fold cross-fitted by series); a series the model has not seen gets the shared parameters and the trees`,
  ];
}

/** After `fit --base`: each series the records calibrated, how many records it has now and how many the base held. */
export function calibratedSeries(base: EnergyModel, model: EnergyModel): { series: string; recordsInBase: number; records: number }[] {
  const s = model.series;
  return (s?.calibration?.series ?? []).map((key) => ({
    series: key, recordsInBase: base.series?.stats.find((x) => x.key === key)?.n ?? 0, records: s?.stats.find((x) => x.key === key)?.n ?? 0,
  }));
}

/** One calibrated series in words: "series KEY: 75 records (11 from the base)" or "(new to the base)". */
export const calibratedSeriesText = (x: { series: string; recordsInBase: number; records: number }): string =>
  `series ${x.series}: ${x.records} records (${x.recordsInBase === 0 ? 'new to the base' : `${x.recordsInBase} from the base`})`;
