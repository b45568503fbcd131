/** energylens discover: structure discovery on a records CSV. A thin layer over discoverEnergyStructure. */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { progressBar, type ProgressBar } from '../progress.js';
import { EnergyLensError, isEnergyLensError } from '../../errors.js';
import { catalogCheck, loadCatalog, type Catalog } from '../../energy/catalog/index.js';
import { invalidRecordsError, RecordTable, scanRecords, type ProfilingRecord } from '../../energy/records/index.js';
import {
  DEFAULT_DISCOVER_OPTIONS as D, DISCOVERY_SEARCH_ROWS, DISCOVERY_TARGETS, NEAR_BEST_FACTOR, discoverEnergyStructure, discoveryJSON,
  type DiscoveredTarget, type Discovery, type DiscoveryJSON, type DiscoveryProgress, type TermUse,
} from '../../energy/model/discover.js';
import { defaultWorkerCount } from '../../sr/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import {
  discoverByGroup, discoverOnQueue, discoveryFromJSON, GROUP_BY, type DiscoverJobOptions, type GroupBy, type GroupedDiscoveryJSON,
} from '../../distributed/index.js';
import { DEFAULT_RESIDUAL_OPTIONS as R } from '../../energy/model/discovery/residual.js';
import { discoverySample } from '../../energy/model/discovery/auto.js';
import { assertOutputFolder, integerArg, namesArg, numberArg, textTable } from '../energy-args.js';
import { runDiscoverStructure } from './discover-structure.js';
import { addRedisOptions, printDistributedEvent, type RedisFlags } from '../redis-args.js';
import { emptyFrontText, frontTable, SELECTION_NOTE, stopText } from '../sr-output.js';

interface DiscoverFlags extends RedisFlags {
  groupBy?: GroupBy; data: string; targets?: string; time?: number; evals?: number; seed: number; workers: number; maxSize: number;
  operators: string; catalog?: string; json?: string; progress: boolean; out?: string; folds: number; units?: 'auto' | 'off';
}


/** option field -> the flag that sets it, so that messages name flags */
const FLAGS: Record<string, string> = { operators: '--operators', maxSize: '--max-size', maxTime: '--time', maxEvaluations: '--evals', seed: '--seed', targets: '--targets', workers: '--workers', folds: '--folds' };

export function register(program: Command): void {
  const cmd = program
    .command('discover')
    .description('structure discovery: with --out, find corrections to the physics closed form and write a structure that `fit` can use; without, search free expressions of energy and time and read them against the closed form')
    .requiredOption('--data <file.csv>', 'records CSV (see docs/records.md)')
    .option('--out <structure.json>', 'residual discovery: write the structure (physics, or physics x exp(g) with g found by the engine and kept by cross-validation; docs/energy-model.md)')
    .option('--folds <k>', 'with --out: cross-validation folds on the training records', integerArg('--folds', 2), 5)
    .addOption(new Option('--units <mode>', `with --out: auto gives the residual search the unit of each log feature's quantity (tokens, W, TB/s, GB, ...), penalising products of logs of dimensioned quantities; off: no units (default ${R.units})`).choices(['auto', 'off']))
    .option('--targets <list>', `targets, comma-separated: ${DISCOVERY_TARGETS.map((t) => t.name).join(', ')} (default: every one the records carry)`)
    .option('--time <seconds>', `time budget per target (default: ${D.maxTime} unless --evals is given)`, numberArg('--time'))
    .option('--evals <n>', 'evaluation budget per target (with --seed and no --time, a run is reproducible)', integerArg('--evals', 1))
    .option('--seed <n>', 'random seed', integerArg('--seed', 0), D.seed)
    .option('--workers <n>', 'worker threads (0: in this thread)', integerArg('--workers', 0), defaultWorkerCount())
    .option('--max-size <n>', `largest expression complexity (default ${D.maxSize}; with --out ${R.maxSize})`, integerArg('--max-size', 3), D.maxSize)
    .option('--operators <list>', `operators, comma-separated (default ${D.operators.join(',')}; with --out ${R.operators.join(',')})`, D.operators.join(','))
    .option('--catalog <file.json>', 'user catalog extending the built-in hardware and models')
    .option('--json <out.json>', 'also write the result as JSON')
    .option('--no-progress', 'no progress bar')
    .addOption(new Option('--group-by <field>', 'one discovery per group of records (the JSON then has { groupBy, groups: [{ group, records, ...one discovery }], skippedGroups })').choices([...GROUP_BY]));
  addRedisOptions(cmd, 'run the discovery (one job per group with --group-by) on `energylens worker` processes');
  cmd
    .addHelpText('after', '\nCtrl-C stops the searches after their current cycle and prints what they found (not with --redis: the jobs run on).')
    .action(async (flags: DiscoverFlags, command: Command) => {
      const given = (name: string): boolean => command.getOptionValueSource(name) !== 'default';
      await runDiscover(flags, given);
    });
}

/** The records of the file, after checking that it has a target column at all. */
async function readDiscoveryRecords(file: string, catalog: Catalog, targets: string[] | undefined): Promise<ProfilingRecord[]> {
  // streamed into columns: each record is a small view (records/columns.ts)
  const table = new RecordTable();
  const report = await scanRecords(file, (r) => { table.push(r); }, { check: catalogCheck(catalog) });
  const wanted = DISCOVERY_TARGETS.filter((t) => targets === undefined || targets.includes(t.name));
  const columns = [...new Set(wanted.map((t) => String(t.column)))];
  if (report.columns.length > 0 && !columns.some((c) => report.columns.includes(c))) {
    throw new EnergyLensError('INVALID_CSV', `${file}: no target column: none of ${columns.join(', ')} is in the header (columns: ${report.columns.join(', ')})`);
  }
  if (!report.ok) throw invalidRecordsError(report);
  return table.views();
}

function progressBars(enabled: boolean, budget: { time?: number; evals?: number }): { update: (p: DiscoveryProgress) => void; stop: () => void } {
  let bar: ProgressBar | undefined;
  let current = -1;
  const stop = (): void => { bar?.stop(); bar = undefined; };
  const update = (p: DiscoveryProgress): void => {
    if (!enabled) return;
    if (p.index !== current) {
      stop();
      current = p.index;
      bar = progressBar(`${p.index + 1}/${p.count} ${p.target.padEnd(18)} |{bar}| {percentage}% | {evals} evals | best msle {loss}`, { hideCursor: true });
      bar.start(100, 0, { evals: 0, loss: '-' });
    }
    const s = p.search;
    const fraction = Math.max(budget.time ? s.seconds / budget.time : 0, budget.evals ? s.evaluations / budget.evals : 0);
    bar?.update(Math.min(100, Math.round(100 * fraction)), { evals: s.evaluations, loss: Number.isFinite(s.bestLoss) ? s.bestLoss.toExponential(3) : '-' });
  };
  return { update, stop };
}

function columnCell(u: TermUse): string {
  if (u.column === null) return `(${u.feature} left out)`;
  return u.column === u.feature ? u.column : `${u.column} (= ${u.feature}${u.ambiguous ? ', ambiguous' : ''})`;
}

function targetReport(t: DiscoveredTarget): string {
  const r = t.run;
  const head = `== ${t.target} (${t.unit}, ${t.rows} records${t.searchedRows ? `, searched on a seeded sample of ${t.searchedRows}` : ''}): stopped by ${stopText(r.stoppedBy)} after ${r.evaluations} evaluations, ${r.generations} generations, ${r.seconds.toFixed(1)} s (seed ${r.seed})`;
  const yes = (b: boolean): string => (b ? 'yes' : '-');
  const termsHead = ['parameter', 'term', 'column', 'in the closed form here', 'selected', `within ${NEAR_BEST_FACTOR}x (${t.terms.nearBestCount})`];
  const termsRows = t.terms.closedForm.map((u) => [u.parameter, u.term, columnCell(u), yes(u.expected), yes(u.inSelected), yes(u.inNearBest)]);
  // every column left-aligned, the table indented by two spaces
  const terms = textTable(termsHead, termsRows, termsHead.map((_, c) => c)).replace(/^/gm, '  ');
  if (t.front.length === 0) return `${head}\n\n${noExpressionText(r)}`;
  return [
    head, '', frontTable(t.front, t.selected, 'msle', r.evaluations), '',
    `features in the selected expression: ${t.terms.selectedFeatures.join(', ') || 'none'}`,
    `features within ${NEAR_BEST_FACTOR}x of the best loss: ${t.terms.nearBestFeatures.join(', ') || 'none'}`,
    terms, '', t.terms.summary,
  ].join('\n');
}

function report(d: Discovery): string {
  const lines = [`features: ${d.features.map((f) => `${f.name} [${f.unit}]`).join(', ')}`];
  if (d.dropped.length) lines.push(`left out: ${d.dropped.map((c) => `${c.name} (${c.reason})`).join(', ')}`);
  if (d.skipped.length) lines.push(`skipped: ${d.skipped.map((s) => `${s.target} (${s.reason})`).join(', ')}`);
  return [lines.join('\n'), ...d.targets.map(targetReport), SELECTION_NOTE].join('\n\n');
}

function groupedReport(g: GroupedDiscoveryJSON): string {
  const skipped = g.skippedGroups.map((s) => `skipped ${g.groupBy} ${s.group} (${s.records} records: ${s.reason})`);
  return [...skipped, ...g.groups.map((d) => `### ${g.groupBy} ${d.group} (${d.records} records)\n\n${report(discoveryFromJSON(d))}`)].join('\n\n');
}

/** Why a target's search gave no expression: stopped by Ctrl-C before its first cycle, or every candidate non-finite. */
function noExpressionText(run: { evaluations: number; stoppedBy: string }): string {
  if (run.evaluations === 0 && run.stoppedBy === 'aborted') return 'not searched: stopped by the user (SIGINT, Ctrl-C) before its search ran a cycle';
  return emptyFrontText('msle', run.evaluations);
}

/**
 * The requested targets that produced no expression, one line each: a search that ended with an empty front, or
 * a target named in --targets that the records could not give (skipped). Without --targets, a skipped target (one
 * the records do not carry) was never requested. `count`: the targets requested (per group with --group-by).
 */
export function targetsWithoutExpression(result: DiscoveryJSON | GroupedDiscoveryJSON, requested: readonly string[] | undefined): { lines: string[]; count: number } {
  const one = (d: DiscoveryJSON, where: string): { lines: string[]; count: number } => {
    const skipped = requested ? d.skipped.filter((s) => requested.includes(s.target)) : [];
    const lines = [
      ...d.targets.filter((t) => t.front.length === 0).map((t) => `${where}${t.target}: ${noExpressionText(t.run)}`),
      ...skipped.map((s) => `${where}${s.target}: skipped (${s.reason})`),
    ];
    return { lines, count: d.targets.length + skipped.length };
  };
  const parts = 'groups' in result ? result.groups.map((g) => one(g, `${result.groupBy} ${g.group}, `)) : [one(result, '')];
  return { lines: parts.flatMap((p) => p.lines), count: parts.reduce((n, p) => n + p.count, 0) };
}

/**
 * Writes --json and prints the report; `local` is the discovery itself when it ran here (no round trip through
 * JSON). A requested target with no expression fails the command ([NO_EXPRESSION], exit 1, one line per target)
 * after what did succeed is printed and written (the JSON keeps every target, an empty front for the failed ones);
 * when nothing succeeded, nothing is printed or written but the error.
 */
function write(flags: DiscoverFlags, result: DiscoveryJSON | GroupedDiscoveryJSON, requested: readonly string[] | undefined, local?: Discovery): void {
  const failed = targetsWithoutExpression(result, requested);
  const none = failed.lines.length === failed.count;
  if (!none) {
    if (flags.json) writeFileAtomic(flags.json, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${'groups' in result ? groupedReport(result) : report(local ?? discoveryFromJSON(result))}\n`);
  }
  if (failed.lines.length === 0) return;
  const head = none
    ? `none of the ${failed.count} requested targets produced an expression`
    : `${failed.lines.length} of the ${failed.count} requested targets produced no expression (the others are printed above${flags.json ? ` and written to ${flags.json}` : ''})`;
  throw new EnergyLensError('NO_EXPRESSION', `${head}:\n${failed.lines.map((l) => `  ${l}`).join('\n')}`);
}

const withFlagNames = (err: unknown): unknown => (isEnergyLensError(err)
  ? new EnergyLensError(err.code, err.message.replace(/options\.(\w+)/g, (m, name: string) => FLAGS[name] ?? m))
  : err);

/** The search settings of the flags: the same for a run here and for jobs on the queue (whose ids hash them). */
const searchOptions = (flags: DiscoverFlags, targets: string[] | undefined): DiscoverJobOptions => ({
  targets, maxTime: flags.time, maxEvaluations: flags.evals, seed: flags.seed, operators: namesArg(flags.operators), maxSize: flags.maxSize,
});

/** Moved to energy/model/discovery/auto.ts (the evaluation's `discovered` method uses it too). */
export { discoverySample };

/** Residual discovery written as a structure (--out). */
async function runStructure(flags: DiscoverFlags & { out: string }, records: ProfilingRecord[], catalog: Catalog, given: (name: string) => boolean): Promise<void> {
  const controller = new AbortController();
  const onSigint = (): void => { process.stderr.write('\nstopping the searches (Ctrl-C again to quit at once)\n'); controller.abort(); };
  process.once('SIGINT', onSigint);
  // with --group-by each hardware set is discovered on its own records: those are not sampled
  const sample = flags.groupBy ? { records, note: null } : discoverySample(records, flags.seed);
  if (sample.note) process.stdout.write(`${sample.note}\n\n`);
  try {
    await runDiscoverStructure({
      data: flags.data, out: flags.out, groupBy: flags.groupBy, time: flags.time, evals: flags.evals, seed: flags.seed, workers: flags.workers, folds: flags.folds, units: flags.units,
      maxSize: given('maxSize') ? flags.maxSize : undefined, operators: given('operators') ? flags.operators : undefined, json: flags.json, progress: flags.progress,
    }, sample.records as ProfilingRecord[], catalog, controller.signal);
  } catch (err) {
    throw withFlagNames(err);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** The discovery as jobs on the queue: one, or one per group. */
async function runOnQueue(flags: DiscoverFlags & { redis: string }, records: ProfilingRecord[], catalog: Catalog, targets: string[] | undefined): Promise<void> {
  let catalogJSON: unknown;
  if (flags.catalog) catalogJSON = JSON.parse(readFileSync(flags.catalog, 'utf8')); // loadCatalog has read and checked it
  process.stderr.write(`discover: submitting to queue ${flags.queue} (${flags.groupBy ? `one job per ${flags.groupBy}` : 'one job'}); waiting for the workers\n`);
  let result: DiscoveryJSON | GroupedDiscoveryJSON;
  try {
    result = await discoverOnQueue(records, searchOptions(flags, targets), { redis: flags.redis, queue: flags.queue, caFile: flags.redisCa, groupBy: flags.groupBy, catalog, catalogJSON, onEvent: printDistributedEvent });
  } catch (err) {
    throw withFlagNames(err);
  }
  write(flags, result, targets);
}

async function runDiscover(flags: DiscoverFlags, given: (name: string) => boolean): Promise<void> {
  if (flags.json) assertOutputFolder('--json', flags.json, { '--data': flags.data, '--catalog': flags.catalog });
  if (flags.out) {
    assertOutputFolder('--out', flags.out, { '--data': flags.data, '--catalog': flags.catalog });
    if (flags.redis) throw new EnergyLensError('INVALID_OPTION', '--out runs here only: --redis is for the free search without --out');
    if (flags.targets) throw new EnergyLensError('INVALID_OPTION', '--out corrects the energy (and prefill) expressions: --targets is for the free search without --out');
  }
  const targets = flags.targets === undefined ? undefined : namesArg(flags.targets);
  const catalog = loadCatalog(flags.catalog);
  const records = await readDiscoveryRecords(flags.data, catalog, flags.out ? ['energy_per_token'] : targets);
  if (flags.out) return runStructure({ ...flags, out: flags.out }, records, catalog, given);
  if (flags.redis) return runOnQueue({ ...flags, redis: flags.redis }, records, catalog, targets);
  const bars = progressBars(flags.progress && process.stderr.isTTY, { time: flags.time ?? (flags.evals ? undefined : D.maxTime), evals: flags.evals });
  const controller = new AbortController();
  const onSigint = (): void => { process.stderr.write('\nstopping the searches (Ctrl-C again to quit at once)\n'); controller.abort(); };
  process.once('SIGINT', onSigint);
  let result: DiscoveryJSON | GroupedDiscoveryJSON;
  let local: Discovery | undefined;
  try {
    const options = { ...searchOptions(flags, targets), workers: flags.workers, catalog, file: flags.data, onProgress: bars.update, signal: controller.signal };
    if (flags.groupBy) result = await discoverByGroup(records, options, flags.groupBy);
    else {
      local = await discoverEnergyStructure(records, options);
      result = discoveryJSON(local);
    }
  } catch (err) {
    throw withFlagNames(err);
  } finally {
    bars.stop();
    process.removeListener('SIGINT', onSigint);
  }
  write(flags, result, targets, local);
}
