/** energylens sr: symbolic regression on a CSV file. A thin layer over SymbolicRegressor. */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { progressBar } from '../progress.js';
import { EnergyLensError, isEnergyLensError } from '../../errors.js';
import {
  DEFAULT_OPTIONS, defaultWorkerCount, resolveOptions, SymbolicRegressor, type SearchOptions, type SearchProgress, EXPORT_FORMATS, type ExportFormat, parseUnitAssignments, MIN_ROWS,
} from '../../sr/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { BullMQRunner } from '../../distributed/index.js';
import { noColumnText, numericColumns, readNumericCsv } from '../../util/csv-table.js';
import { addRedisOptions, printDistributedEvent, type RedisFlags } from '../redis-args.js';
import { emptyFrontText, frontTable, SELECTION_NOTE, srResultJSON, stopText } from '../sr-output.js';

const DEFAULT_TIME = 60;

const bad = (message: string): never => { throw new EnergyLensError('INVALID_OPTION', message); };
const integer = (flag: string, min: number) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min) bad(`${flag} must be an integer >= ${min}, got "${v}"`);
  return n;
};
const positive = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) bad(`${flag} must be a positive number, got "${v}"`);
  return n;
};
const nonNegative = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) bad(`${flag} must be a non-negative number, got "${v}"`);
  return n;
};
const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

export interface SrFlags extends RedisFlags {
  data: string; target: string; features?: string; operators: string; maxSize: number; loss: SearchOptions['loss'];
  time?: number; evals?: number; generations?: number; targetLoss?: number; islands: number; workers: number;
  seed: number; checkpoint?: string; checkpointEvery: number; resume?: boolean; json?: string; progress: boolean;
  precision?: SearchOptions['precision'];
  export?: ExportFormat; stopOnExact: boolean; linearScaling: boolean; units?: string;
}

/** search option -> the flag that sets it, to name flags (not option fields) in error messages */
const FLAG_OF: Record<string, string> = {
  operators: '--operators', maxSize: '--max-size', loss: '--loss', maxTime: '--time', maxEvaluations: '--evals',
  maxGenerations: '--generations', targetLoss: '--target-loss', populations: '--islands', seed: '--seed',
};

export function register(program: Command): void {
  const cmd = program
    .command('sr')
    .description('symbolic regression: find closed-form expressions of one CSV column in terms of others')
    .requiredOption('--data <file.csv>', 'CSV file with a header row')
    .requiredOption('--target <column>', 'the column to explain')
    .option('--features <a,b,...>', 'feature columns (default: every column but the target whose first row is a number; the text columns skipped are named on stderr)')
    .option('--operators <list>', 'operators, comma-separated', DEFAULT_OPTIONS.operators.join(','))
    .option('--max-size <n>', 'largest expression complexity', integer('--max-size', 3), DEFAULT_OPTIONS.maxSize)
    .addOption(new Option('--loss <name>', 'loss').choices(['mse', 'mae', 'mape', 'msle']).default(DEFAULT_OPTIONS.loss))
    .addOption(new Option('--precision <p>', 'loss evaluation arithmetic: f32 uses f32x4 lanes (faster on large data; loss summed in f64)').choices(['f64', 'f32']).default(DEFAULT_OPTIONS.precision))
    .option('--time <seconds>', `time budget (default: ${DEFAULT_TIME} when no other stop condition is given)`, positive('--time'))
    .option('--evals <n>', 'evaluation budget, strict: shared out to the islands, so the run stops within about a generation of it (with --seed and no --time, the result is the same on any number of workers)', integer('--evals', 1))
    .option('--generations <n>', 'generation budget (per island)', integer('--generations', 1))
    .option('--target-loss <x>', 'stop when the best loss reaches this', nonNegative('--target-loss'))
    .option('--islands <n>', 'islands (populations)', integer('--islands', 1), DEFAULT_OPTIONS.populations)
    .option('--workers <n>', 'worker threads: the number of cores unless given, at most one per island', integer('--workers', 1), defaultWorkerCount())
    .option('--seed <n>', 'random seed (a run with a seed and no --time is reproducible)', integer('--seed', 0), 0)
    .option('--checkpoint <file>', 'save the search state to this file, periodically and at the end')
    .option('--checkpoint-every <seconds>', 'seconds between checkpoints', nonNegative('--checkpoint-every'), 10)
    .option('--resume', 'continue the search saved in --checkpoint (same data and options; budgets may change and count the whole search)')
    .option('--json <out.json>', 'also write the result as JSON')
    .option('--no-linear-scaling', 'score each candidate f as it is; by default (loss mse) f is scored by its best a * f + b in closed form, and the equations shown include a and b')
    .option('--units <name=unit,...>', 'units of feature columns and of the target, e.g. "m=kg,v=m/s,E=J" (mathjs unit syntax; also token, request, GPU, parameter; 1 for dimensionless): dimensionally inconsistent candidates are penalised, constants carry any unit, and the table marks consistent rows')
    .option('--no-stop-on-exact', 'keep searching after an exact fit (loss at float precision); by default the search stops there')
    .addOption(new Option('--export <format>', 'print only the selected equation on stdout in this format (the table goes to stderr)').choices([...EXPORT_FORMATS]))
    .option('--no-progress', 'no progress bar');
  addRedisOptions(cmd, 'run the island cycles on `energylens worker` processes');
  cmd
    .addHelpText('after', '\nCtrl-C stops after the current cycle and prints the best so far (a second Ctrl-C quits at once).'
      + '\nWith --redis, --workers is unused: the workers are the `energylens worker` processes on the queue; the result is that of a local run with the same seed.')
    .action(async (flags: SrFlags, command: Command) => {
      await runSr(flags, command);
    });
}

/** Options for the search, checked, with errors naming the flags. */
function searchOptions(flags: SrFlags): Partial<SearchOptions> {
  const limits = { maxTime: flags.time ?? null, maxEvaluations: flags.evals ?? null, maxGenerations: flags.generations ?? null, targetLoss: flags.targetLoss ?? null };
  if (limits.maxTime === null && limits.maxEvaluations === null && limits.maxGenerations === null && limits.targetLoss === null) limits.maxTime = DEFAULT_TIME;
  const search: Partial<SearchOptions> = {
    operators: list(flags.operators), maxSize: flags.maxSize, loss: flags.loss, populations: flags.islands, seed: flags.seed, precision: flags.precision,
    stopOnExact: flags.stopOnExact !== false, strictEvaluationBudget: limits.maxEvaluations !== null, ...(flags.linearScaling === false ? { linearScaling: false } : {}), ...limits,
    ...(flags.units !== undefined ? { units: parseUnitAssignments(flags.units, flags.target) } : {}),
  };
  try {
    resolveOptions(search);
  } catch (err) {
    if (isEnergyLensError(err)) {
      if (err.code === 'INVALID_UNIT') throw new EnergyLensError(err.code, `--units: ${err.message}`);
      throw new EnergyLensError(err.code, err.message.replace(/options\.(\w+)/g, (m, name: string) => FLAG_OF[name] ?? m));
    }
    throw err;
  }
  return search;
}

function checkFlags(flags: SrFlags, cmd: Command): void {
  if (flags.resume && !flags.checkpoint) bad('--resume needs --checkpoint FILE (the file to resume from)');
  if (cmd.getOptionValueSource('checkpointEvery') === 'cli' && !flags.checkpoint) bad('--checkpoint-every needs --checkpoint FILE');
  if (flags.features !== undefined) {
    const features = list(flags.features);
    if (features.length === 0) bad('--features names no column');
    if (features.includes(flags.target)) bad(`--features names the target column "${flags.target}"`);
    const dup = features.find((f, i) => features.indexOf(f) !== i);
    if (dup) bad(`--features names "${dup}" twice`);
  }
  if (flags.json && flags.checkpoint && resolve(flags.json) === resolve(flags.checkpoint)) bad('--json and --checkpoint name the same file');
  // fail now, not after the search: the files are written into existing folders
  for (const [flag, file] of [['--json', flags.json], ['--checkpoint', flags.checkpoint]] as const) {
    if (file && !existsSync(dirname(resolve(file)))) bad(`${flag} ${file}: the folder ${dirname(resolve(file))} does not exist`);
    if (file && existsSync(file) && statSync(file).isDirectory()) bad(`${flag} ${file} is a folder`);
    if (file && existsSync(file) && existsSync(flags.data) && realpathSync(file) === realpathSync(flags.data)) bad(`${flag} ${file} is the --data file: writing it would replace the input; choose another output file`);
  }
}

async function runSr(flags: SrFlags, cmd: Command): Promise<void> {
  checkFlags(flags, cmd);
  const search = searchOptions(flags);
  // without --features: every numeric column but the target; the columns left out are named
  let defaultFeatures: string[] | undefined;
  if (flags.features === undefined) {
    const { header, numeric, skipped } = numericColumns(flags.data);
    if (!header.includes(flags.target)) throw new EnergyLensError('INVALID_CSV', noColumnText(flags.data, `target column "${flags.target}"`, header));
    defaultFeatures = numeric.filter((h) => h !== flags.target);
    const left = skipped.filter((h) => h !== flags.target);
    if (left.length > 0) process.stderr.write(`note: features are the numeric columns ${defaultFeatures.join(', ') || '(none)'}; skipped (text, not numbers): ${left.join(', ')}\n`);
  }
  const table = readNumericCsv(flags.data, (header) => {
    if (!header.includes(flags.target)) throw new EnergyLensError('INVALID_CSV', noColumnText(flags.data, `target column "${flags.target}"`, header));
    const features = flags.features !== undefined ? list(flags.features) : defaultFeatures!;
    if (features.length === 0) bad(`${flags.data} has no numeric column besides the target "${flags.target}"`);
    return [...features, flags.target];
  });
  if (table.rows.length < MIN_ROWS) throw new EnergyLensError('INVALID_DATA', `${flags.data}: ${table.rows.length} data row${table.rows.length === 1 ? '' : 's'}; sr needs at least ${MIN_ROWS} rows`);
  const nF = table.columns.length - 1;
  const featureNames = table.columns.slice(0, nF);
  const unknown = search.units ? Object.keys(search.units.features).filter((n) => !featureNames.includes(n)) : [];
  if (unknown.length > 0) bad(`--units names "${unknown[0]}", which is neither a feature nor the target (features: ${featureNames.join(', ')}; target: ${flags.target})`);
  const X = table.rows.map((r) => r.slice(0, nF));
  const y = table.rows.map((r) => r[nF]);
  const workers = Math.min(flags.workers, flags.islands);
  if (flags.workers > flags.islands && cmd.getOptionValueSource('workers') === 'cli') {
    process.stderr.write(`note: ${flags.islands} islands keep at most ${flags.islands} workers busy; using ${workers}\n`);
  }

  // with --redis, the island cycles go to the queue; Redis is checked now, before the search starts
  const runner = flags.redis ? new BullMQRunner({ redis: flags.redis, queue: flags.queue, caFile: flags.redisCa, onEvent: printDistributedEvent }) : undefined;
  try {
    await runner?.connect();
    await searchAndPrint(flags, search, featureNames, X, y, workers, runner);
  } finally {
    await runner?.close();
  }
}

async function searchAndPrint(flags: SrFlags, search: Partial<SearchOptions>, featureNames: string[], X: number[][], y: number[], workers: number, runner: BullMQRunner | undefined): Promise<void> {
  const controller = new AbortController();
  const onSigint = (): void => {
    // `once`: a second Ctrl-C finds no listener and ends the process the default way
    process.stderr.write('\nstopping after the current cycle (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  const bar = flags.progress && process.stderr.isTTY
    ? progressBar('sr |{bar}| {percentage}% | {evals} evals | best loss {loss} | {seconds} s', { hideCursor: true })
    : undefined;
  const done = (p: SearchProgress): number => Math.max(
    search.maxTime ? p.seconds / search.maxTime : 0,
    search.maxEvaluations ? p.evaluations / search.maxEvaluations : 0,
    search.maxGenerations ? p.generations / search.maxGenerations : 0,
  );
  // a run killed before its first checkpoint left nothing to resume: the same command starts it afresh
  const resume = flags.resume && flags.checkpoint !== undefined && existsSync(flags.checkpoint);
  if (flags.resume && !resume) process.stderr.write(`note: no checkpoint at ${flags.checkpoint} yet; starting a fresh search (checkpoints go there from the first cycle on)\n`);
  bar?.start(100, 0, { evals: 0, loss: '-', seconds: 0 });
  const model = new SymbolicRegressor({
    ...search, workers, runner, checkpoint: flags.checkpoint, checkpointEvery: flags.checkpointEvery, resume, signal: controller.signal,
    onEvent: (e) => process.stderr.write(`\nwarning: the worker running island ${e.islandId} died (${e.reason}); the island is rerun from its last migration state\n`),
    onProgress: (p) => bar?.update(Math.min(100, Math.round(100 * done(p))), { evals: p.evaluations, loss: Number.isFinite(p.bestLoss) ? p.bestLoss.toExponential(3) : '-', seconds: p.seconds.toFixed(0) }),
  });
  try {
    await model.fit(X, y, { featureNames });
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', onSigint);
  }
  const r = model.result!;
  const front = model.equations();
  const best = model.best();
  // nothing to print, write or export: a failed run, said in one line (exit status 1)
  if (front.length === 0) throw new EnergyLensError('NO_EXPRESSION', emptyFrontText(flags.loss, r.evaluations));
  if (flags.json) writeFileAtomic(flags.json, `${JSON.stringify(srResultJSON(front, best, r), null, 2)}\n`);
  const summary = `stopped by ${stopText(r.stoppedBy)} after ${r.evaluations} evaluations, ${r.generations} generations, ${r.seconds.toFixed(1)} s (seed ${r.seed})`;
  const report = `${summary}\n\n${frontTable(front, best, flags.loss, r.evaluations)}\n\n${SELECTION_NOTE}\n`;
  if (flags.export) {
    // stdout holds the export alone, so it can be piped; the table still reaches the user
    process.stderr.write(report);
    process.stdout.write(`${model.export(flags.export)}\n`);
  } else process.stdout.write(report);
  if (flags.checkpoint) process.stderr.write(`checkpoint: ${flags.checkpoint}\n`);
}
