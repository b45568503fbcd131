/**
 * The energy page: profiling records (dropped, chosen, or the bundled simulator sample), validated with the CLI's
 * checks and messages (file, line, row, column); `energylens fit` in a Web Worker (energy-fit.ts): the structure
 * chosen as the CLI chooses it (physics, a bounded discovery, loaded structure files, by cross-validation) and
 * shown with every candidate's scores and the discovered terms in plain words, the parameter table with units and
 * 95 % intervals, and the model file to download (the CLI's format: `energylens predict --model` reads it). A model
 * file can be loaded instead of fitting, or used as a base (`energylens fit --base`: the bundled ML.ENERGY v3 model or a
 * loaded one; the records set their series' effects under it). Then the configuration picker of `energylens select`: TP x PP (x EP) x
 * batch ranked by predicted energy per token, the most frugal and the fastest marked, the trade-off plotted.
 */
import { builtinCatalog, catalogCheck } from '../../src/energy/catalog/index.js';
import { formatProblem, scanRecordsText, type ProfilingRecord } from '../../src/energy/records/index.js';
import {
  calibratedSeriesText, effectText, energyModelText, ENERGY_MODEL_FORMAT, missingIntervalText, parseStructure, residualTreesLines, selectConfigurations, seriesLines, STRUCTURE_FORMAT, validateEnergyModel,
  type Candidate, type EnergyModel, type Structure,
} from '../../src/energy/model/index.js';
import { DEFAULT_AUTO_SECONDS, fittedDiscoveredTerms } from '../../src/energy/model/discovery/index.js';
import { EnergyLensError } from '../../src/errors.js';
import { parseJsonText } from '../../src/util/read-text.js';
import sampleCsv from '../../examples/llama8b-h100-sweep.csv?raw';
import bundledBaseText from '../../models/mlenergy-v3.json?raw';
import { startEnergyFit, type RunningFit } from './energy-fit.js';
import type { EnergyFitJob, TextFile } from './energy-fit-protocol.js';
import { structurePanel, structurePanelHtml } from './energy-structure.js';
import { loadKernel } from './kernel.js';
import { esc, scatterSvg } from './plot.js';
import { $, errorLine, workbench } from './ui.js';

const SAMPLE_NAME = 'llama8b-h100-sweep.csv';
/** the base model the package ships (npm run build:base-model), as `fit --base models/mlenergy-v3.json` */
const BUNDLED_BASE: TextFile = { name: 'models/mlenergy-v3.json', text: bundledBaseText };
/** the problems listed on the page (all are counted), as `energylens validate` lists them */
const MAX_PROBLEMS = 200;
/** configurations listed in the table (the plot shows every one) */
const SHOWN = 15;
/** `fit`'s default folds (its time budget is the package's DEFAULT_AUTO_SECONDS) */
const DEFAULT_FOLDS = 5;

let current: TextFile = { name: SAMPLE_NAME, text: sampleCsv };
/** structure files loaded (validated), the CLI's --candidates */
const structures: TextFile[] = [];
/** model files loaded (validated): each can be the base of a fit (--base) */
const models: TextFile[] = [];
let model: EnergyModel | undefined;
let running: RunningFit | undefined;

export function energyPageHtml(): string {
  const catalog = builtinCatalog();
  const models = catalog.models.map((m) => m.name).sort();
  const hardware = catalog.hardware.map((h) => h.name).sort();
  const option = (v: string, chosen: string): string => `<option${v === chosen ? ' selected' : ''}>${esc(v)}</option>`;
  return `
<section id="energy-page" class="page">
  <div class="panel controls">
    <h2>Records</h2>
    <label>Bundled simulator sample <button id="en-sample">${SAMPLE_NAME}</button></label>
    <label class="file">or a records CSV (or drop one on the page) <input id="en-file" type="file" accept=".csv,text/csv"></label>
    <p id="en-source" class="note"></p>
    <h2>Fit</h2>
    <label class="file">Structure files (energylens discover --out) or a model file (energylens fit) <input id="en-json" type="file" accept=".json,application/json" multiple></label>
    <p id="en-loaded" class="note"></p>
    <label>Base model (fit --base) <select id="en-base"><option value="">none: fit from the records</option><option value="${esc(BUNDLED_BASE.name)}">${esc(BUNDLED_BASE.name)}: ML.ENERGY v3, bundled</option></select></label>
    <label>Structure <select id="en-structure-mode"><option value="auto">auto: chosen by cross-validation</option><option value="physics">physics</option></select></label>
    <label class="check"><input id="en-discovery" type="checkbox" checked> discovery of corrections</label>
    <div class="row">
      <label>Evaluations <input id="en-evals" type="number" min="1" placeholder="none: time"></label>
      <label>Time (s) <input id="en-time" type="number" min="0" step="any" placeholder="${DEFAULT_AUTO_SECONDS}"></label>
    </div>
    <div class="row">
      <label>Folds <input id="en-folds" type="number" min="2" value="${DEFAULT_FOLDS}"></label>
      <label>Seed <input id="en-seed" type="number" min="0" value="0"></label>
    </div>
    <div class="buttons"><button id="en-validate">Validate</button><button id="en-fit" class="primary">Fit</button><button id="en-stop" disabled>Stop</button></div>
    <p id="en-status" class="status"></p>
    <p id="en-progress" class="note"></p>
    <p id="en-error" class="error" hidden></p>
    <pre id="en-problems" hidden></pre>
    <h2>Configuration picker</h2>
    <label>Model <select id="en-llm">${models.map((m) => option(m, 'meta-llama/Llama-3.1-8B-Instruct')).join('')}</select></label>
    <label>GPU <select id="en-hw">${hardware.map((h) => option(h, 'H100-SXM5-80GB')).join('')}</select></label>
    <div class="row">
      <label>Prompt tokens <input id="en-input" type="number" min="0" value="512"></label>
      <label>Output tokens <input id="en-output" type="number" min="1" value="256"></label>
    </div>
    <div class="row">
      <label>Max GPUs <input id="en-maxgpus" type="number" min="1" value="8"></label>
      <label>SLO TPOT (ms) <input id="en-slo" type="number" min="0" step="any" placeholder="none"></label>
    </div>
    <div class="buttons"><button id="en-select" disabled>Rank configurations</button></div>
  </div>
  <div class="panel results">
    ${structurePanelHtml()}
    <p id="en-model-hint" class="note">No model yet: press Fit to fit one to the records, or load a model file (energylens fit) under Fit; its structure, parameters and model file show here.</p>
    <h2>Fitted model <span id="en-model-source" class="note"></span></h2>
    <table id="en-params" hidden><thead><tr><th>parameter</th><th>value</th><th>unit</th><th>95 % interval</th><th>meaning</th></tr></thead><tbody></tbody></table>
    <pre id="en-series" class="note"></pre>
    <p id="en-warnings" class="note"></p>
    <div class="buttons"><button id="en-download" disabled>Download the model file</button></div>
  </div>
  <div class="panel results">
    <h2>Configurations <span class="note">(ranked by predicted energy per output token)</span></h2>
    <p id="en-summary" class="status"></p>
    <div id="en-tradeoff" class="plot-box"></div>
    <p id="en-ranking-hint" class="note">The configurations of the model and GPU picked on the left are ranked here once there is a model (fitted or loaded).</p>
    <table id="en-ranking" hidden><thead><tr><th>rank</th><th>TP</th><th>PP</th><th>EP</th><th>batch</th><th>J / token (95 %)</th><th>TPOT ms</th><th></th></tr></thead><tbody></tbody></table>
  </div>
</section>`;
}

const sig = (v: number, d = 4): string => (Number.isFinite(v) ? Number(v.toPrecision(d)).toString() : String(v));
const label = (c: Candidate): string => `TP${c.tp} PP${c.pp}${c.ep > 1 ? ` EP${c.ep}` : ''} batch ${c.batch}`;

function fail(err: unknown, file = current.name): void {
  const line = errorLine(err, file);
  $('#en-error').textContent = line;
  $('#en-error').hidden = false;
  workbench().energy.error = line;
}

/** `energylens validate` on the page: every problem with its file, line, row and column. */
async function validate(): Promise<boolean> {
  $('#en-error').hidden = true;
  const report = await scanRecordsText(current.name, current.text, undefined, { check: catalogCheck(builtinCatalog()), maxProblems: MAX_PROBLEMS });
  const lines = report.problems.map(formatProblem);
  if (report.truncated) lines.push(`... and ${report.problemCount - report.problems.length} more`);
  workbench().energy.validation = { ok: report.ok, rows: report.rows, problems: lines };
  workbench().energy.file = current.name;
  $('#en-problems').textContent = lines.join('\n');
  $('#en-problems').hidden = lines.length === 0;
  $('#en-status').textContent = report.ok
    ? `${current.name}: OK, ${report.rows} record${report.rows === 1 ? '' : 's'}`
    : `${current.name}: ${report.problemCount} problem${report.problemCount === 1 ? '' : 's'} in ${report.rows} data rows (${report.validRows} valid)`;
  return report.ok;
}

/** The page's fields as `fit`'s flags; a bad field is one coded line naming it. */
function fitJob(): EnergyFitJob {
  const int = (id: string, flag: string, min: number): number | undefined => {
    const v = $<HTMLInputElement>(id).value.trim();
    if (v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new EnergyLensError('INVALID_OPTION', `${flag} must be an integer >= ${min}, got ${v}`);
    return n;
  };
  const time = $<HTMLInputElement>('#en-time').value.trim();
  if (time !== '' && !(Number(time) > 0)) throw new EnergyLensError('INVALID_OPTION', `--time must be a positive number of seconds, got ${time}`);
  const baseName = $<HTMLSelectElement>('#en-base').value;
  const base = baseName === '' ? undefined : [BUNDLED_BASE, ...models].find((m) => m.name === baseName);
  return {
    ...(base ? { base } : {}),
    records: current, structures: [...structures], structure: $<HTMLSelectElement>('#en-structure-mode').value,
    discovery: $<HTMLInputElement>('#en-discovery').checked, evals: int('#en-evals', '--evals', 1),
    timeSeconds: time === '' ? undefined : Number(time), folds: int('#en-folds', '--folds', 2) ?? DEFAULT_FOLDS, seed: int('#en-seed', '--seed', 0) ?? 0,
  };
}

function setBusy(busy: boolean): void {
  workbench().energy.busy = busy;
  $<HTMLButtonElement>('#en-fit').disabled = busy;
  $<HTMLButtonElement>('#en-stop').disabled = !busy;
}

/** `energylens fit` in a worker: the page stays responsive, shows its progress, and Stop ends it. */
async function fit(): Promise<void> {
  if (running) return;
  const state = workbench().energy;
  try {
    const job = fitJob();
    if (!(await validate())) throw new EnergyLensError('INVALID_RECORD', `${current.name}: fix the problems listed before fitting`);
    const module = await loadKernel();
    Object.assign(state, { stopped: false, error: null, progress: [] });
    setBusy(true);
    $('#en-progress').textContent = 'starting the fit worker';
    running = startEnergyFit(module, job, (text) => {
      state.progress.push(text);
      $('#en-progress').textContent = text;
    });
    const result = await running.result;
    $('#en-progress').textContent = '';
    $('#en-status').textContent = job.base && result.calibrated
      ? `calibrated ${job.base.name} (structure "${result.model.structure.name}") with the records of ${job.records.name}: its shared parameters and spreads are kept; `
        + result.calibrated.map(calibratedSeriesText).join('; ')
      : `fitted on ${result.model.training.records} records (${result.model.training.latencyRows} with time per output token) in ${result.seconds.toFixed(1)} s, structure choice included`;
    $('#en-warnings').textContent = result.warnings.map((w) => `warning: ${w}`).join(' ');
    state.warnings = result.warnings;
    state.calibrated = result.calibrated ?? null;
    const fitted: ProfilingRecord[] = [];
    await scanRecordsText(job.records.name, job.records.text, (r) => { fitted.push(r); });
    show(result.model, job.base ? `${job.base.name} calibrated on this page` : 'fitted on this page', result.discovered, result.discoveryNote, fitted);
  } catch (err) {
    if ((err as { code?: string }).code === 'STOPPED') {
      state.stopped = true;
      $('#en-progress').textContent = '';
      $('#en-status').textContent = 'stopped: nothing was fitted';
    } else {
      fail(err);
    }
  } finally {
    running = undefined;
    setBusy(false);
    state.fitsEnded++;
  }
}

/** A model (fitted here, or a loaded model file) on the page: its structure, parameters, and the ranking. */
function show(m: EnergyModel, source: string, discovered: Structure | null, discoveryNote: string | null, records?: readonly ProfilingRecord[]): void {
  model = m;
  const panel = structurePanel(m, discovered, discoveryNote, records);
  $('#en-structure').textContent = panel.structure;
  $('#en-reason').textContent = panel.reason;
  $('#en-candidates tbody').innerHTML = panel.candidates;
  $('#en-candidates').hidden = panel.candidates === '';
  $('#en-discovered').innerHTML = panel.discovered;
  $('#en-model-source').textContent = `(${source})`;
  // before the first model a hint stands where the tables will be (no table of empty headers)
  $('#en-model-hint').hidden = true;
  $('#en-params').hidden = false;
  $('#en-series').textContent = [...seriesLines(m), ...residualTreesLines(m)].join('\n');
  $('#en-params tbody').innerHTML = m.parameters.map((p) => `<tr class="${p.held ? 'held' : ''}"><td>${esc(p.name)}</td><td>${sig(p.value)}</td><td>${esc(p.unit)}</td>`
    + `<td>${p.held ? `held: ${esc(p.reason ?? 'not fitted')}` : esc(missingIntervalText(p) ?? `${sig(p.low, 3)} to ${sig(p.high, 3)}`)}</td><td class="meaning">${esc(p.meaning)}</td></tr>`).join('');
  Object.assign(workbench().energy, {
    source, structure: m.structure.name, selection: m.selection ?? null, discovered: discovered?.name ?? null, discoveryNote,
    discoveredTerms: fittedDiscoveredTerms(m).map((t) => ({ parameter: t.parameter, fitted: t.fitted, effect: t.effect })),
    parameters: m.parameters.map((p) => ({ name: p.name, value: p.value, unit: p.unit, low: p.low, high: p.high, held: p.held })),
    seriesCount: m.series?.stats.length ?? 0,
  });
  $<HTMLButtonElement>('#en-select').disabled = false;
  $<HTMLButtonElement>('#en-download').disabled = false;
  rank();
}

/** The model file, as `energylens fit --out` writes it. */
function download(): void {
  if (!model) return;
  const url = URL.createObjectURL(new Blob([energyModelText(model)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${current.name.replace(/\.csv$/i, '')}.model.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function rank(): void {
  if (!model) return;
  $('#en-error').hidden = true;
  try {
    const num = (id: string): number | undefined => {
      const v = $<HTMLInputElement>(id).value.trim();
      return v === '' ? undefined : Number(v);
    };
    const selection = selectConfigurations(model, {
      llm: $<HTMLSelectElement>('#en-llm').value, hardware: $<HTMLSelectElement>('#en-hw').value,
      inputTokens: num('#en-input') ?? 512, outputTokens: num('#en-output') ?? 256, maxGpus: num('#en-maxgpus') ?? 8,
      sloTpotMs: num('#en-slo'), catalog: builtinCatalog(),
    });
    const { candidates, mostFrugal, fastest } = selection;
    const mark = (c: Candidate): string => [c === mostFrugal ? 'most frugal' : '', c === fastest ? 'fastest' : '', c.meetsSlo ? '' : 'misses SLO'].filter(Boolean).join(', ');
    $('#en-summary').textContent = `${candidates.length} feasible, ${selection.infeasible.length} infeasible configurations of ${selection.llm} on ${selection.hardware}`
      + (mostFrugal ? `; most frugal: ${label(mostFrugal)} (${sig(mostFrugal.energyPerTokenJ)} J/token)` : '')
      + (fastest ? `; fastest: ${label(fastest)} (${sig(fastest.tpotMs ?? NaN)} ms/token)` : '')
      + (selection.series ? `; series effect (${selection.series.series}) at the most frugal configuration: ${effectText(selection.series)}` : '');
    $('#en-ranking-hint').hidden = true;
    $('#en-ranking').hidden = false;
    const shown = candidates.slice(0, SHOWN);
    for (const c of [mostFrugal, fastest]) if (c && !shown.includes(c)) shown.push(c);
    $('#en-ranking tbody').innerHTML = shown.map((c) => `<tr class="${c === mostFrugal ? 'frugal' : c === fastest ? 'fastest' : ''}"><td>${c.rank}</td><td>${c.tp}</td><td>${c.pp}</td><td>${c.ep}</td><td>${c.batch}</td>`
      + `<td>${sig(c.energyPerTokenJ)} (${sig(c.energyPerTokenLowJ, 3)} to ${sig(c.energyPerTokenHighJ, 3)})</td><td>${c.tpotMs === null ? '-' : sig(c.tpotMs)}</td><td>${mark(c)}</td></tr>`).join('')
      + (candidates.length > shown.length ? `<tr><td colspan="8" class="note">... and ${candidates.length - shown.length} more (the plot shows every one)</td></tr>` : '');
    $('#en-tradeoff').innerHTML = selection.latencyModel
      ? scatterSvg(candidates.filter((c) => c.tpotMs !== null).map((c) => ({ x: c.tpotMs!, y: c.energyPerTokenJ, cls: c === mostFrugal ? 'frugal' : c === fastest ? 'fastest' : undefined, title: label(c) })),
        { xLabel: 'predicted time per output token (ms, log)', yLabel: 'J per output token (log)', logX: true, logY: true, width: 460 })
        + '<p class="legend"><span class="dot frugal"></span> most frugal <span class="dot fastest"></span> fastest <span class="dot"></span> other configurations</p>'
      : '<p class="note">no latency part fitted: no trade-off to plot</p>';
    Object.assign(workbench().energy, {
      ranking: candidates.map((c) => ({ tp: c.tp, pp: c.pp, ep: c.ep, batch: c.batch, energyPerTokenJ: c.energyPerTokenJ, tpotMs: c.tpotMs, rank: c.rank })),
      mostFrugal: mostFrugal ? label(mostFrugal) : null, fastest: fastest ? label(fastest) : null,
      seriesEffect: selection.series ? { series: selection.series.series, records: selection.series.records, factor: selection.series.factor } : null,
    });
  } catch (err) {
    fail(err);
  }
}

function useText(name: string, text: string): void {
  current = { name, text };
  $('#en-source').textContent = name === SAMPLE_NAME ? `${name}: 64 records made by energylens simulate (Llama-3.1-8B on H100, TP x PP x batch, 3 % noise)` : `${name}: ${text.length} bytes`;
}

/** The structure files loaded so far, and the structure choices they add. */
function showStructures(): void {
  $('#en-loaded').textContent = structures.length === 0 ? '' : `structure files: ${structures.map((s) => s.name).join(', ')} (candidates with auto)`;
  const mode = $<HTMLSelectElement>('#en-structure-mode');
  const chosen = mode.value;
  mode.innerHTML = '<option value="auto">auto: chosen by cross-validation</option><option value="physics">physics</option>'
    + structures.map((s) => `<option value="${esc(s.name)}">${esc(s.name)} (forced)</option>`).join('');
  mode.value = [...mode.options].some((o) => o.value === chosen) ? chosen : 'auto';
  workbench().energy.structureFiles = structures.map((s) => s.name);
}

/** The base models a fit can start from: the bundled one and the model files loaded so far. */
function showBases(): void {
  const select = $<HTMLSelectElement>('#en-base');
  const chosen = select.value;
  select.innerHTML = `<option value="">none: fit from the records</option><option value="${esc(BUNDLED_BASE.name)}">${esc(BUNDLED_BASE.name)}: ML.ENERGY v3, bundled</option>`
    + models.map((m) => `<option value="${esc(m.name)}">${esc(m.name)} (loaded)</option>`).join('');
  select.value = [...select.options].some((o) => o.value === chosen) ? chosen : '';
  workbench().energy.modelFiles = models.map((m) => m.name);
}

/** A structure file becomes a candidate; a model file is shown and ranked as `energylens select --model` would. */
function loadJson(name: string, text: string): void {
  const raw = parseJsonText(text, name, 'INVALID_STRUCTURE') as { format?: unknown };
  if (raw?.format === STRUCTURE_FORMAT) {
    parseStructure(text, name, builtinCatalog());
    structures.splice(0, structures.length, ...structures.filter((s) => s.name !== name), { name, text });
    showStructures();
  } else if (raw?.format === ENERGY_MODEL_FORMAT) {
    show(validateEnergyModel(raw, name), `model file ${name}`, null, null);
    models.splice(0, models.length, ...models.filter((m) => m.name !== name), { name, text });
    showBases();
    $('#en-status').textContent = `${name}: a model file (${model!.structure.name}, fitted on ${model!.training.records} records)`;
    $('#en-warnings').textContent = '';
  } else {
    throw new EnergyLensError('INVALID_STRUCTURE', `${name}: format is ${JSON.stringify(raw?.format)}; expected "${STRUCTURE_FORMAT}" (energylens discover --out) or "${ENERGY_MODEL_FORMAT}" (energylens fit --out)`);
  }
}

function loadJsonFiles(files: TextFile[]): void {
  $('#en-error').hidden = true;
  workbench().energy.error = null;
  for (const f of files) {
    try {
      loadJson(f.name, f.text);
    } catch (err) {
      fail(err, f.name);
      return;
    }
  }
}

/** A file dropped on the page (main.ts routes it here on #energy): records are validated at once, JSON is loaded. */
export function dropEnergyFile(name: string, text: string): void {
  if (/\.json$/i.test(name)) {
    loadJsonFiles([{ name, text }]);
    return;
  }
  useText(name, text);
  validate().catch(fail);
}

export function mountEnergyPage(): void {
  useText(SAMPLE_NAME, sampleCsv);
  $('#en-sample').addEventListener('click', () => { useText(SAMPLE_NAME, sampleCsv); void validate(); });
  $<HTMLInputElement>('#en-file').addEventListener('change', async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) dropEnergyFile(file.name, await file.text());
  });
  $<HTMLInputElement>('#en-json').addEventListener('change', async (e) => {
    const files = [...((e.target as HTMLInputElement).files ?? [])];
    loadJsonFiles(await Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text() }))));
  });
  $('#en-validate').addEventListener('click', () => { validate().catch(fail); });
  $('#en-fit').addEventListener('click', () => { void fit(); });
  $('#en-stop').addEventListener('click', () => { running?.stop(); });
  $('#en-select').addEventListener('click', rank);
  $('#en-download').addEventListener('click', download);
}
