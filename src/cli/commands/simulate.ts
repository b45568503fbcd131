/** energylens simulate: physics-based profiling sweeps written as a records CSV. */
import { Command, Option } from 'commander';
import { progressBar } from '../progress.js';
import { stringify } from 'csv-stringify/sync';
import { EnergyLensError } from '../../errors.js';
import { loadCatalog } from '../../energy/catalog/index.js';
import { MODALITIES, PRECISIONS, writeRecordsCsv, type Modality, type Precision } from '../../energy/records/index.js';
import { DEFAULT_SIMULATE_OPTIONS as D, simulate } from '../../energy/simulator/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { assertOutputFolder } from '../energy-args.js';

interface SimulateFlags {
  out: string; models: string[]; hardware: string[]; tp: number[]; pp: number[]; batch: number[]; input: number[]; output: number[];
  precision?: Precision; modality: Modality; noise: number; seed: number; catalog?: string; infeasibleOut?: string; json?: boolean; progress: boolean;
}

const names = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);
const numbers = (flag: string, integer: boolean) => (v: string): number[] => {
  const out = names(v).map(Number);
  if (out.length === 0 || out.some((n) => !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))) {
    throw new EnergyLensError('INVALID_OPTION', `--${flag} must be a comma-separated list of ${integer ? 'positive integers' : 'positive numbers'}, got "${v}"`);
  }
  return out;
};
const num = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new EnergyLensError('INVALID_OPTION', `--${flag} must be a number, got "${v}"`);
  return n;
};

export function register(program: Command): void {
  program
    .command('simulate')
    .description('simulate profiling runs from first principles (roofline, collectives, pipeline bubbles, power by utilisation)')
    .requiredOption('--out <file.csv>', 'records CSV to write (atomically)')
    .option('--models <list>', 'model names or aliases, comma-separated', names, [...D.models])
    .option('--hardware <list>', 'accelerators, comma-separated', names, [...D.hardware])
    .option('--tp <list>', 'tensor-parallel degrees', numbers('tp', true), [...D.tp])
    .option('--pp <list>', 'pipeline-parallel degrees', numbers('pp', true), [...D.pp])
    .option('--batch <list>', 'concurrent sequences', numbers('batch', false), [...D.batch])
    .option('--input <list>', 'prompt tokens per request (text; vision tokens are added for image/video)', numbers('input', false), [...D.input])
    .option('--output <list>', 'generated tokens per request', numbers('output', false), [...D.output])
    .addOption(new Option('--precision <p>', 'weight precision for every model (default: each model\'s own)').choices([...PRECISIONS]))
    .addOption(new Option('--modality <m>', 'input modality').choices([...MODALITIES]).default(D.modality))
    .option('--noise <sigma>', 'multiplicative measurement noise (std of its log)', num('noise'), D.noise)
    .option('--seed <n>', 'random seed', num('seed'), D.seed)
    .option('--catalog <file.json>', 'user catalog extending the built-in hardware and models')
    .option('--infeasible-out <file.csv>', 'also write the configurations that do not fit, with the reason')
    .option('--json', 'print a JSON summary (including every infeasible configuration) on stdout', false)
    .option('--no-progress', 'no progress bar')
    .action(async (flags: SimulateFlags) => {
      await runSimulate(flags);
    });
}

async function runSimulate(flags: SimulateFlags): Promise<void> {
  assertOutputFolder('--out', flags.out);
  if (flags.infeasibleOut) assertOutputFolder('--infeasible-out', flags.infeasibleOut);
  const catalog = loadCatalog(flags.catalog);
  const bar = flags.progress && process.stderr.isTTY
    ? progressBar('simulate |{bar}| {percentage}% | {value}/{total} configurations')
    : undefined;
  let started = false;
  let result;
  try {
    result = simulate({
      models: flags.models, hardware: flags.hardware, tp: flags.tp, pp: flags.pp, batch: flags.batch, input: flags.input,
      output: flags.output, precision: flags.precision, modality: flags.modality, noise: flags.noise, seed: flags.seed, catalog,
      onProgress: (done, total) => {
        if (!bar) return;
        if (!started) { bar.start(total, 0); started = true; }
        bar.update(done);
      },
    });
  } finally {
    if (started) bar?.stop();
  }
  const { records, infeasible, nearLimit } = result;
  if (records.length === 0) {
    throw new EnergyLensError('INFEASIBLE', `no configuration fits (${infeasible.length} tried); first reason: ${infeasible[0]?.reason ?? 'none'}`);
  }
  await writeRecordsCsv(flags.out, records);
  if (flags.infeasibleOut) {
    writeFileAtomic(flags.infeasibleOut, stringify(infeasible, { header: true, columns: ['model', 'hardware', 'tp', 'pp', 'batch', 'input_tokens', 'output_tokens', 'precision', 'reason'] }));
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ out: flags.out, records: records.length, infeasibleCount: infeasible.length, infeasible, nearLimitCount: nearLimit.length, nearLimit }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`wrote ${records.length} records to ${flags.out}\n`);
  if (nearLimit.length > 0) {
    const groups = groupReasons(nearLimit.map((x) => ({ subject: `${x.model} on ${x.hardware}`, reason: x.warning })));
    const lines = groups.slice(0, 10).map(({ text, count }) => `  ${count} x ${text}`);
    if (groups.length > 10) lines.push(`  ... ${groups.length - 10} more kinds`);
    process.stdout.write(`${nearLimit.length} of them run near the memory limit (recorded with the batch that runs at once):\n${lines.join('\n')}\n`);
  }
  if (infeasible.length > 0) {
    const groups = groupReasons(infeasible.map((x) => ({ subject: `${x.model} on ${x.hardware}`, reason: x.reason })));
    const lines = groups.slice(0, 10).map(({ text, count }) => `  ${count} x ${text}`);
    if (groups.length > 10) lines.push(`  ... ${groups.length - 10} more kinds`);
    process.stdout.write(`${infeasible.length} configurations do not fit${flags.infeasibleOut ? ` (listed in ${flags.infeasibleOut})` : ' (list them with --infeasible-out FILE or --json)'}:\n${lines.join('\n')}\n`);
  }
}

/**
 * Reasons that differ only in their numbers, grouped: each number shows its range over the group
 * ("weights need 70.6-141.2 GB per GPU; the budget is 72 GB"), so the message keeps its figures.
 */
export function groupReasons(reasons: readonly { subject: string; reason: string }[]): { text: string; count: number }[] {
  const NUMBER = /\d+(?:\.\d+)?/g;
  const groups = new Map<string, { subject: string; template: string; values: number[][]; count: number }>();
  for (const { subject, reason } of reasons) {
    const template = reason.replace(NUMBER, '#');
    const key = `${subject}\n${template}`;
    const values = (reason.match(NUMBER) ?? []).map(Number);
    const g = groups.get(key) ?? { subject, template, values: values.map(() => []), count: 0 };
    values.forEach((v, i) => g.values[i].push(v));
    g.count += 1;
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => {
    let i = 0;
    const text = `${g.subject}: ` + g.template.replace(/#/g, () => {
      const vs = g.values[i++];
      const lo = Math.min(...vs);
      const hi = Math.max(...vs);
      return lo === hi ? String(lo) : `${lo}-${hi}`;
    });
    return { text, count: g.count };
  });
}
