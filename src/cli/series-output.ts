/**
 * The series effects in the CLI: `fit`'s series step (default on for records of several series, --series-by,
 * --no-series), `fit --base` (the user's records under a public model), and the lines predict, select and explain
 * print about which series effect applied, from how many records, and its interval (energy/model/series-text.ts,
 * shared with the web workbench).
 */
import { EnergyLensError } from '../errors.js';
import { catalogCheck, loadCatalog, type Catalog } from '../energy/catalog/index.js';
import {
  calibrateFromBase, checkSeriesBy, countSeries, DEFAULT_SERIES_BY, calibratedSeries, calibratedSeriesText, readEnergyModel, seriesLines, withBaseRecordsHint, seriesSummary, withChosenSeriesEffects, writeEnergyModel,
  type EnergyModel, type FitEnergyOptions, type FitRecord, type ModelSeries, type SeriesBy, type SeriesEffectsRule,
} from '../energy/model/index.js';
import { readRecords } from '../energy/records/index.js';
import { assertOutputFolder } from './energy-args.js';
import type { EnergyMethod } from '../energy/baselines/index.js';

export { effectsBySeries, effectText, residualTreesLines, residualTreesSummary, seriesLines, seriesSummary } from '../energy/model/index.js';

/** The flags of `fit` this file reads. */
export interface SeriesFlags {
  data: string; out: string; series: boolean; seriesBy?: string[]; effects?: string[]; base?: string; calibrate?: string; refit?: string[];
  structure: string; catalog?: string; json?: boolean; sample?: number; candidates?: string[]; stackColumn?: string;
  seriesRule?: SeriesEffectsRule; folds?: number; seed?: number;
}

/** withSeries' flags: the residual trees' method when fit adds them. */
export type WithSeriesFlags = Omit<SeriesFlags, 'residualTrees'> & { residualTrees?: EnergyMethod; seriesKriging?: boolean };

const conflict = (message: string): never => { throw new EnergyLensError('CONFLICTING_OPTIONS', message); };

/** The grouping --series-by names (its setting: the default setting columns it does not use for the series). */
export function seriesByOf(flags: Pick<SeriesFlags, 'seriesBy'>): SeriesBy {
  if (!flags.seriesBy) return DEFAULT_SERIES_BY;
  return { series: flags.seriesBy, setting: DEFAULT_SERIES_BY.setting.filter((c) => !flags.seriesBy!.includes(c)) };
}

/**
 * The crossed effects --effects names: `series` (the series' own effects, always there), columns of the series
 * (model, hardware, precision, framework by default) whose levels get effects shared across series, and `slope`
 * (each level also has a slope in log batch). Undefined: the series' own effects only.
 */
export function crossedOf(flags: Pick<SeriesFlags, 'seriesBy' | 'effects'>): { factors: string[]; slope: boolean } | undefined {
  if (!flags.effects) return undefined;
  const columns = seriesByOf(flags).series;
  const bad = flags.effects.filter((e) => e !== 'series' && e !== 'slope' && !e.split('+').every((c) => columns.includes(c)));
  if (bad.length > 0) throw new EnergyLensError('INVALID_OPTION', `--effects names ${bad.map((e) => `"${e}"`).join(', ')}: each must be series, slope, a series column (${columns.join(', ')}) or columns joined by + (e.g. precision+hardware)`);
  const factors = [...new Set(flags.effects.filter((e) => e !== 'series' && e !== 'slope'))];
  if (factors.length === 0) {
    if (flags.effects.includes('slope')) throw new EnergyLensError('INVALID_OPTION', '--effects slope needs a factor to give slopes to (e.g. --effects model,hardware,slope)');
    return undefined;
  }
  return { factors, slope: flags.effects.includes('slope') };
}

/** The series flags checked against the records before any fitting or discovery starts (a bad flag costs nothing). */
export function checkSeriesFlags(records: readonly FitRecord[], flags: SeriesFlags): void {
  if (!flags.series && flags.seriesBy) conflict('--series-by groups records for series effects; --no-series turns them off: drop one');
  if (!flags.series && flags.effects) conflict('--effects chooses the series effects; --no-series turns them off: drop one');
  crossedOf(flags);
  if (flags.series && flags.seriesBy) checkSeriesBy(records, seriesByOf(flags), flags.data, true);
}

/**
 * `fit`'s series step: the pooled model with series effects added when the rule says so (--series-rule, default
 * replicated: when at least 10 records repeat a series; series-choice.ts), never with --no-series or records of one
 * series. The decision is stored in the model file (seriesChoice).
 */
export function withSeries(pooled: EnergyModel, records: readonly FitRecord[], fitOptions: FitEnergyOptions, flags: WithSeriesFlags, catalog: Catalog): EnergyModel {
  checkSeriesFlags(records, flags);
  if (!flags.series) return pooled;
  const by = seriesByOf(flags);
  if (countSeries(records, by, catalog) < 2) {
    if (flags.seriesBy) process.stderr.write(`note: ${flags.data} holds one series by ${by.series.join(', ')}: a pooled fit, no series effects\n`);
    return pooled;
  }
  const crossed = crossedOf(flags);
  // residual trees sit under the series' own effects: with crossed effects they are left out
  const trees = flags.residualTrees && !crossed ? { residualTrees: { method: flags.residualTrees } } : {};
  if (flags.residualTrees && crossed) process.stderr.write('note: --effects with crossed factors: no residual trees (they sit under the series\' own effects only)\n');
  if (flags.seriesKriging && crossed) conflict('--series-kriging generalises the series\' own effects, not crossed effects (--effects with factors): drop one');
  const kriging = flags.seriesKriging ? { kriging: true } : {};
  return withChosenSeriesEffects(pooled, records, fitOptions, {
    catalog, file: flags.data, ...(flags.seriesBy ? { by } : {}), ...(crossed ? { crossed } : {}), ...trees, ...kriging,
    ...(flags.seriesRule ? { rule: flags.seriesRule } : {}), ...(flags.folds !== undefined ? { folds: flags.folds } : {}),
  });
}

/** `fit --base BASE --data mine.csv --out mine.json`: the user's records set their series' effects under the base. */
export async function runFitFromBase(flags: SeriesFlags): Promise<void> {
  if (flags.calibrate || flags.refit) conflict('--base keeps the base model\'s parameters and sets your series\' effects; --calibrate refits parameters: use one');
  if (!flags.series) conflict('--base sets series effects; --no-series turns them off: drop one');
  if (flags.sample !== undefined || flags.candidates) conflict('--base fits no structure and uses every record: drop --sample and --candidates');
  if (flags.stackColumn !== undefined) conflict('--base keeps the base model\'s stack fallback (its stack column and the stacks it was fitted on) and fits no structure: drop --stack-column');
  assertOutputFolder('--out', flags.out, { '--data': flags.data, '--catalog': flags.catalog });
  const base = readEnergyModel(flags.base as string);
  if (flags.structure !== 'auto' && flags.structure !== base.structure.name) {
    throw new EnergyLensError('INVALID_MODEL_FILE', `${flags.base}: its structure is "${base.structure.name}", not "${flags.structure}"; drop --structure (a base model keeps its structure) or fit a base of that structure`);
  }
  if (base.series && flags.seriesBy && flags.seriesBy.join(',') !== base.series.by.series.join(',')) {
    throw new EnergyLensError('INVALID_MODEL_FILE', `${flags.base}: its series are by ${base.series.by.series.join(',')}, not ${flags.seriesBy.join(',')}; drop --series-by (the base's grouping is the prior's)`);
  }
  const catalog = loadCatalog(flags.catalog);
  let records;
  try {
    records = await readRecords(flags.data, { check: catalogCheck(catalog) });
  } catch (err) {
    throw withBaseRecordsHint(err, flags.base as string);
  }
  const model = calibrateFromBase(base, records, { catalog, baseFile: flags.base, file: flags.data });
  writeEnergyModel(flags.out, model);
  const s = model.series as ModelSeries;
  const mine = calibratedSeries(base, model);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ out: flags.out, base: flags.base, records: records.length, structure: model.structure.name, series: seriesSummary(s), yourSeries: mine }, null, 2)}\n`);
    return;
  }
  process.stdout.write([
    `calibrated ${flags.base} (structure "${model.structure.name}") with ${records.length} record${records.length === 1 ? '' : 's'} of ${flags.data}; its shared parameters and spreads are kept`,
    ...mine.map((x) => `  ${calibratedSeriesText(x)}`),
    ...seriesLines(model),
    `wrote ${flags.out}`,
  ].join('\n') + '\n');
}
