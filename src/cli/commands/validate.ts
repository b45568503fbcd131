/** energylens validate: check a profiling-records CSV, reporting every problem at once. */
import { Command } from 'commander';
import { progressBar } from '../progress.js';
import { EnergyLensError } from '../../errors.js';
import { catalogCheck, loadCatalog } from '../../energy/catalog/index.js';
import { DEFAULT_MAX_PROBLEMS, formatProblem, validateRecordsFile } from '../../energy/records/index.js';

interface ValidateFlags { catalog?: string; json?: boolean; maxProblems: number; progress: boolean }

const positiveInt = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new EnergyLensError('INVALID_OPTION', `--${name} must be a positive integer, got "${v}"`);
  return n;
};

export function register(program: Command): void {
  program
    .command('validate')
    .description('check a profiling-records CSV against the schema and the catalogs; lists every problem')
    .argument('<file.csv>', 'records CSV file')
    .option('--catalog <file.json>', 'user catalog extending the built-in hardware and models')
    .option('--json', 'print the report as JSON on stdout', false)
    .option('--max-problems <n>', 'problems kept and listed (all are counted)', positiveInt('max-problems'), DEFAULT_MAX_PROBLEMS)
    .option('--no-progress', 'no progress bar')
    .action(async (file: string, flags: ValidateFlags) => {
      await runValidate(file, flags);
    });
}

async function runValidate(file: string, flags: ValidateFlags): Promise<void> {
  const catalog = loadCatalog(flags.catalog);
  const bar = flags.progress && process.stderr.isTTY
    ? progressBar('validate |{bar}| {percentage}% | {value}/{total} MB')
    : undefined;
  let started = false;
  let report;
  try {
    report = await validateRecordsFile(file, {
      check: catalogCheck(catalog), maxProblems: flags.maxProblems,
      onProgress: (read, total) => {
        if (!bar) return;
        if (!started) { bar.start(Math.max(1, Math.round(total / 1e6)), 0); started = true; }
        bar.update(Math.round(read / 1e6));
      },
    });
  } finally {
    if (started) bar?.stop();
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (report.ok) {
    process.stdout.write(`${file}: OK, ${report.rows} record${report.rows === 1 ? '' : 's'}\n`);
  } else {
    const lines = report.problems.map(formatProblem);
    if (report.truncated) lines.push(`... and ${report.problemCount - report.problems.length} more (raise --max-problems to list them)`);
    process.stdout.write(`${lines.join('\n')}\n`);
    const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
    const header = report.problems.filter((p) => p.row === 0 && p.line === 1 && p.expected.startsWith('required column')).map((p) => p.column);
    const why = header.length > 0 ? `; the header lacks ${header.join(', ')}` : '';
    process.stderr.write(`${file}: ${plural(report.problemCount, 'problem')} in ${plural(report.rows, 'data row')} (${plural(report.validRows, 'row')} valid${why})\n`);
  }
  if (!report.ok) process.exitCode = 1;
}
