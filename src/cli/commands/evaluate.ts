/** energylens evaluate: the closed form and its baselines under the evaluation protocols, on a records CSV or an ML.ENERGY folder. */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { progressBar } from '../progress.js';
import { catalogCheck, loadCatalog, type Catalog } from '../../energy/catalog/index.js';
import { importMlEnergy } from '../../energy/adapters/index.js';
import { checkMethodNames, createDiscoveredMethod, createMethods, DEFAULT_DISCOVERED_EVALS, METHOD_NAMES, OPT_IN_METHOD_NAMES, type TrainRecord } from '../../energy/baselines/index.js';
import {
  DEFAULT_PROTOCOLS, DEFAULT_SCENARIO_KEYS, DEFAULT_SIZES, DEFAULT_SPLIT_OPTIONS, PROTOCOL_NAMES, checkProtocolNames, evaluateMethods,
  type Evaluation, type MethodSummary, type RunPredictions,
} from '../../energy/evaluation/index.js';
import { readRecords } from '../../energy/records/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { assertOutputFolder, bad, integerArg, namesArg, numberListArg, sig, textTable } from '../energy-args.js';

export interface EvaluateFlags {
  data: string; methods: string[]; protocol: string[]; sizes: number[]; seeds: number; train: number; k: number;
  scenario: string[]; catalog?: string; json?: string; html?: string; progress: boolean; evals?: number;
}

const methodList = (v: string): string[] => checkMethodNames(namesArg(v), '--methods');
const protocolList = (v: string): string[] => (v.trim() === 'all' ? [...PROTOCOL_NAMES] : checkProtocolNames(namesArg(v), '--protocol'));

export function register(program: Command): void {
  program
    .command('evaluate')
    .description('compare the closed form with its baselines (latency proxy, Wilkins et al., roofline, random forest, XGBoost) under the evaluation protocols')
    .requiredOption('--data <file.csv|folder>', 'profiling records CSV, or an ML.ENERGY v3 folder (../shared/data/mlenergy-v3)')
    .option('--methods <a,b,...>', `methods to compare (default ${METHOD_NAMES.join(', ')}; also ${OPT_IN_METHOD_NAMES.join(', ')}: what fit does by default, a residual discovery per training set, seconds per fit)`, methodList, [...METHOD_NAMES])
    .option('--evals <n>', `with --methods discovered: kernel evaluations per discovery search phase (default ${DEFAULT_DISCOVERED_EVALS}; reproducible, as fit --evals)`, integerArg('--evals', 1))
    .option('--protocol <a,b,...|all>', `protocols (${PROTOCOL_NAMES.join(', ')}; leave-one-framework-out needs a framework column with two or more frameworks)`, protocolList, [...DEFAULT_PROTOCOLS])
    .option('--sizes <list>', 'sample efficiency: training sizes', numberListArg('--sizes', true), [...DEFAULT_SIZES])
    .option('--seeds <n>', 'random splits per training size, GPU pair or fold', integerArg('--seeds', 1), DEFAULT_SPLIT_OPTIONS.seeds)
    .option('--train <n>', 'training records per run of the other protocols (random-50 included)', integerArg('--train', 1), DEFAULT_SPLIT_OPTIONS.trainSize)
    .option('--k <n>', 'hardware extrapolation: records of the new GPU type to calibrate on', integerArg('--k', 1), DEFAULT_SPLIT_OPTIONS.calibrationRecords)
    .option('--scenario <a,b,...>', 'columns that make a scenario (configurations are ranked within one)', namesArg, [...DEFAULT_SCENARIO_KEYS])
    .option('--catalog <file.json>', 'user catalog extending the built-in hardware and models')
    .option('--json <out.json>', 'write every method\'s metrics per protocol, group and variant as JSON')
    .option('--html <folder>', 'write a self-contained HTML report (index.html) into this folder')
    .option('--no-progress', 'no progress bar')
    .action(async (flags: EvaluateFlags) => {
      await runEvaluate(flags);
    });
}

/** Records from a records CSV (schema and catalog checked) or an ML.ENERGY v3 folder. */
export async function loadEvaluationRecords(path: string, catalog: Catalog): Promise<TrainRecord[]> {
  let folder = false;
  try { folder = statSync(path).isDirectory(); } catch { /* readRecords reports a missing file */ }
  return folder ? importMlEnergy(path) : readRecords(path, { check: catalogCheck(catalog) });
}

/** The report folder may exist (as a folder) or not; its parent must. */
function assertReportFolder(dir: string): void {
  if (existsSync(dir)) { if (!statSync(dir).isDirectory()) bad(`--html ${dir} is a file, not a folder`); return; }
  const parent = dirname(resolve(dir));
  if (!existsSync(parent)) bad(`--html ${dir}: the folder ${parent} does not exist`);
}

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)}`);

export function evaluationTables(e: Evaluation): string {
  const out: string[] = [];
  for (const p of e.protocols) {
    out.push(`${p.protocol}: ${p.description} (${p.records} records, ${p.seeds} seed${p.seeds === 1 ? '' : 's'}; scenarios by ${p.scenarioKeys.join(', ')})`);
    const rows = p.results.map((r: MethodSummary) => [
      r.method, `${r.group}${r.variant ? `, ${r.variant}` : ''}`, String(r.trainSize), `${r.runs - r.failed}/${r.runs}`,
      pct(r.median.mape), r.median.r2Log === null ? '-' : sig(r.median.r2Log, 3), pct(r.median.pairwise), pct(r.median.top1),
      r.median.meanRegretPct === null ? '-' : r.median.meanRegretPct.toFixed(1),
    ]);
    out.push(textTable(['method', 'group', 'train', 'runs ok', 'MAPE %', 'R2 log', 'pairwise %', 'Top-1 %', 'regret %'], rows, [0, 1]));
    for (const s of p.skipped) out.push(`  skipped: ${s}`);
    const failed = p.results.filter((r) => r.errors.length > 0);
    for (const r of failed) out.push(`  ${r.method} (${r.group}) failed ${r.failed} of ${r.runs} runs: ${r.errors[0]}`);
    out.push('');
  }
  out.push('medians over seeds; MAPE of energy per output token; pairwise, Top-1 and regret within scenarios (ties count as misordered)');
  return out.join('\n');
}

async function runEvaluate(flags: EvaluateFlags): Promise<void> {
  if (flags.json) assertOutputFolder('--json', flags.json, { '--data': flags.data, '--catalog': flags.catalog });
  if (flags.html) assertReportFolder(flags.html);
  if (flags.evals !== undefined && !flags.methods.includes('discovered')) bad('--evals sets the discovery budget of the discovered method: it needs --methods ...,discovered');
  const catalog = loadCatalog(flags.catalog);
  const records = await loadEvaluationRecords(flags.data, catalog);
  const methods = (await createMethods(flags.methods, '--methods')).map((m) => (m.name === 'discovered' && flags.evals !== undefined ? createDiscoveredMethod({ evals: flags.evals }) : m));
  const bar = flags.progress && process.stderr.isTTY
    ? progressBar('evaluate |{bar}| {value}/{total} runs | {label}', { hideCursor: true })
    : undefined;
  const predictions: RunPredictions[] = [];
  let evaluation: Evaluation;
  try {
    evaluation = await evaluateMethods(records, {
      methods, protocols: flags.protocol, sizes: flags.sizes, seeds: flags.seeds, trainSize: flags.train,
      calibrationRecords: flags.k, scenarioKeys: flags.scenario, catalog, context: { catalog }, file: flags.data,
      onProgress: (done, total, label) => { if (bar) { if (done === 1) bar.start(total, 0, { label }); bar.update(done, { label }); } },
      onPredictions: flags.html ? (p) => { if (p.seed === 1) predictions.push(p); } : undefined,
    });
  } finally {
    bar?.stop();
  }
  const json = { data: flags.data, ...evaluation };
  if (flags.json) writeFileAtomic(flags.json, `${JSON.stringify(json, null, 2)}\n`);
  if (flags.html) {
    const { writeEvaluationReport } = await import('../../energy/report/index.js');
    await writeEvaluationReport(flags.html, { title: `energylens evaluation: ${flags.data}`, records, evaluation, predictions, catalog });
  }
  process.stdout.write(`${evaluationTables(evaluation)}\n${flags.json ? `wrote ${flags.json}\n` : ''}${flags.html ? `wrote ${flags.html}/index.html\n` : ''}`);
}
