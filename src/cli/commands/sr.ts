/** energylens sr: symbolic regression on a CSV file. */
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { EnergyLensError } from '../../errors.js';
import { SymbolicRegressor } from '../../sr/regressor.js';
import { DEFAULT_OPTIONS, resolveOptions } from '../../sr/search/options.js';
import { writeFileAtomic } from '../../sr/checkpoint.js';
import { readNumericCsv } from '../csv-table.js';

const int = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new EnergyLensError('INVALID_OPTION', `--${name} must be an integer, got "${v}"`);
  return n;
};
const num = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new EnergyLensError('INVALID_OPTION', `--${name} must be a number, got "${v}"`);
  return n;
};

interface SrFlags {
  data: string; target: string; features?: string; operators: string; maxSize: number; loss: string;
  time?: number; evals?: number; generations?: number; targetLoss?: number; islands: number; workers?: number;
  seed: number; checkpoint?: string; resume?: boolean; json?: string; progress: boolean;
}

export function register(program: Command): void {
  program
    .command('sr')
    .description('symbolic regression: find closed-form expressions for a CSV column')
    .requiredOption('--data <file.csv>', 'CSV file with a header row')
    .requiredOption('--target <column>', 'column to explain')
    .option('--features <a,b,...>', 'feature columns (default: every other column)')
    .option('--operators <list>', 'operators, comma-separated', DEFAULT_OPTIONS.operators.join(','))
    .option('--max-size <n>', 'largest expression complexity', int('max-size'), DEFAULT_OPTIONS.maxSize)
    .addOption(new Option('--loss <name>', 'loss').choices(['mse', 'mae', 'mape', 'msle']).default('mse'))
    .option('--time <seconds>', 'time budget (default 60 when no other stop condition is given)', num('time'))
    .option('--evals <n>', 'evaluation budget', int('evals'))
    .option('--generations <n>', 'generation budget', int('generations'))
    .option('--target-loss <x>', 'stop when the best loss reaches this', num('target-loss'))
    .option('--islands <n>', 'islands (populations)', int('islands'), DEFAULT_OPTIONS.populations)
    .option('--workers <n>', 'worker threads (0: run in this thread; default: one per core)', int('workers'))
    .option('--seed <n>', 'random seed', int('seed'), 0)
    .option('--checkpoint <file>', 'write the search state here after every cycle')
    .option('--resume', 'continue from --checkpoint')
    .option('--json <out.json>', 'also write the result as JSON')
    .option('--no-progress', 'no progress bar')
    .action(async (flags: SrFlags) => {
      await runSr(flags);
    });
}

async function runSr(flags: SrFlags): Promise<void> {
  if (flags.resume && !flags.checkpoint) throw new EnergyLensError('INVALID_OPTION', '--resume needs --checkpoint FILE');
  const table = readNumericCsv(flags.data, (header) => {
    if (!header.includes(flags.target)) throw new EnergyLensError('INVALID_CSV', `${flags.data}: no target column "${flags.target}" (columns: ${header.join(', ')})`);
    const features = flags.features ? flags.features.split(',').map((s) => s.trim()).filter(Boolean) : header.filter((h) => h !== flags.target);
    if (features.includes(flags.target)) throw new EnergyLensError('INVALID_OPTION', `--features names the target column "${flags.target}"`);
    if (features.length === 0) throw new EnergyLensError('INVALID_OPTION', 'no feature columns');
    return [...features, flags.target];
  });
  const nF = table.columns.length - 1;
  const featureNames = table.columns.slice(0, nF);
  const X = table.rows.map((r) => r.slice(0, nF));
  const y = table.rows.map((r) => r[nF]);
  const limits = { maxTime: flags.time ?? null, maxEvaluations: flags.evals ?? null, maxGenerations: flags.generations ?? null, targetLoss: flags.targetLoss ?? null };
  if (!limits.maxEvaluations && !limits.maxGenerations && !limits.maxTime && limits.targetLoss === null) limits.maxTime = 60;
  const search = {
    operators: flags.operators.split(',').map((s) => s.trim()).filter(Boolean),
    maxSize: flags.maxSize, loss: flags.loss as 'mse', populations: flags.islands, seed: flags.seed, ...limits,
  };
  resolveOptions(search);

  const controller = new AbortController();
  const onSigint = (): void => {
    process.stderr.write('\nstopping after the current cycle (Ctrl-C again to quit at once)\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  const showBar = flags.progress && process.stderr.isTTY;
  const bar = showBar ? new cliProgress.SingleBar({ format: 'sr |{bar}| {percentage}% | {evals} evals | best loss {loss} | {seconds}s', stream: process.stderr }, cliProgress.Presets.shades_classic) : undefined;
  const total = limits.maxTime ?? limits.maxEvaluations ?? limits.maxGenerations ?? 1;
  bar?.start(100, 0, { evals: 0, loss: '-', seconds: 0 });
  const model = new SymbolicRegressor({
    ...search, workers: flags.workers, checkpoint: flags.checkpoint, resume: flags.resume, signal: controller.signal,
    onEvent: (e) => process.stderr.write(`\nworker running island ${e.islandId} died (${e.reason}); the island is rerun from its last migration state\n`),
    onProgress: (p) => {
      const done = limits.maxTime ? p.seconds : limits.maxEvaluations ? p.evaluations : limits.maxGenerations ? p.generations : 0;
      bar?.update(Math.min(100, Math.round((100 * done) / total)), { evals: p.evaluations, loss: p.bestLoss.toExponential(3), seconds: p.seconds.toFixed(0) });
    },
  });
  try {
    await model.fit(X, y, { featureNames });
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', onSigint);
  }
  const r = model.result!;
  const front = model.equations().map((e) => ({ expression: e.expression, complexity: e.complexity, loss: e.loss, r2: e.r2 }));
  const best = model.best();
  const out = {
    best: best ? { expression: best.expression, complexity: best.complexity, loss: best.loss, r2: best.r2 } : null,
    front, evaluations: r.evaluations, seconds: Number(r.seconds.toFixed(3)), seed: r.seed, stoppedBy: r.stoppedBy,
  };
  if (flags.json) writeFileAtomic(flags.json, `${JSON.stringify(out, null, 2)}\n`);
  const lines = [
    `stopped by ${r.stoppedBy} after ${r.evaluations} evaluations, ${r.generations} generations, ${r.seconds.toFixed(1)} s (seed ${r.seed})`,
    '',
    ' complexity  loss         R2          expression',
    ...front.map((e) => `${best && e.expression === best.expression ? '*' : ' '}${String(e.complexity).padStart(10)}  ${e.loss.toExponential(3).padEnd(11)}  ${e.r2.toFixed(6).padEnd(10)}  ${e.expression}`),
    '',
    '* selected: the largest drop in log-loss per unit of complexity among members within 1.5x of the lowest loss',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
