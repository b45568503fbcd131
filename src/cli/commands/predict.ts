/** energylens predict: a fitted energy model applied to a records CSV, streamed; every input column is kept as it was. */
import { Command } from 'commander';
import { EnergyLensError } from '../../errors.js';
import { catalogCheck, loadCatalog, type Catalog } from '../../energy/catalog/index.js';
import { fallbackScopes, predictEnergy, readEnergyModel, type EnergyModel, type FallbackScope, type EnergyPrediction } from '../../energy/model/index.js';
import { AtomicCsvWriter, invalidRecordsError, scanRecords, type ProfilingRecord } from '../../energy/records/index.js';
import { assertOutputFolder, sig } from '../energy-args.js';
import { effectsBySeries, effectText } from '../series-output.js';

interface PredictFlags { model: string; data: string; out: string; catalog?: string; json?: boolean }

/** The columns added after the input's own. */
export const PREDICTION_COLUMNS = [
  'energy_j_pred', 'energy_per_token_j_pred', 'energy_j_low', 'energy_j_high', 'prefill_energy_j_pred', 'decode_energy_j_pred',
  'tpot_s_pred', 'extrapolation',
] as const;

/** Added after those when the model has series effects: the series, its records, the effect as a factor and its 95 % interval. */
export const SERIES_COLUMNS = ['series', 'series_records', 'series_factor', 'series_factor_low', 'series_factor_high'] as const;

/** Added last when the model has a stack fallback: which fit applied to the row ("chosen" or "physics"). */
export const STACK_COLUMNS = ['stack_fit'] as const;

/** Added when the model has residual trees: exp(g), their factor on the shared prediction (empty where the pooled fit applied). */
export const RESIDUAL_COLUMNS = ['residual_factor'] as const;

/** Extrapolated rows named in the text summary. */
const SHOWN = 3;

export function register(program: Command): void {
  program
    .command('predict')
    .description('predict energy per request (with a 95 % interval), its prefill and decode shares and the time per token for every row of a records CSV')
    .requiredOption('--model <model.json>', 'model file written by energylens fit')
    .requiredOption('--data <file.csv>', 'records CSV (the energy_j column may be absent; where present, the MAPE is printed)')
    .requiredOption('--out <file.csv>', 'predictions CSV to write (atomically): the input columns as they were, then the predictions')
    .option('--catalog <file.json>', 'user catalog extending the built-in hardware and models')
    .option('--json', 'print a JSON summary on stdout', false)
    .addHelpText('after', `\nAdded columns: ${PREDICTION_COLUMNS.join(', ')}; with a model fitted with series effects, also ${SERIES_COLUMNS.join(', ')}; with a stack fallback, ${STACK_COLUMNS.join(', ')} (chosen or physics); with residual trees, ${RESIDUAL_COLUMNS.join(', ')}.\ntpot_s_pred is empty when the model was fitted without time per token; extrapolation lists why a row lies outside the training data.`)
    .action(async (flags: PredictFlags) => {
      await runPredict(flags);
    });
}

/** empty where a structure has no such part (e.g. no prefill expression) */
const num = (x: number): string => (Number.isFinite(x) ? sig(x, 6) : '');

function predictionCells(p: EnergyPrediction, residual: boolean): string[] {
  return [
    num(p.energyJ), num(p.energyPerTokenJ), num(p.energyLowJ), num(p.energyHighJ), num(p.prefillEnergyJ), num(p.decodeEnergyJ),
    p.tpotS === null ? '' : num(p.tpotS), p.extrapolation.join('; '),
    ...(p.series ? [p.series.series, String(p.series.records), num(p.series.factor), num(p.series.factorLow), num(p.series.factorHigh)] : []),
    ...(p.stack ? [p.stack.applied] : []),
    ...(residual ? [p.residualFactor === undefined ? '' : num(p.residualFactor)] : []),
  ];
}

/** Rows predicted at once: the records, their cells and their predictions of one block are all that is held. */
const BLOCK_ROWS = 8192;

/** What the summary needs, tallied block by block. */
interface PredictTally {
  rows: number;
  extrapolated: { row: number; reasons: string[] }[];
  errorSum: number;
  measured: number;
  series: ReturnType<typeof effectsBySeries>;
  /** rows predicted by the chosen structure (a stack it was fitted on) and by the stored physics fit */
  stackChosen: number;
  stackPhysics: number;
}

function tallyBlock(t: PredictTally, records: readonly ProfilingRecord[], preds: readonly EnergyPrediction[]): void {
  const first = t.rows;
  preds.forEach((p, i) => {
    if (p.stack) {
      if (p.stack.applied === 'chosen') t.stackChosen++;
      else t.stackPhysics++;
    }
    if (p.extrapolation.length > 0) t.extrapolated.push({ row: first + i + 1, reasons: p.extrapolation });
    const r = records[i];
    if (r.energy_j === undefined) return;
    const perToken = r.energy_j / r.output_tokens;
    t.errorSum += Math.abs(p.energyPerTokenJ - perToken) / perToken;
    t.measured += 1;
  });
  for (const g of effectsBySeries(preds.map((p) => p.series))) {
    const seen = t.series.find((x) => x.series === g.series);
    if (seen) seen.rows += g.rows;
    else t.series.push({ ...g, firstRow: first + g.firstRow });
  }
  t.rows += preds.length;
}

/**
 * Reads, predicts and writes block by block, so memory stays flat whatever the file's size. The output goes to a
 * temporary file that becomes `--out` only when every row was read without a problem; at the first problem the
 * output is dropped and the rest of the file is only checked, so the error lists every problem as before.
 */
async function predictFile(flags: PredictFlags, model: EnergyModel, catalog: Catalog): Promise<PredictTally> {
  const added = [...PREDICTION_COLUMNS, ...(model.series ? SERIES_COLUMNS : []), ...(model.stackFallback ? STACK_COLUMNS : []), ...(model.residualTrees ? RESIDUAL_COLUMNS : [])];
  const tally: PredictTally = { rows: 0, extrapolated: [], errorSum: 0, measured: 0, series: [], stackChosen: 0, stackPhysics: 0 };
  let writer: AtomicCsvWriter | undefined;
  let failed = false;
  let records: ProfilingRecord[] = [];
  let cells: (readonly string[])[] = [];
  const flush = async (): Promise<void> => {
    if (records.length === 0 || !writer) return;
    const preds = predictEnergy(model, records, { catalog, file: flags.data, firstRow: tally.rows + 1 });
    for (let i = 0; i < preds.length; i++) await writer.write([...cells[i], ...predictionCells(preds[i], model.residualTrees !== undefined)]);
    tallyBlock(tally, records, preds);
    records = [];
    cells = [];
  };
  try {
    const report = await scanRecords(flags.data, async (r, place) => {
      if (failed) return;
      records.push(r);
      cells.push(place.cells);
      if (records.length >= BLOCK_ROWS) await flush();
    }, {
      check: catalogCheck(catalog), optionalColumns: ['energy_j'],
      onHeader: async (header) => {
        const clash = added.find((c) => header.includes(c));
        if (clash) throw new EnergyLensError('INVALID_CSV', `${flags.data} already has a column "${clash}" (is it a predictions file?); remove the prediction columns first`);
        writer = await AtomicCsvWriter.open(flags.out, [...header, ...added]);
      },
      onProblem: () => {
        failed = true;
        writer?.abort();
        records = [];
        cells = [];
      },
    });
    if (!report.ok) throw invalidRecordsError(report);
    await flush();
    await writer?.commit();
  } finally {
    writer?.abort();
  }
  return tally;
}

async function runPredict(flags: PredictFlags): Promise<void> {
  assertOutputFolder('--out', flags.out, { '--data': flags.data, '--model': flags.model, '--catalog': flags.catalog });
  const model = readEnergyModel(flags.model);
  const catalog = loadCatalog(flags.catalog);
  const t = await predictFile(flags, model, catalog);
  const { extrapolated } = t;
  const mape = t.measured > 0 ? (100 * t.errorSum) / t.measured : null;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({
      out: flags.out, rows: t.rows, extrapolations: extrapolated.length, extrapolated,
      mapeEnergyPerTokenPct: mape, measuredRows: t.measured,
      ...(model.series ? { seriesEffects: t.series } : {}),
      ...(model.stackFallback ? { stacks: stackCounts(model, t) } : {}),
    }, null, 2)}\n`);
    return;
  }
  const lines = [`predicted ${t.rows} row${t.rows === 1 ? '' : 's'}; wrote ${flags.out}`];
  if (extrapolated.length === 0) lines.push('every row lies inside the training data');
  else {
    lines.push(`${extrapolated.length} row${extrapolated.length === 1 ? ' is an extrapolation' : 's are extrapolations'} (outside the training data):`);
    for (const x of extrapolated.slice(0, SHOWN)) lines.push(`  row ${x.row}: ${x.reasons.join('; ')}`);
    if (extrapolated.length > SHOWN) lines.push(`  ... ${extrapolated.length - SHOWN} more (column "extrapolation" of ${flags.out})`);
  }
  if (model.series) {
    const groups = t.series;
    lines.push(`series effects (by ${model.series.by.series.join(', ')}):`);
    for (const g of groups.slice(0, SHOWN)) lines.push(`  ${g.series} (${g.rows} row${g.rows === 1 ? '' : 's'}; at row ${g.firstRow}): ${effectText(g.effect)}`);
    if (groups.length > SHOWN) lines.push(`  ... ${groups.length - SHOWN} more series (columns ${SERIES_COLUMNS.join(', ')} of ${flags.out})`);
  }
  if (model.stackFallback) {
    const c = stackCounts(model, t);
    const where = c.scopes.map((s) => `${s.column} ${s.seen.join(', ')}`).join(' and ');
    const other = c.scopes.map((s) => s.column).join(' or ');
    lines.push(`${c.column !== undefined ? 'stacks' : 'scope'}: ${c.chosen} row${c.chosen === 1 ? '' : 's'} of ${where} by ${model.structure.name}; ${c.physics} row${c.physics === 1 ? '' : 's'} of another ${other} (or none) by the physics fit (column stack_fit)`);
  }
  if (mape !== null) lines.push(`MAPE of energy per output token: ${mape.toFixed(2)} % over ${t.measured} rows with energy_j`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Rows by which fit applied, for a model with a stack fallback. */
function stackCounts(model: EnergyModel, t: PredictTally): { column?: string; seen?: string[]; scopes: FallbackScope[]; chosen: number; physics: number } {
  const fb = model.stackFallback!;
  return { column: fb.column, seen: fb.seen, scopes: fallbackScopes(fb), chosen: t.stackChosen, physics: t.stackPhysics };
}
