/** energylens fit: an energy model (a structure, chosen from the data by default) fitted to a records CSV. */
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { EnergyLensError } from '../../errors.js';
import { catalogCheck, loadCatalog, type Catalog } from '../../energy/catalog/index.js';
import {
  chooseAmong, collectCandidates, DEFAULT_SERIES_BY, fallbackScopes, fitEnergyModel, withStackFallback, PHYSICS_STRUCTURE, readEnergyModel, readStructure, writeEnergyModel,
  DEFAULT_SERIES_EFFECTS_RULE, type CandidateStructure, type CollectedCandidates, type EnergyModel, type SeriesEffectsRule, type StructureSelection,
} from '../../energy/model/index.js';
import { cvGroupsOf, DEFAULT_CV_GROUP_COLUMN, DEFAULT_FALLBACK_COLUMNS, scopesOf, stacksOf } from '../../energy/model/structure-cv-groups.js';
import { autoDiscoveryCandidate, DEFAULT_AUTO_SECONDS, DISCOVERED_SOURCE, discoverySample } from '../../energy/model/discovery/index.js';
import { readRecordTable, type ProfilingRecord } from '../../energy/records/index.js';
import { randomSplit } from '../../energy/evaluation/index.js';
import { assertOutputFolder, bad, integerArg, namesArg, numberArg, residualSdText, sig, textTable } from '../energy-args.js';
import { fitWarnings } from '../fit-warnings.js';
import { checkSeriesFlags, residualTreesLines, residualTreesSummary, runFitFromBase, seriesLines, seriesSummary, withSeries } from '../series-output.js';
import { delayedBar } from '../progress.js';
import { discoveryProgress } from './discover-structure.js';
import { stackLines } from '../stack-output.js';
import { calibrationStart } from '../calibrate-structure.js';
import { createGradientBoostingMethod, type EnergyMethod } from '../../energy/baselines/index.js';
import { DEFAULT_RESIDUAL_TREES } from '../../energy/model/series-fit.js';

interface FitFlags {
  data: string; out: string; sample?: number; seed: number; catalog?: string; latency: boolean; restarts: number;
  calibrate?: string; refit?: string[]; json?: boolean; structure: string; candidates?: string[]; folds: number;
  time?: number; evals?: number; cvGroups?: string; stackColumn?: string; fallbackColumns?: string[]; progress: boolean; discovery: boolean; besideStructures: boolean; series: boolean; seriesBy?: string[]; effects?: string[]; base?: string;
  seriesRule: SeriesEffectsRule; residualTrees?: boolean; seriesKriging?: boolean;
}

const DEFAULT_RESTARTS = 8;
const DEFAULT_FOLDS = 5;
/** Structure files found beside the data file are named *.structure.json. */
const BESIDE_SUFFIX = '.structure.json';

const seriesRuleArg = (v: string): SeriesEffectsRule => {
  if (v !== 'cv' && v !== 'always' && v !== 'replicated') bad(`--series-rule must be cv, always or replicated, got "${v}" (--no-series turns series effects off)`);
  return v as SeriesEffectsRule;
};

const parameterList = (v: string): string[] => {
  const names = namesArg(v);
  if (names.length === 0) bad('--refit names no parameter');
  return names;
};

export function register(program: Command): void {
  program
    .command('fit')
    .description('fit an energy model to a records CSV: a structure (physics, a structure file, or chosen from the data by cross-validation) and its parameters')
    .requiredOption('--data <file.csv>', 'training records CSV (energy_j; tpot_s where measured)')
    .requiredOption('--out <model.json>', 'model file to write (atomically)')
    .option('--structure <physics|auto|file.json>', 'the structure: the built-in physics closed form, a structure file, or auto (candidates compared by K-fold cross-validation on the training records; physics unless a candidate wins)', 'auto')
    .option('--candidates <f1.json,f2.json>', `with --structure auto: structure files to compare with physics (besides any *${BESIDE_SUFFIX} in the data file's folder)`, namesArg)
    .option('--folds <k>', 'with --structure auto: cross-validation folds', integerArg('--folds', 2), DEFAULT_FOLDS)
    .option('--time <seconds>', `with --structure auto: time budget of the structure choice (default ${DEFAULT_AUTO_SECONDS}): each discovery search phase gets a quarter; further candidates are not scored once it is spent`, numberArg('--time'))
    .option('--evals <n>', 'with --structure auto: kernel evaluations per discovery search phase, and the budget for scoring further candidates (reproducible, unlike --time)', integerArg('--evals', 1))
    .option('--cv-groups <column>', `with --structure auto: also cross-validate leaving one group of this column (e.g. ${DEFAULT_CV_GROUP_COLUMN}) out at a time; a candidate that loses there is not chosen (off by default: on llm-inference-bench it cost random-50 its gain and did not catch the correction that fails on a new framework)`)
    .option('--fallback-columns <hardware,model|none>', `further columns a discovered correction is limited to beside the serving stack (default: ${DEFAULT_FALLBACK_COLUMNS.join(',')}): a row whose value of one the training records do not hold (a GPU they do not show) gets the physics structure fitted on the same records; --calibrate on such rows calibrates that physics fit`, (v: string) => (v === 'none' ? [] : v.split(',').map((x) => x.trim()).filter((x) => x !== '')))
    .option('--stack-column <column|none>', `the column naming a record's serving stack (default: ${DEFAULT_CV_GROUP_COLUMN} when the records fill it, or the --cv-groups column): a structure with a discovered correction applies to the stacks the training records hold; the physics structure, fitted on the same records and stored beside it, to any other`)
    .option('--no-discovery', 'with --structure auto: no discovery of corrections (physics, --candidates and structure files beside the data only)')
    .option('--no-beside-structures', `with --structure auto: leave out the *${BESIDE_SUFFIX} files in the data file's folder (by default they are candidates, and a note names them)`)
    .option('--sample <n>', 'fit on a seeded random sample of n records (default: every record)', integerArg('--sample', 1))
    .option('--seed <n>', 'random seed of --sample, of the folds and of the fit\'s restarts', integerArg('--seed', 0), 0)
    .option('--catalog <file.json>', 'user catalog extending the built-in hardware and models')
    .option('--no-latency', 'ignore tpot_s and fit energy rows only (p_static is then held)')
    .option('--restarts <n>', 'extra Levenberg-Marquardt starts from perturbed values', integerArg('--restarts', 0), DEFAULT_RESTARTS)
    .option('--calibrate <base.json>', 'start from this model (and its structure); with --refit, only the named parameters are fitted')
    .option('--refit <a,b,...>', 'with --calibrate: parameters to refit (the others keep the base model\'s values)', parameterList)
    .option('--series-by <a,b,...>', `columns whose values name a series (one deployment) for the series effects (default: ${DEFAULT_SERIES_BY.series.join(',')})`, namesArg)
    .option('--effects <a,b,...>', 'series effects to fit: series (the series\' own, always), series columns whose levels get effects shared across series (e.g. model,hardware: crossed effects) and slope (a slope in log batch per level); default: series', namesArg)
    .option('--no-series', 'a pooled fit: no per-series effects (by default they are fitted when the records hold more than one series and --series-rule keeps them)')
    .option('--series-rule <cv|always|replicated>', 'when series effects are fitted on records of two or more series: replicated (the default: when at least 10 records repeat a series, records minus series >= 10, so a series\' level can be told from its records\' noise); always; or cv (K-fold cross-validation on the training records, the structure choice\'s --folds, pooled against with effects: kept when they predict held-out records better; not confirmed on held-out seeds)', seriesRuleArg, DEFAULT_SERIES_EFFECTS_RULE)
    .option('--residual-trees', `with series effects: also learn gradient-boosted trees (XGBoost) on the shared structure's log residuals with each series' level and slope taken out, store them in the model file (residualTrees) and estimate the series effects on what they leave; predict, select, explain and fit --base apply them${DEFAULT_RESIDUAL_TREES ? ' (the default)' : ''}`)
    .option('--no-residual-trees', `series effects without residual trees${DEFAULT_RESIDUAL_TREES ? '' : ' (the default)'}`)
    .option('--series-kriging', 'with series effects: each series\' log residuals a Gaussian process (level, slope in log batch, setting, and a smooth term in the configuration\'s log batch, lengths and layout degrees) whose hyperparameters every series shares (empirical Bayes); the model file keeps every series\' points (series.kriging), predict applies a series\' posterior and fit --base adds your records as points. Opt-in')
    .option('--base <public.json>', 'your records set your series\' effects under this model (fitted with series effects, e.g. models/mlenergy-v3.json): its shared parameters and effect spreads are the prior and stay; unlike --calibrate, no parameter is refitted')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the model summary as JSON on stdout', false)
    .addHelpText('after', `\nPhysics parameters: ${PHYSICS_STRUCTURE.parameters.map((p) => p.name).join(', ')} (energylens explain --model FILE describes them).`)
    .action(async (flags: FitFlags) => {
      await runFit(flags);
    });
}

/** Where the fit's bar stands as each stage starts: reading takes the first share (by bytes read). */
const READ_SHARE = 0.3;
const FIT_STAGES = { features: 0.3, fitting: 0.4, series: 0.8 } as const;

/** `n` records drawn by the seeded split the benchmarks use (randomSplit's training part), in file order. */
function sampleRecords(records: ProfilingRecord[], n: number, seed: number, file: string): ProfilingRecord[] {
  if (n > records.length) bad(`--sample ${n} is larger than the ${records.length} records in ${file}`);
  return randomSplit(records.length, n, seed).train.sort((a, b) => a - b).map((i) => records[i]);
}

/**
 * physics first, then (unless --no-discovery) the structure a bounded residual discovery on the training records
 * proposes, then --candidates (refused when invalid), then *.structure.json beside the data (listed with the
 * reason when invalid). A discovery that keeps nothing is listed with the reason.
 */
async function candidateStructures(flags: FitFlags, catalog: Catalog, records: readonly ProfilingRecord[]): Promise<CollectedCandidates> {
  // a bad --candidates file is refused before the discovery spends its budget
  const given = (flags.candidates ?? []).map((f): CandidateStructure => ({ structure: readStructure(f, catalog), source: f }));
  const seen = new Set((flags.candidates ?? []).map((f) => resolve(f)));
  const folder = dirname(flags.data);
  let beside: string[] = [];
  try {
    beside = readdirSync(folder).filter((n) => n.endsWith(BESIDE_SUFFIX)).sort();
  } catch {
    beside = [];
  }
  const besidePaths = flags.besideStructures === false ? [] : beside.map((name) => join(folder, name)).filter((path) => !seen.has(resolve(path)));
  // said, for such a file changes the fit when it wins, and a newcomer may not know it was picked up
  if (besidePaths.length > 0) {
    const one = besidePaths.length === 1;
    process.stderr.write(`note: fit also compares ${besidePaths.join(', ')} (${one ? 'a ' : ''}*${BESIDE_SUFFIX}${one ? '' : ' files'} beside the data); --no-beside-structures leaves ${one ? 'it' : 'them'} out\n`);
  }
  const optional = besidePaths.map((path) => ({ source: path, load: () => readStructure(path, catalog) }));
  const discovery = async (): Promise<{ candidate: CandidateStructure | null; note?: string }> => {
    const bar = discoveryProgress(flags.progress && process.stderr.isTTY, flags.evals === undefined ? (flags.time ?? DEFAULT_AUTO_SECONDS) / 4 : undefined, 'fit: discovering corrections');
    try {
      // on a seeded sample of a large file, as discover --out; the structure it proposes is then fitted on every record
      const sample = discoverySample(records, flags.seed);
      if (sample.note) process.stderr.write(`fit: ${sample.note}\n`);
      return await autoDiscoveryCandidate(sample.records, {
        timeSeconds: flags.time, evals: flags.evals, seed: flags.seed, folds: flags.folds, catalog, file: flags.data, onProgress: bar.update,
      });
    } finally {
      bar.stop();
    }
  };
  return collectCandidates({ ...(flags.discovery ? { discovery } : {}), given, optional, discoverySource: DISCOVERED_SOURCE });
}

async function runFit(flags: FitFlags): Promise<void> {
  if (flags.base && flags.residualTrees !== undefined) throw new EnergyLensError('CONFLICTING_OPTIONS', '--base keeps the base model\'s residual trees (if it has them) and fits none: drop --residual-trees / --no-residual-trees');
  if (!flags.series && flags.residualTrees === true) throw new EnergyLensError('CONFLICTING_OPTIONS', '--residual-trees sit under the series effects; --no-series turns them off: drop one');
  if (flags.base && flags.seriesKriging) throw new EnergyLensError('CONFLICTING_OPTIONS', '--base keeps the base model\'s kriging section (if it has one) and fits none: drop --series-kriging');
  if (!flags.series && flags.seriesKriging) throw new EnergyLensError('CONFLICTING_OPTIONS', '--series-kriging generalises the series effects; --no-series turns them off: drop one');
  if (flags.base) {
    await runFitFromBase(flags);
    return;
  }
  if (flags.refit && !flags.calibrate) bad('--refit needs --calibrate BASE.json (the model whose other parameters are kept)');
  const auto = flags.structure === 'auto';
  if (!auto && (flags.candidates || flags.time !== undefined || flags.evals !== undefined || flags.cvGroups !== undefined || !flags.discovery || !flags.besideStructures)) bad('--candidates, --time, --evals, --cv-groups, --no-discovery and --no-beside-structures choose a structure: they need --structure auto');
  assertOutputFolder('--out', flags.out, { '--data': flags.data, '--catalog': flags.catalog });
  const catalog = loadCatalog(flags.catalog);
  const given = flags.calibrate ? readEnergyModel(flags.calibrate) : undefined;
  if (flags.fallbackColumns) scopesOf([], flags.fallbackColumns, catalog);
  // one bar on stderr for the long stretches of a big fit (reading, features, the fit, the series effects), shown
  // once the run has taken a few seconds; it steps aside while discovery and cross-validation show their own
  const fitBar = delayedBar(flags.progress, 'fit |{bar}| {percentage}% | {stage}');
  // streamed into columns: each record is a small view, so memory grows by tens of bytes per record
  const all = (await readRecordTable(flags.data, {
    check: catalogCheck(catalog), onProgress: (read, size) => fitBar.update(READ_SHARE * (size > 0 ? read / size : 1), 'reading records'),
  })).views();
  const records = flags.sample === undefined ? all : sampleRecords(all, flags.sample, flags.seed, flags.data);
  checkSeriesFlags(records, flags);
  // a bad --cv-groups is refused before the discovery spends its budget
  const cvGroups = auto && !given && flags.cvGroups !== undefined ? cvGroupsOf(records, flags.cvGroups) : null;
  const stackColumn = flags.stackColumn ?? (flags.cvGroups !== undefined && flags.cvGroups !== 'none' ? flags.cvGroups : undefined);
  if (flags.stackColumn !== undefined) stacksOf(records, flags.stackColumn);
  // records outside where the base's discovered correction was validated (a new GPU) calibrate its physics fit
  // (or, asked for by --structure, another of the base's stored fits)
  const base = given ? calibrationStart(given, records, { baseFile: flags.calibrate!, structure: flags.structure, catalog, note: (line) => process.stderr.write(`${line}\n`) }) : undefined;
  if (base && flags.refit) {
    const known = base.parameters.map((p) => p.name);
    for (const n of flags.refit) if (!known.includes(n)) bad(`--refit: unknown parameter "${n}" (the base model's: ${known.join(', ')})`);
  }
  let structure = base?.structure ?? PHYSICS_STRUCTURE;
  let selection: StructureSelection | undefined;
  // with --calibrate the structure is the base's (calibrationStart checked --structure against its stored fits)
  if (!base && !auto) {
    structure = readStructure(flags.structure, catalog);
    selection = { mode: 'forced', chosen: structure.name, folds: 0, seed: flags.seed, candidates: [], reason: `forced by --structure ${flags.structure}` };
  } else if (!base) {
    fitBar.stop();
    const collected = await candidateStructures(flags, catalog, records);
    const { candidates } = collected;
    const bar = flags.progress && process.stderr.isTTY && candidates.length > 1
      ? new cliProgress.SingleBar({ format: 'fit: cross-validating structures |{bar}| {value}/{total} | {label}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
      : undefined;
    bar?.start(candidates.length, 0, { label: candidates[0].structure.name });
    try {
      ({ structure, selection } = chooseAmong(records, collected, {
        catalog, useLatency: flags.latency, folds: flags.folds, seed: flags.seed, timeSeconds: flags.time, evals: flags.evals, file: flags.data, groups: cvGroups,
        onProgress: (done, total, label) => bar?.update(done, { label }),
      }, 'a kept discovery, --candidates, or *.structure.json beside the data'));
    } finally {
      bar?.stop();
    }
  }
  const fitOptions = {
    catalog, useLatency: flags.latency, restarts: flags.restarts, seed: flags.seed, file: flags.data, structure,
    ...(base ? { base, ...(flags.refit ? { refit: flags.refit } : {}) } : {}),
    ...(selection ? { selection } : {}),
  };
  const residualMethod = await residualTreesMethod(flags);
  let model: EnergyModel;
  try {
    const pooled = fitEnergyModel(records, { ...fitOptions, onStage: (stage) => fitBar.update(FIT_STAGES[stage], stage === 'features' ? 'features of each configuration' : `fitting ${structure.name} on ${records.length} records`) });
    fitBar.update(FIT_STAGES.series, 'series effects');
    model = withStackFallback(withSeries(pooled, records, fitOptions, { ...flags, residualTrees: residualMethod }, catalog), records, { ...fitOptions, stackColumn, ...(flags.fallbackColumns ? { fallbackColumns: flags.fallbackColumns } : {}) });
    fitBar.update(1, `writing ${flags.out}`);
  } finally {
    fitBar.stop();
  }
  writeEnergyModel(flags.out, model);
  const warnings = fitWarnings(model, records);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...fitSummary(model, flags, all.length), warnings }, null, 2)}\n`);
    return;
  }
  const rows = model.parameters.map((p) => [
    p.name, sig(p.value), p.unit,
    p.held ? `held: ${p.reason ?? 'not fitted'}` : p.standardError === null ? '± ? (singular J^T J)' : `± ${sig(p.standardError, 2)}`,
  ]);
  process.stdout.write([
    ...(model.selection ? selectionLines(model.selection) : []),
    textTable(['parameter', 'value', 'unit', '± standard error'], rows, [0, 2, 3]),
    '',
    `records used: ${model.training.records}${flags.sample !== undefined ? ` (a sample of ${all.length}, seed ${flags.seed})` : ''}, ${model.training.latencyRows} with time per output token`,
    residualSdText(model.residualSd),
    ...seriesLines(model),
    ...residualTreesLines(model),
    ...stackLines(model),
    `fitted in ${model.fit.seconds.toFixed(2)} s (${model.fit.iterations} iterations); wrote ${flags.out}`,
  ].join('\n') + '\n');
}

/**
 * The method that learns the residual trees when fit adds them (--residual-trees, or the default with series effects
 * on): gradient boosting, its WebAssembly module loaded here. Undefined when they are off.
 */
async function residualTreesMethod(flags: FitFlags): Promise<EnergyMethod | undefined> {
  const on = flags.residualTrees ?? DEFAULT_RESIDUAL_TREES;
  if (!on || !flags.series) return undefined;
  return createGradientBoostingMethod();
}

function selectionLines(s: StructureSelection): string[] {
  const lines = [`structure: ${s.chosen} (${s.reason})`];
  if (s.candidates.length > 1 || s.candidates.some((c) => c.cvRmsLog !== null)) {
    const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(1)} %`);
    const g = s.groups;
    lines.push(textTable(['candidate', 'source', 'free', `CV RMS log error (${s.folds}-fold)`, 'CV MAPE', ...(g ? [`leave-one-${g.column}-out MAPE (${g.names.length} groups)`] : []), ''],
      s.candidates.map((c) => [c.name, c.source, String(c.freeParameters), c.cvRmsLog === null ? '-' : c.cvRmsLog.toFixed(4), pct(c.cvMape), ...(g ? [pct(c.groupedMape)] : []), c.name === s.chosen ? 'chosen' : (c.error ?? '')]), [0, 1, g ? 6 : 5]));
  }
  lines.push('');
  return lines;
}

function fitSummary(model: EnergyModel, flags: FitFlags, available: number): Record<string, unknown> {
  return {
    out: flags.out, records: model.training.records, recordsInFile: available, latencyRows: model.training.latencyRows,
    ...(flags.sample !== undefined ? { sample: flags.sample, seed: flags.seed } : {}),
    ...(flags.calibrate ? { calibratedFrom: flags.calibrate, refit: flags.refit ?? model.parameters.map((p) => p.name) } : {}),
    structure: model.structure.name, ...(model.selection ? { selection: model.selection } : {}),
    residualSd: model.residualSd, fit: model.fit, ...(model.stackFallback ? { stacks: { column: model.stackFallback.column, seen: model.stackFallback.seen, scopes: fallbackScopes(model.stackFallback) } } : {}), ...(model.series ? { series: seriesSummary(model.series) } : {}), ...(model.residualTrees ? { residualTrees: residualTreesSummary(model) } : {}), ...(model.seriesChoice ? { seriesChoice: model.seriesChoice } : {}),
    parameters: model.parameters.map((p) => ({ name: p.name, value: p.value, standardError: p.standardError, low: p.low, high: p.high, unit: p.unit, held: p.held, ...(p.reason ? { reason: p.reason } : {}), ...(p.confoundedWith ? { confoundedWith: p.confoundedWith } : {}), origin: p.origin })),
  };
}
