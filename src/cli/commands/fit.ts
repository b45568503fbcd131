/** energylens fit: the closed-form energy model fitted to a records CSV, written as a model file. */
import { Command } from 'commander';
import { catalogCheck, loadCatalog } from '../../energy/catalog/index.js';
import { fitEnergyModel, PARAMETER_NAMES, readEnergyModel, writeEnergyModel, type EnergyModel } from '../../energy/model/index.js';
import { readRecords, type ProfilingRecord } from '../../energy/records/index.js';
import { randomSplit } from '../../energy/evaluation/index.js';
import { assertOutputFolder, bad, integerArg, namesArg, residualSdText, sig, textTable } from '../energy-args.js';
import { delayedBar } from '../progress.js';

interface FitFlags {
  data: string; out: string; sample?: number; seed: number; catalog?: string; latency: boolean; restarts: number;
  calibrate?: string; refit?: string[]; json?: boolean; progress: boolean;
}

const DEFAULT_RESTARTS = 8;

const parameterList = (v: string): string[] => {
  const names = namesArg(v);
  if (names.length === 0) bad('--refit names no parameter');
  for (const n of names) if (!PARAMETER_NAMES.includes(n)) bad(`--refit: unknown parameter "${n}" (known: ${PARAMETER_NAMES.join(', ')})`);
  return names;
};

export function register(program: Command): void {
  program
    .command('fit')
    .description('fit the closed-form energy model (twelve physical parameters) to a records CSV')
    .requiredOption('--data <file.csv>', 'training records CSV (energy_j; tpot_s where measured)')
    .requiredOption('--out <model.json>', 'model file to write (atomically)')
    .option('--sample <n>', 'fit on a seeded random sample of n records (default: every record)', integerArg('--sample', 1))
    .option('--seed <n>', 'random seed of --sample and of the fit\'s restarts', integerArg('--seed', 0), 0)
    .option('--catalog <file.json>', 'user catalog extending the built-in hardware and models')
    .option('--no-latency', 'ignore tpot_s and fit energy rows only (p_static is then held)')
    .option('--restarts <n>', 'extra Levenberg-Marquardt starts from perturbed values', integerArg('--restarts', 0), DEFAULT_RESTARTS)
    .option('--calibrate <base.json>', 'start from this model; with --refit, only the named parameters are fitted')
    .option('--refit <a,b,...>', 'with --calibrate: parameters to refit (the others keep the base model\'s values)', parameterList)
    .option('--json', 'print the model summary as JSON on stdout', false)
    .option('--no-progress', 'no progress bar (it appears on a terminal when the fit takes more than 2 s)')
    .addHelpText('after', `\nParameters: ${PARAMETER_NAMES.join(', ')} (energylens explain --model FILE describes them).`)
    .action(async (flags: FitFlags) => {
      await runFit(flags);
    });
}

/** `n` records drawn by the seeded split the benchmarks use (randomSplit's training part), in file order. */
function sampleRecords(records: ProfilingRecord[], n: number, seed: number, file: string): ProfilingRecord[] {
  if (n > records.length) bad(`--sample ${n} is larger than the ${records.length} records in ${file}`);
  return randomSplit(records.length, n, seed).train.sort((a, b) => a - b).map((i) => records[i]);
}

async function runFit(flags: FitFlags): Promise<void> {
  if (flags.refit && !flags.calibrate) bad('--refit needs --calibrate BASE.json (the model whose other parameters are kept)');
  assertOutputFolder('--out', flags.out);
  const catalog = loadCatalog(flags.catalog);
  const base = flags.calibrate ? readEnergyModel(flags.calibrate) : undefined;
  const bar = delayedBar(flags.progress, 'fit |{bar}| {percentage}% | {stage}');
  let model: EnergyModel;
  let all: ProfilingRecord[];
  try {
    // reading is the first 30 % of the bar, the fit the rest
    all = await readRecords(flags.data, { check: catalogCheck(catalog), onProgress: (read, total) => bar.update(0.3 * read / Math.max(1, total), 'reading') });
    const records = flags.sample === undefined ? all : sampleRecords(all, flags.sample, flags.seed, flags.data);
    model = fitEnergyModel(records, {
      catalog, useLatency: flags.latency, restarts: flags.restarts, seed: flags.seed, file: flags.data,
      onProgress: (fraction, stage) => bar.update(0.3 + 0.7 * fraction, stage),
      ...(base ? { base, ...(flags.refit ? { refit: flags.refit } : {}) } : {}),
    });
  } finally {
    bar.stop();
  }
  writeEnergyModel(flags.out, model);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(fitSummary(model, flags, all.length), null, 2)}\n`);
    return;
  }
  const rows = model.parameters.map((p) => [
    p.name, sig(p.value), p.unit,
    p.held ? `held: ${p.reason ?? 'not fitted'}` : p.standardError === null ? '± ? (singular J^T J)' : `± ${sig(p.standardError, 2)}`,
  ]);
  process.stdout.write([
    textTable(['parameter', 'value', 'unit', '± standard error'], rows, [0, 2, 3]),
    '',
    `records used: ${model.training.records}${flags.sample !== undefined ? ` (a sample of ${all.length}, seed ${flags.seed})` : ''}, ${model.training.latencyRows} with time per output token`,
    residualSdText(model.residualSd),
    `fitted in ${model.fit.seconds.toFixed(2)} s (${model.fit.iterations} iterations); wrote ${flags.out}`,
  ].join('\n') + '\n');
}

function fitSummary(model: EnergyModel, flags: FitFlags, available: number): Record<string, unknown> {
  return {
    out: flags.out, records: model.training.records, recordsInFile: available, latencyRows: model.training.latencyRows,
    ...(flags.sample !== undefined ? { sample: flags.sample, seed: flags.seed } : {}),
    ...(flags.calibrate ? { calibratedFrom: flags.calibrate, refit: flags.refit ?? PARAMETER_NAMES } : {}),
    residualSd: model.residualSd, fit: model.fit,
    parameters: model.parameters.map((p) => ({ name: p.name, value: p.value, standardError: p.standardError, low: p.low, high: p.high, unit: p.unit, held: p.held, ...(p.reason ? { reason: p.reason } : {}) })),
  };
}
