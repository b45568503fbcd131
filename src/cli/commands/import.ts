/** energylens import: ML.ENERGY v3 task files, LLM-Inference-Bench power runs, or any CSV with a column mapping, into a records CSV. */
import { Command } from 'commander';
import { progressBar } from '../progress.js';
import { importCsv, importLlmInferenceBench, importMlEnergy, parseColumnMap } from '../../energy/adapters/index.js';
import { writeRecordsCsv } from '../../energy/records/index.js';
import { assertOutputFolder } from '../energy-args.js';

interface MlEnergyFlags { dir: string; out: string; json?: boolean }
interface CsvFlags { in: string; map: string; set?: string; out: string; json?: boolean; progress: boolean }

function done(flags: { json?: boolean }, out: string, rows: number, from: string): void {
  if (flags.json) process.stdout.write(`${JSON.stringify({ out, rows, from })}\n`);
  else process.stdout.write(`wrote ${rows} records to ${out}\n`);
}

export function register(program: Command): void {
  const cmd = program.command('import').description('convert measurements into a profiling-records CSV');
  cmd
    .command('mlenergy')
    .description('ML.ENERGY Leaderboard v3 task files (tasks/*.json) into records')
    .requiredOption('--dir <folder>', 'the mlenergy-v3 folder (or its tasks folder) of a copy of the ML.ENERGY Leaderboard v3 data')
    .requiredOption('--out <file.csv>', 'records CSV to write (atomically)')
    .option('--json', 'print a JSON summary on stdout', false)
    .action(async (flags: MlEnergyFlags) => {
      assertOutputFolder('--out', flags.out);
      const records = importMlEnergy(flags.dir);
      const rows = await writeRecordsCsv(flags.out, records);
      done(flags, flags.out, rows, flags.dir);
    });
  cmd
    .command('llm-inference-bench')
    .description('LLM-Inference-Bench power runs (fig10_all_results.csv and fig16_power_results.csv) into records, units settled as in docs/llm-inference-bench.md')
    .option('--dir <folder>', 'the llm-inference-bench folder', '../shared/data/llm-inference-bench')
    .requiredOption('--out <file.csv>', 'records CSV to write (atomically; nothing is written if any line is bad)')
    .option('--json', 'print a JSON summary on stdout', false)
    .action(async (flags: MlEnergyFlags) => {
      assertOutputFolder('--out', flags.out);
      const imported = importLlmInferenceBench(flags.dir);
      const rows = await writeRecordsCsv(flags.out, imported.records);
      if (flags.json) {
        const { measurements, replacedByFig16, averagedRepeats } = imported;
        process.stdout.write(`${JSON.stringify({ out: flags.out, rows, from: flags.dir, measurements, replacedByFig16, averagedRepeats })}\n`);
      } else {
        process.stdout.write(`wrote ${rows} records to ${flags.out} (${imported.measurements.fig10} + ${imported.measurements.fig16} measurements; `
          + `${imported.replacedByFig16} configurations of Fig_10 taken from Fig_16, ${imported.averagedRepeats} repeated ones averaged)\n`);
      }
    });
  cmd
    .command('csv')
    .description('any CSV into records: rename its columns with --map, set constants with --set')
    .requiredOption('--in <file.csv>', 'source CSV with a header row')
    .requiredOption('--map <pairs>', 'target=source pairs, e.g. energy_j=Energy,tp=TP (unmapped columns pass through)')
    .option('--set <pairs>', 'target=value constants for every row, e.g. hardware=H100,pp=1')
    .requiredOption('--out <file.csv>', 'records CSV to write (atomically; nothing is written if any row is bad)')
    .option('--json', 'print a JSON summary on stdout', false)
    .option('--no-progress', 'no progress bar')
    .action(async (flags: CsvFlags) => {
      const map = parseColumnMap(flags.map, '--map');
      assertOutputFolder('--out', flags.out, { '--in': flags.in });
      const set = flags.set ? parseColumnMap(flags.set, '--set') : undefined;
      const bar = flags.progress && process.stderr.isTTY
        ? progressBar('import |{bar}| {percentage}% | validate, then write')
        : undefined;
      let started = false;
      let rows: number;
      try {
        rows = await importCsv(flags.in, flags.out, {
          map, ...(set ? { set } : {}),
          onProgress: (doneBytes, total) => {
            if (!bar) return;
            if (!started) { bar.start(100, 0); started = true; }
            bar.update(Math.round((100 * doneBytes) / Math.max(1, total)));
          },
        });
      } finally {
        if (started) bar?.stop();
      }
      done(flags, flags.out, rows, flags.in);
    });
}
