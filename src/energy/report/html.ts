/**
 * The evaluation report as one self-contained HTML page: the charts (charts.ts, rendered to inline SVG), the
 * per-scenario ranking tables, where the fastest and the most frugal configurations diverge, the metrics of
 * every protocol, and the fitted closed form with its parameters. No script and no external reference.
 */
import { PHYSICS_STRUCTURE, structureFormula } from '../model/structure-physics.js';
import { correctionTexts, fittedDiscoveredTerms, termRangeLines } from '../model/discovery/terms-text.js';
import type { ConfigurationInput } from '../model/features.js';
import { fallbackScopes, missingIntervalText, stackScope, type EnergyModel } from '../model/model-file.js';
import { energyPerTokenJ, type TrainRecord } from '../baselines/method.js';
import { outsideScope } from '../model/structure-cv-groups.js';
import { scenarioKey } from '../evaluation/metrics.js';
import type { Evaluation, } from '../evaluation/evaluate.js';
import type { RunPredictions } from '../evaluation/run-splits.js';
import { divergenceChart, parallelismChart, parityChart, sampleEfficiencyChart, type DivergencePoint } from './charts.js';
import { renderSvg } from './render.js';

export interface ReportInput {
  title: string;
  records: readonly TrainRecord[];
  evaluation: Evaluation;
  /** test predictions of seed 1 (evaluateMethods' onPredictions) */
  predictions: readonly RunPredictions[];
  /** the closed form fitted on the parity plot's training sample */
  model: EnergyModel;
  /** lines of text shown first (the demo's summary) */
  summary?: readonly string[];
}

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const pct = (x: number | null | undefined, d = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? '-' : `${(x * 100).toFixed(d)} %`);
const num = (x: number, d = 3): string => (Number.isFinite(x) ? String(Number(x.toPrecision(d))) : '-');
const config = (r: TrainRecord): string => `TP ${r.tp}, PP ${r.pp}${r.ep && r.ep > 1 ? `, EP ${r.ep}` : ''}, batch ${num(r.batch)}`;
const table = (head: readonly string[], rows: readonly (readonly string[])[]): string => `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
/**
 * The ranking table: fixed column sizes (the scenario and the measured best wider, the methods' columns even) so
 * that one long method name cannot squeeze the others; a header breaks after '+', '/' or a run of capitals, a scenario is shown without
 * the models' organisation prefix, and each keeps its full text in a title attribute.
 */
function rankingTable(methodLabels: readonly string[], rows: readonly (readonly string[])[], keys: readonly string[]): string {
  // a line may break after '+' or '/' and inside a run of capitals ("LLM|Carbon", "XG|Boost"), not mid-word
  const breakable = (label: string): string => escapeHtml(label).replace(/([+/])/g, '$1<wbr>').replace(/([a-z]|[A-Z](?=[A-Z][a-z]))(?=[A-Z])/g, '$1<wbr>');
  const head = [`<th>scenario (${escapeHtml(keys.join(' | '))})</th>`, '<th>configs</th>', '<th>measured best</th>', ...methodLabels.map((l) => `<th title="${escapeHtml(l)}">${breakable(l)}</th>`)];
  const cols = '<colgroup><col style="width:15%"><col style="width:5.5em"><col style="width:10%">' + methodLabels.map(() => '<col>').join('') + '</colgroup>';
  return `<table class="ranking">${cols}<thead><tr>${head.join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** A scenario key without the organisation prefix of a model name ("meta-llama/Llama-3.1-8B" -> "Llama-3.1-8B"), the full key as its title. */
const scenarioCell = (key: string): string => {
  const short = key.split(' | ').map((v) => v.replace(/^[^/\s]+\/(?=\S)/, '')).join(' | ');
  return short === key ? escapeHtml(key) : `<span title="${escapeHtml(key)}">${escapeHtml(short)}</span>`;
};

const figure = (svg: string, caption: string): string => `<figure class="chart">${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;

/** The sample-efficiency training size closest to 50 that has predictions. */
function paritySize(predictions: readonly RunPredictions[]): string | null {
  const sizes = [...new Set(predictions.filter((p) => p.protocol === 'sample-efficiency').map((p) => Number(p.group)))];
  if (sizes.length === 0) return null;
  return String(sizes.sort((a, b) => Math.abs(a - 50) - Math.abs(b - 50) || a - b)[0]);
}

function groupsOf(records: readonly TrainRecord[], keys: readonly string[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  records.forEach((r, i) => { const k = scenarioKey(r, keys); m.set(k, [...(m.get(k) ?? []), i]); });
  return m;
}

/** `runs`: the test predictions of seed 1 at training size `size`, one per method (the parity plot's). */
function rankingTables(input: ReportInput, size: string | null, runs: readonly RunPredictions[], keys: readonly string[]): string {
  if (!size) return '<p>No sample-efficiency predictions to rank.</p>';
  const methods = input.evaluation.methods.filter((m) => runs.some((r) => r.method === m.name));
  const predicted = new Map(runs.map((r) => [r.method, new Map(r.records.map((idx, j) => [idx, r.predicted[j]]))]));
  const test = runs[0]?.records ?? [];
  const e = (i: number): number => energyPerTokenJ(input.records[i]);
  const groups = [...groupsOf(test.map((i) => input.records[i]), keys).values()].map((g) => g.map((j) => test[j])).filter((g) => g.length >= 2);
  const rows = groups.slice(0, 40).map((g) => {
    const best = g.reduce((a, b) => (e(b) < e(a) ? b : a));
    const cells = [scenarioCell(scenarioKey(input.records[g[0]], keys)), String(g.length), `${escapeHtml(config(input.records[best]))} (${num(e(best))}&nbsp;J)`];
    for (const m of methods) {
      const p = predicted.get(m.name) as Map<number, number>;
      const pick = g.reduce((a, b) => ((p.get(b) as number) < (p.get(a) as number) ? b : a));
      const regret = e(pick) / e(best) - 1;
      cells.push(`<span class="${regret === 0 ? 'hit' : regret > 0.1 ? 'miss' : 'near'}">${escapeHtml(config(input.records[pick]))}${regret === 0 ? '' : ` (+${(regret * 100).toFixed(1)}&nbsp;%)`}</span>`);
    }
    return cells;
  });
  return `<p>Trained on ${size} records (seed 1); for each scenario of the test records, the measured most frugal configuration and each method's pick with its extra measured energy. ${groups.length > 40 ? `First 40 of ${groups.length} scenarios.` : ''}</p>`
    + '<p class="key">Key: <span class="hit">green: the method picks the measured best</span>; <span class="near">amber: its pick costs at most 10 % more</span>; <span class="miss">red: more than 10 % more</span>.</p>'
    + rankingTable(methods.map((m) => m.label), rows, keys);
}

function divergence(records: readonly TrainRecord[], keys: readonly string[]): { points: DivergencePoint[]; rows: string[][] } {
  const points: DivergencePoint[] = [];
  const rows: string[][] = [];
  for (const [k, g] of groupsOf(records, keys)) {
    const timed = g.filter((i) => records[i].tpot_s !== undefined);
    if (timed.length < 2) continue;
    const e = (i: number): number => energyPerTokenJ(records[i]);
    const fastest = timed.reduce((a, b) => ((records[b].tpot_s as number) < (records[a].tpot_s as number) ? b : a));
    const frugal = timed.reduce((a, b) => (e(b) < e(a) ? b : a));
    const ratio = e(fastest) / e(frugal);
    points.push({ scenario: k, ratio, differs: fastest !== frugal });
    if (fastest !== frugal) rows.push([escapeHtml(k), escapeHtml(config(records[fastest])), escapeHtml(config(records[frugal])), `${ratio.toFixed(2)}x`, `${num((records[fastest].tpot_s as number) * 1000)} / ${num((records[frugal].tpot_s as number) * 1000)} ms`]);
  }
  rows.sort((a, b) => parseFloat(b[3]) - parseFloat(a[3]));
  return { points, rows };
}

function protocolTables(ev: Evaluation): string {
  return ev.protocols.map((p) => `<h3>${escapeHtml(p.protocol)}</h3><p>${escapeHtml(p.description)}; ${p.records} records, ${p.seeds} seed(s), scenarios by ${escapeHtml(p.scenarioKeys.join(', '))}.</p>`
    + table(['method', 'group', 'train', 'runs ok', 'MAPE', 'R² log', 'pairwise', 'Top-1', 'mean regret'], p.results.map((r) => [
      escapeHtml(r.label), escapeHtml(`${r.group}${r.variant ? `, ${r.variant}` : ''}`), String(r.trainSize), `${r.runs - r.failed}/${r.runs}`,
      pct(r.median.mape), r.median.r2Log === null ? '-' : num(r.median.r2Log), pct(r.median.pairwise), pct(r.median.top1),
      r.median.meanRegretPct === null ? '-' : `${r.median.meanRegretPct.toFixed(1)} %`,
    ]))
    + p.skipped.map((s) => `<p class="note">skipped: ${escapeHtml(s)}</p>`).join('')
    + p.results.filter((r) => r.errors.length).map((r) => `<p class="note">${escapeHtml(r.label)} (${escapeHtml(r.group)}) failed ${r.failed} of ${r.runs} runs: ${escapeHtml(r.errors[0])}</p>`).join('')).join('\n');
}

/**
 * The discovered terms beside the physics form: the physics expressions on the left, the correction exp(g) on the
 * right, then one row per term with its fitted value, unit and what it means in plain words. Empty for physics.
 */
export function discoveredTermsHtml(model: EnergyModel, records?: readonly ConfigurationInput[], where = 'of this report'): string {
  const terms = fittedDiscoveredTerms(model);
  if (terms.length === 0) return '';
  const ranges = termRangeLines(model, records, `the ${records?.length ?? 0} records ${where}`);
  const g = correctionTexts(model.structure);
  const correction = [
    ...(g.energy ? [`E_token = E_token,physics x exp(g)\ng = ${g.energy}`] : []),
    ...(g.prefill ? [`E_prefill = E_prefill,physics x exp(g_prefill)\ng_prefill = ${g.prefill}`] : []),
  ].join('\n\n');
  const rows = terms.map((t) => [
    escapeHtml(t.parameter ?? 'fixed number'), num(t.fitted, 4), t.interval ? `${num(t.interval[0])} to ${num(t.interval[1])}` : escapeHtml(t.noInterval ?? '-'), escapeHtml(t.unit === '1' ? (t.feature ? '1 (exponent)' : /constant factor/.test(t.meaning) ? '1 (log of a factor)' : '1') : t.unit),
    escapeHtml(t.phase), escapeHtml(`${t.effect}${t.heldReason ? ` (held: ${t.heldReason})` : ''}`),
  ]);
  return '<h3>Discovered terms beside the physics form</h3>'
    + '<div class="side"><div><h4>physics form</h4>'
    + `<pre>${escapeHtml(structureFormula(PHYSICS_STRUCTURE).text)}</pre></div>`
    + `<div><h4>discovered correction</h4><pre>${escapeHtml(correction)}</pre></div></div>`
    + table(['term', 'fitted value', '95 % interval', 'unit', 'phase', 'what it means'], rows)
    + (ranges.length ? `<p>What each term of the correction does:</p><ul>${ranges.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : '');
}

/**
 * The stack rule in one line, when the model carries a fallback section: the stacks (and GPUs, ...) its structure was
 * fitted on, and how many of the report's records lie outside them and so are predicted by the physics fit.
 */
export function stacksHtml(model: EnergyModel, records: readonly TrainRecord[]): string {
  const fb = model.stackFallback;
  if (!fb) return '';
  const scopes = fallbackScopes(fb);
  const outside = records.map((r) => outsideScope(r, stackScope(fb), fb.scopes ?? [])).filter((o) => o !== null);
  const values = scopes.map((s) => [s.column, [...new Set(outside.filter((o) => o.column === s.column).map((o) => (o.value === '' ? '(none)' : o.value)))].sort()] as const)
    .filter(([, vs]) => vs.length > 0).map(([c, vs]) => `${escapeHtml(c)} ${vs.map(escapeHtml).join(', ')}`).join('; ');
  return `<p class="stacks"><span class="badge">${fb.column !== undefined ? 'stacks' : 'scope'}</span> "${escapeHtml(model.structure.name)}" was fitted on ${scopes.map((s) => `${escapeHtml(s.column)} ${s.seen.map(escapeHtml).join(', ')}`).join(' and ')} and applies to those; `
    + (outside.length === 0
      ? `every one of the ${records.length} records is of one of them.`
      : `${outside.length} of the ${records.length} records (${values}) are predicted by the physics fit stored beside it.`)
    + '</p>';
}

const STYLE = `.badge{background:#eef;border:1px solid #99c;border-radius:3px;padding:0 .3em;font-size:.85em}.side{display:flex;gap:1em}.side>div{flex:1;min-width:0}h4{margin:.3em 0}body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}th{background:#f3f3f3}
figure.chart{margin:1em 0}figure.chart svg{max-width:100%;height:auto}figcaption{font-size:.85em;color:#555}.hit{color:#2a7}.near{color:#b80}.miss{color:#c22}.note{font-size:.85em;color:#555}pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap;overflow-wrap:anywhere}.key{font-size:.85em}
table.ranking{table-layout:fixed;width:100%}table.ranking td,table.ranking th{overflow-wrap:break-word;vertical-align:top}`;

export async function evaluationReportHtml(input: ReportInput): Promise<string> {
  const keys = input.evaluation.scenarioKeys;
  const size = paritySize(input.predictions);
  const parity = size ? input.predictions.filter((p) => p.protocol === 'sample-efficiency' && p.group === size && p.seed === 1) : [];
  const labelOf = new Map(input.evaluation.methods.map((m) => [m.name, m.label]));
  const charts: string[] = [];
  if (parity.length) {
    const points = parity.flatMap((p) => p.records.map((i, j) => ({ method: labelOf.get(p.method) ?? p.method, measured: energyPerTokenJ(input.records[i]), predicted: p.predicted[j] })));
    charts.push(`<h2>Parity</h2>${figure(await renderSvg(parityChart(points, Number(size))), 'each point a test configuration; dashed: predicted = measured')}`);
  }
  const se = input.evaluation.protocols.find((p) => p.protocol === 'sample-efficiency');
  if (se) {
    const sizes = new Set(se.results.map((r) => r.trainSize)).size;
    const caveat = sizes < 3 ? ` Only ${sizes} training size${sizes === 1 ? '' : 's'}: a curve needs three or more (evaluate --sizes).` : '';
    charts.push(`<h2>Sample efficiency</h2>${figure(await renderSvg(sampleEfficiencyChart(se.results.filter((r) => r.median.mape !== null))), `${se.seeds} seeds per training size, tested on all other records.${caveat}`)}`);
  }
  const configPoints = input.records.map((r) => ({ energyPerToken: energyPerTokenJ(r), tp: r.tp, pp: r.pp, batch: r.batch, hardware: r.hardware, model: r.model }));
  charts.push(`<h2>Energy against TP, PP and batch</h2>${figure(await renderSvg(parallelismChart(configPoints)), 'every record, measured; a line leaves out a value one GPU\'s records hold less than a tenth as often as its most common one (a batch the memory capped)')}`);
  const div = divergence(input.records, keys);
  const divergenceHtml = div.points.length === 0
    ? '<p>The records carry no time per output token: the fastest configuration is unknown.</p>'
    : `<p>In ${div.rows.length} of ${div.points.length} scenarios (${pct(div.rows.length / div.points.length)}) the fastest configuration (lowest measured time per output token) is not the most frugal one.</p>`
      + figure(await renderSvg(divergenceChart(div.points)), 'red: the fastest configuration is not the most frugal')
      + table(['scenario', 'fastest', 'most frugal', 'energy of fastest / frugal', 'TPOT fastest / frugal'], div.rows.slice(0, 30));
  // the held column only when a parameter is held: no empty column
  const anyHeld = input.model.parameters.some((p) => p.held);
  const params = table(['parameter', 'meaning', 'value', '95 % interval', 'unit', ...(anyHeld ? ['held'] : [])], input.model.parameters.map((p) => [
    escapeHtml(p.name), escapeHtml(p.meaning), num(p.value, 4), p.held ? '-' : escapeHtml(missingIntervalText(p) ?? `${num(p.low)} to ${num(p.high)}`), escapeHtml(p.unit),
    ...(anyHeld ? [p.held ? escapeHtml(p.reason ?? 'not fitted') : '-'] : []),
  ]));
  const body = [
    `<h1>${escapeHtml(input.title)}</h1>`,
    `<p>${input.records.length} records; methods: ${input.evaluation.methods.map((m) => escapeHtml(m.label)).join(', ')}; scenarios by ${escapeHtml(keys.join(', '))}.</p>`,
    ...(input.summary?.length ? [`<pre>${escapeHtml(input.summary.join('\n'))}</pre>`] : []),
    ...charts,
    '<h2>Per-scenario rankings</h2>', rankingTables(input, size, parity, keys),
    '<h2>Where the fastest and the most frugal configurations diverge</h2>', divergenceHtml,
    '<h2>The fitted closed form</h2>', `<p>Structure "${escapeHtml(input.model.structure.name)}": ${escapeHtml(input.model.structure.description)}</p>`, `<p>Fitted on ${input.model.training.records} records (${input.model.training.latencyRows} with time per output token). Residual sd of log energy ${num(input.model.residualSd.energy)}: a typical record lies within a factor ${num(Math.exp(input.model.residualSd.energy))} of its prediction.</p>`,
    `<pre>${escapeHtml(structureFormula(input.model.structure).text)}</pre>`, stacksHtml(input.model, input.records), discoveredTermsHtml(input.model, input.records), '<h3>Parameters</h3>', params,
    '<h2>Metrics per protocol</h2>', protocolTables(input.evaluation),
    `<p class="note">Medians over seeds. MAPE of energy per output token; R² of log energy; pairwise ranking, Top-1 and regret within scenarios (ties count as misordered). Generated by energylens in ${input.evaluation.seconds.toFixed(0)} s of evaluation.</p>`,
  ];
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title><style>${STYLE}</style></head><body>\n${body.join('\n')}\n</body></html>\n`;
}
