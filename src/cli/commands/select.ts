/** energylens select: every feasible parallel configuration of a model on an accelerator, ranked by predicted energy per token. */
import { Command, Option } from 'commander';
import { EnergyLensError, isEnergyLensError } from '../../errors.js';
import { loadCatalog } from '../../energy/catalog/index.js';
import { DEFAULT_BATCHES, readEnergyModel, selectConfigurations, type Selection } from '../../energy/model/index.js';
import { PRECISIONS, type Precision } from '../../energy/records/index.js';
import { integerArg, numberArg, numberListArg } from '../energy-args.js';
import { selectionText } from '../select-output.js';
import { effectText } from '../series-output.js';

interface SelectFlags {
  model: string; llm: string; hardware: string; input: number; output: number; maxGpus: number; batch: number[];
  tp?: number[]; pp?: number[]; precision?: Precision; sloTpotMs?: number; top: number; catalog?: string; json?: boolean; stack?: string;
}

/** Infeasible configurations listed in the text output (all of them with --json). */
const SHOWN = 10;

export function register(program: Command): void {
  program
    .command('select')
    .description('rank the feasible TP x PP (x EP) x batch configurations of a model on an accelerator by predicted energy per output token')
    .requiredOption('--model <model.json>', 'model file written by energylens fit')
    .requiredOption('--llm <name>', 'the language model to serve (catalog name or alias)')
    .requiredOption('--hardware <name>', 'the accelerator (catalog name or alias)')
    .requiredOption('--input <n>', 'prompt tokens per request', numberArg('--input', true))
    .requiredOption('--output <n>', 'generated tokens per request', numberArg('--output'))
    .option('--max-gpus <n>', 'largest number of GPUs', integerArg('--max-gpus', 1), 8)
    .option('--batch <list>', 'concurrent sequences to consider', numberListArg('--batch', false), [...DEFAULT_BATCHES])
    .option('--tp <list>', 'tensor-parallel degrees (default: powers of two up to --max-gpus)', numberListArg('--tp', true))
    .option('--pp <list>', 'pipeline-parallel degrees (default: powers of two up to --max-gpus)', numberListArg('--pp', true))
    .addOption(new Option('--precision <p>', 'weight precision (default: the model\'s own)').choices([...PRECISIONS]))
    .option('--slo-tpot-ms <x>', 'time-per-output-token objective (ms): slower configurations are marked and never chosen as most frugal', numberArg('--slo-tpot-ms'))
    .option('--top <k>', 'configurations shown in the table', integerArg('--top', 1), 10)
    .option('--catalog <file.json>', 'user catalog extending the built-in hardware and models')
    .option('--stack <name>', 'the serving stack (e.g. vLLM): a model whose structure carries a discovered correction applies it only to the stacks it was fitted on, else its physics fit (default: the only stack it was fitted on, if one)')
    .option('--json', 'print the whole selection (every candidate and infeasible configuration) as JSON on stdout', false)
    .action((flags: SelectFlags) => {
      runSelect(flags);
    });
}


function select(flags: SelectFlags): Selection {
  const model = readEnergyModel(flags.model);
  const catalog = loadCatalog(flags.catalog);
  try {
    return selectConfigurations(model, {
      llm: flags.llm, hardware: flags.hardware, inputTokens: flags.input, outputTokens: flags.output, maxGpus: flags.maxGpus,
      batch: flags.batch, tp: flags.tp, pp: flags.pp, precision: flags.precision, sloTpotMs: flags.sloTpotMs, stack: flags.stack, catalog,
    });
  } catch (err) {
    if (isEnergyLensError(err, 'UNKNOWN_MODEL')) throw new EnergyLensError(err.code, `--llm: ${err.message}`);
    if (isEnergyLensError(err, 'UNKNOWN_HARDWARE')) throw new EnergyLensError(err.code, `--hardware: ${err.message}`);
    throw err;
  }
}

function runSelect(flags: SelectFlags): void {
  const s = select(flags);
  const { candidates, infeasible, mostFrugal, fastest, fastestAtBatch } = s;
  const ratio = fastest && mostFrugal ? fastest.energyPerTokenJ / mostFrugal.energyPerTokenJ : null;
  const ratioAtBatch = fastestAtBatch && mostFrugal ? fastestAtBatch.energyPerTokenJ / mostFrugal.energyPerTokenJ : null;
  if (candidates.length === 0) {
    throw new EnergyLensError('INFEASIBLE', `no configuration of ${flags.llm} on ${flags.hardware} fits within --max-gpus ${flags.maxGpus} (${infeasible.length} tried); first reason: ${infeasible[0]?.reason ?? 'none'}`);
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...s, sloTpotMs: flags.sloTpotMs ?? null, fastestEnergyRatio: ratio, fastestAtBatchEnergyRatio: ratioAtBatch, infeasibleCount: infeasible.length }, null, 2)}\n`);
    return;
  }
  const lines = [selectionText(s, { llm: flags.llm, hardware: flags.hardware, input: flags.input, output: flags.output, top: flags.top, sloTpotMs: flags.sloTpotMs }).trimEnd()];
  // the serving stack in the words of --stack; another scope (the hardware) by the prediction's reason
  const byStack = s.stack !== null && s.stack.column === readEnergyModel(flags.model).stackFallback?.column;
  if (s.stack && byStack) lines.push('', `stack: ${s.stack.value === '' ? `no ${s.stack.column} given (--stack)` : `${s.stack.column} ${s.stack.value}`}: ${s.stack.applied === 'chosen' ? 'the chosen structure applies (a stack it was fitted on)' : 'the physics fit applies (the discovered correction only to the stacks it was fitted on)'}`);
  else if (s.stack) lines.push('', `fit: ${s.stack.reason}`);
  if (s.series) lines.push('', `series effect (${s.series.series}), at the most frugal configuration: ${effectText(s.series)}`);
  if (infeasible.length > 0) {
    lines.push('', `${infeasible.length} configuration${infeasible.length === 1 ? ' is' : 's are'} infeasible${infeasible.length > SHOWN ? ` (first ${SHOWN}; all with --json)` : ''}:`);
    for (const x of infeasible.slice(0, SHOWN)) lines.push(`  tp ${x.tp}, pp ${x.pp}${x.ep > 1 ? `, ep ${x.ep}` : ''}, batch ${x.batch}: ${x.reason}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
