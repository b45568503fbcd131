/** energylens explain: what a fitted energy model says, parameter by parameter, and what it was trained on. */
import { Command } from 'commander';
import type { CrossedSeriesPosterior } from '../../energy/model/series-effects.js';
import { fallbackScopes, missingIntervalText, readEnergyModel, seriesPosteriors, structureFormula, Z95, type EnergyModel, type TrainingRanges } from '../../energy/model/index.js';
import { residualSdText, sig } from '../energy-args.js';
import { residualTreesLines, residualTreesSummary, seriesLines, seriesSummary } from '../series-output.js';
import { stackLines } from '../stack-output.js';

interface ExplainFlags { model: string; json?: boolean }

export function register(program: Command): void {
  program
    .command('explain')
    .description('describe a fitted energy model: every parameter with its meaning, unit, value and 95 % interval, the formula, the training data')
    .requiredOption('--model <model.json>', 'model file written by energylens fit')
    .option('--json', 'print the explanation as JSON on stdout', false)
    .action((flags: ExplainFlags) => {
      runExplain(flags);
    });
}

const RANGE_LABELS: [keyof TrainingRanges, string][] = [
  ['batch', 'batch'], ['gpus', 'GPUs'], ['tensorDegree', 'tensor degree'], ['pipelineDegree', 'pipeline degree'],
  ['outputTokens', 'output tokens'], ['inputTokens', 'input tokens'], ['weightGBPerGpu', 'weights per GPU (GB)'],
];

const span = ([lo, hi]: [number, number]): string => (lo === hi ? sig(lo) : `${sig(lo)}-${sig(hi)}`);

/** Each series' level effect (at the batch centre, its own settings averaged out) with its 95 % interval and records. */
function seriesEffects(m: EnergyModel): { series: string; records: number; settings: number; levelFactor: number; levelLow: number; levelHigh: number }[] {
  if (!m.series) return [];
  const posteriors = seriesPosteriors(m.series);
  return [...posteriors.values()].map((p) => {
    // with crossed effects (model, hardware, ...) the level is theirs plus the series' own part (crossed-effects.ts)
    const cr = (p as CrossedSeriesPosterior).crossed;
    const l0 = cr ? 1 - cr.g[0] : 0;
    const l1 = cr ? -cr.g[1] : 0;
    const level = p.mean[0] + (cr ? cr.d[0] : 0);
    const sd = Math.sqrt(p.covariance[0] + (cr ? l0 * l0 * cr.vd[0] + 2 * l0 * l1 * cr.vd[1] + l1 * l1 * cr.vd[3] : 0));
    return { series: p.key, records: p.records, settings: p.settings.length, levelFactor: Math.exp(level), levelLow: Math.exp(level - Z95 * sd), levelHigh: Math.exp(level + Z95 * sd) };
  }).sort((a, b) => b.records - a.records || a.series.localeCompare(b.series));
}

/** Series listed in the text (all with --json). */
const SERIES_SHOWN = 12;

function explanationJSON(m: EnergyModel): Record<string, unknown> {
  return {
    parameters: m.parameters.map((p) => ({
      name: p.name, meaning: p.meaning, unit: p.unit, value: p.value, standardError: p.standardError,
      interval95: p.held || p.standardError === null ? null : [p.low, p.high], held: p.held, ...(p.reason ? { reason: p.reason } : {}), ...(p.confoundedWith ? { confoundedWith: p.confoundedWith } : {}), origin: p.origin, phase: p.phase,
    })),
    structure: { name: m.structure.name, description: m.structure.description, expressions: m.structure.expressions },
    formula: structureFormula(m.structure),
    ...(m.selection ? { selection: m.selection } : {}),
    training: m.training, residualSd: m.residualSd, fit: m.fit,
    ...(Object.keys(m.inputTokens).length > 0 ? { inputTokens: m.inputTokens } : {}),
    ...(m.series ? { series: { ...seriesSummary(m.series), effects: seriesEffects(m) } } : {}),
    ...(m.residualTrees ? { residualTrees: residualTreesSummary(m) } : {}),
    ...(m.stackFallback ? { stacks: { column: m.stackFallback.column, seen: m.stackFallback.seen, scopes: fallbackScopes(m.stackFallback), physics: { parameters: m.stackFallback.model.parameters.map((p) => ({ name: p.name, value: p.value, unit: p.unit, held: p.held })), residualSd: m.stackFallback.model.residualSd } } } : {}),
  };
}

function runExplain(flags: ExplainFlags): void {
  const m = readEnergyModel(flags.model);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(explanationJSON(m), null, 2)}\n`);
    return;
  }
  const formula = structureFormula(m.structure);
  const lines = [
    `energy model ${flags.model}: structure "${m.structure.name}", ${m.parameters.filter((p) => !p.held).length} of ${m.parameters.length} parameters fitted`,
    ...(m.selection ? [`  ${m.selection.reason}`] : []),
    '',
  ];
  for (const p of m.parameters) {
    const interval = p.held ? `held (${p.reason ?? 'not fitted'})` : p.standardError === null ? missingIntervalText(p)! : `95 %: ${sig(p.low)}-${sig(p.high)}`;
    lines.push(`${p.name} = ${sig(p.value)} ${p.unit}   ${interval}${p.origin === 'discovered' ? '   (discovered)' : ''}`, `    ${p.meaning}`);
  }
  const t = m.training;
  const r = t.ranges;
  lines.push(
    '', 'formula (plain text):', ...formula.text.split('\n').map((l) => `  ${l}`),
    '', 'formula (LaTeX):', `  ${formula.latex}`,
    '', `trained on ${t.records} records (${t.latencyRows} with time per output token), ${r.models.length} model${r.models.length === 1 ? '' : 's'} on ${r.hardware.join(', ')}`,
    `  models: ${r.models.join(', ')}`,
    `  ranges: ${RANGE_LABELS.map(([k, label]) => `${label} ${span(r[k] as [number, number])}`).join(', ')}`,
    `  ${residualSdText(m.residualSd)}`,
    'predictions outside these ranges or on other hardware are marked as extrapolations',
  );
  if (m.stackFallback) lines.push('', ...stackLines(m), `  the physics fit: ${residualSdText(m.stackFallback.model.residualSd)}`);
  if (m.series) {
    const effects = seriesEffects(m);
    const pct = (f: number): string => `${f >= 1 ? '+' : ''}${((f - 1) * 100).toFixed(1)} %`;
    lines.push('', ...seriesLines(m), `  each series' level (energy at a typical batch against the shared model; 95 % interval; records)${effects.length > SERIES_SHOWN ? `, the ${SERIES_SHOWN} with most records (all with --json)` : ''}:`);
    for (const e of effects.slice(0, SERIES_SHOWN)) lines.push(`    ${e.series}: ${pct(e.levelFactor)} (${pct(e.levelLow)} to ${pct(e.levelHigh)}), ${e.records} records`);
    lines.push(m.series.crossed
      ? `  a series the model has not seen gets the crossed effects of its ${m.series.crossed.factors.join(', ')} (none for a level not seen) and the spread of series levels in its interval`
      : '  a series the model has not seen gets the shared prediction with the spread of series levels in its interval');
  }
  if (m.residualTrees) lines.push('', ...residualTreesLines(m));
  process.stdout.write(`${lines.join('\n')}\n`);
}
