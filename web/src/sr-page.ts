/**
 * The symbolic-regression page: a CSV (dropped, chosen, or a bundled example), target and features, operators and
 * budget; the search runs in Web Workers (WebWorkerRunner) through the engine's own SymbolicRegressor, so a seed
 * and an evaluation budget give the CLI's front. The front is drawn every cycle; the selected expression is shown
 * in LaTeX with its parity plot; stop, resume and the CLI's exports.
 */
import katex from 'katex';
import {
  SymbolicRegressor, compile, createWasmEvaluator, datasetFromRows, decompile, DEFAULT_OPTIONS, EXPORT_FORMATS, exportExpression,
  paretoFront, parseUnitAssignments, presentFront, resolveOptions, resumeSearch, selectModel, toInfix,
  type Equation, type ExportFormat, type SearchOptions, type SearchProgress, type SearchResult,
} from '../../src/sr/index.js';
import type { SerializedMember } from '../../src/sr/runtime.js';
import { numericColumnsOfText, parseNumericCsv } from '../../src/util/csv-table.js';
import { stopText } from '../../src/cli/sr-output.js';
import kineticCsv from '../examples/kinetic-energy.csv?raw';
import idealGasCsv from '../examples/ideal-gas.csv?raw';
import { loadKernel } from './kernel.js';
import { WebWorkerRunner } from './web-worker-runner.js';
import { esc, scatterSvg } from './plot.js';
import { errorLine, $, workbench } from './ui.js';

/** the bundled examples, each with its law and its columns' units (the Units field's text) */
export const SR_EXAMPLES: Record<string, { csv: string; target: string; law: string; units: string }> = {
  'kinetic-energy.csv': { csv: kineticCsv, target: 'energy_j', law: 'energy_j = 0.5 m_kg v_ms^2 (h_m is a distractor)', units: 'm_kg=kg, v_ms=m/s, h_m=m, energy_j=J' },
  'ideal-gas.csv': { csv: idealGasCsv, target: 'p_pa', law: 'p_pa = 8.314 n_mol t_k / v_m3', units: 'n_mol=mol, t_k=K, v_m3=m^3, p_pa=Pa' },
};

interface Loaded { name: string; text: string; header: string[]; numeric: string[] }

let loaded: Loaded | undefined;
let controller: AbortController | undefined;
let runner: WebWorkerRunner | undefined;
/** the last search's state and inputs, for resume and exports */
let last: { result: SearchResult; options: SearchOptions; X: number[][]; y: number[]; featureNames: string[]; front: Equation[]; selected: number } | undefined;

export function srPageHtml(): string {
  const examples = Object.keys(SR_EXAMPLES).map((n) => `<option value="${n}">${n}</option>`).join('');
  return `
<section id="sr-page" class="page">
  <div class="panel controls">
    <h2>Data</h2>
    <label>Bundled example <select id="sr-example">${examples}</select></label>
    <label class="file">or a CSV file (or drop one on the page) <input id="sr-file" type="file" accept=".csv,text/csv"></label>
    <p id="sr-law" class="note"></p>
    <label>Target <select id="sr-target"></select></label>
    <fieldset><legend>Features</legend><div id="sr-features"></div></fieldset>
    <label>Units <span class="note">(optional; dimensionally inconsistent expressions are penalised)</span>
      <input id="sr-units" placeholder="m=kg, v=m/s, E=J"></label>
    <h2>Search</h2>
    <label>Operators <input id="sr-operators" value="${DEFAULT_OPTIONS.operators.join(',')}"></label>
    <div class="row">
      <label>Evaluations <input id="sr-evals" type="number" min="1" value="200000"></label>
      <label>Time (s) <input id="sr-time" type="number" min="0" step="any" placeholder="none"></label>
    </div>
    <div class="row">
      <label>Islands <input id="sr-islands" type="number" min="1" value="${DEFAULT_OPTIONS.populations}"></label>
      <label>Max size <input id="sr-maxsize" type="number" min="3" value="${DEFAULT_OPTIONS.maxSize}"></label>
      <label>Seed <input id="sr-seed" type="number" min="0" value="0"></label>
    </div>
    <div class="buttons">
      <button id="sr-start" class="primary">Start</button>
      <button id="sr-stop" disabled>Stop</button>
      <button id="sr-resume" disabled>Resume</button>
    </div>
    <p id="sr-status" class="status">Ready.</p>
    <p id="sr-error" class="error" hidden></p>
  </div>
  <div class="panel results">
    <h2>Pareto front <span class="note">(complexity against loss, updated every cycle)</span></h2>
    <div id="sr-front-plot" class="plot-box"></div>
    <table id="sr-front" class="front"><thead></thead><tbody></tbody></table>
  </div>
  <div class="panel results">
    <h2>Selected expression</h2>
    <div id="sr-latex" class="latex"></div>
    <div id="sr-parity" class="plot-box"></div>
    <div class="row">
      <label>Export <select id="sr-export-format">${EXPORT_FORMATS.map((f) => `<option>${f}</option>`).join('')}</select></label>
      <button id="sr-export" disabled>Export</button>
      <a id="sr-download" hidden>download</a>
    </div>
    <pre id="sr-export-out"></pre>
  </div>
</section>`;
}

function loadText(name: string, text: string): void {
  const { header, numeric } = numericColumnsOfText(name, text);
  loaded = { name, text, header, numeric };
  const example = SR_EXAMPLES[name];
  $('#sr-law').textContent = example ? `known law: ${example.law}` : '';
  $<HTMLInputElement>('#sr-units').value = example?.units ?? '';
  const target = example?.target ?? numeric[numeric.length - 1] ?? header[header.length - 1];
  $<HTMLSelectElement>('#sr-target').innerHTML = header.map((h) => `<option${h === target ? ' selected' : ''}>${esc(h)}</option>`).join('');
  renderFeatures();
}

function renderFeatures(): void {
  if (!loaded) return;
  const target = $<HTMLSelectElement>('#sr-target').value;
  $('#sr-features').innerHTML = loaded.header.filter((h) => h !== target).map((h) =>
    `<label class="check"><input type="checkbox" value="${esc(h)}"${loaded!.numeric.includes(h) ? ' checked' : ''}> ${esc(h)}</label>`).join('');
}

/**
 * The Units field as the units option, for the chosen features and target (null when empty). A name that is no
 * column of the file is refused; a column that is not chosen is left out, so unticking a feature needs no edit here.
 */
function formUnits(target: string, features: readonly string[]): SearchOptions['units'] {
  const text = $<HTMLInputElement>('#sr-units').value;
  if (text.trim() === '') return null;
  const units = parseUnitAssignments(text, target, 'Units');
  const named = units.features as Record<string, string>;
  const unknown = Object.keys(named).filter((n) => !loaded!.header.includes(n));
  if (unknown.length > 0) throw new Error(`Units: "${unknown[0]}" is not a column of ${loaded!.name} (columns: ${loaded!.header.join(', ')})`);
  return { ...units, features: Object.fromEntries(Object.entries(named).filter(([n]) => features.includes(n))) };
}

/**
 * The form as search options, checked by the engine's own validator (its messages name the field). An evaluation
 * budget is strict, as the CLI's --evals: with a seed, the front is `energylens sr --seed S --evals N`'s.
 */
function formOptions(target: string, features: readonly string[]): Partial<SearchOptions> {
  const num = (id: string): number | null => {
    const v = $<HTMLInputElement>(id).value.trim();
    return v === '' ? null : Number(v);
  };
  const evals = num('#sr-evals');
  const time = num('#sr-time');
  const options: Partial<SearchOptions> = {
    operators: $<HTMLInputElement>('#sr-operators').value.split(',').map((s) => s.trim()).filter(Boolean),
    maxSize: num('#sr-maxsize') ?? DEFAULT_OPTIONS.maxSize, populations: num('#sr-islands') ?? DEFAULT_OPTIONS.populations,
    seed: num('#sr-seed') ?? 0, maxEvaluations: evals, strictEvaluationBudget: evals !== null, maxTime: time || null, stopOnExact: true, units: formUnits(target, features),
  };
  if (evals === null && !time) options.maxTime = 60;
  resolveOptions(options);
  return options;
}

function status(text: string): void {
  $('#sr-status').textContent = text;
}

function showProgress(p: SearchProgress, startedMs: number): void {
  const state = workbench().sr;
  if (p.front.length > 0 && state.firstExpressionMs === null) state.firstExpressionMs = performance.now() - startedMs;
  state.cycles += 1;
  state.liveFront = p.front.map((m) => ({ complexity: m.complexity, loss: m.loss, expression: toInfix(m.tree, state.featureNames) }));
  status(`cycle ${state.cycles}: ${p.evaluations} evaluations, ${p.generations} generations, best loss ${p.bestLoss.toExponential(3)}, ${p.seconds.toFixed(1)} s`);
  renderFront(state.liveFront.map((m) => ({ ...m, r2: null })), -1);
}

/**
 * Before the first cycle ends: the front of the islands that have finished it, drawn as each one answers (the
 * search's own front, drawn every cycle, replaces it).
 */
function showIslandFront(members: readonly SerializedMember[], startedMs: number): void {
  const state = workbench().sr;
  if (state.cycles > 0 || members.length === 0) return;
  if (state.firstExpressionMs === null) state.firstExpressionMs = performance.now() - startedMs;
  const front = paretoFront(members).map((m) => {
    const code = Int32Array.from(m.code);
    const tree = decompile({ code, consts: Float64Array.from(m.consts), length: code.length / 2, maxStack: 0, nFeaturesUsed: 0 });
    return { complexity: m.complexity, loss: m.loss, r2: null, expression: toInfix(tree, state.featureNames) };
  });
  status(`first cycle: ${front.length} expressions from the islands done so far`);
  renderFront(front, -1);
}

type ShownRow = { complexity: number; loss: number; r2: number | null; expression: string; dimensionallyConsistent?: boolean };

function renderFront(front: readonly ShownRow[], selected: number): void {
  // with units, a column says which rows are dimensionally consistent (as the CLI's table does)
  const units = front.some((m) => m.dimensionallyConsistent !== undefined);
  $('#sr-front thead').innerHTML = `<tr><th>complexity</th><th>loss</th><th>R²</th>${units ? '<th>units</th>' : ''}<th>expression</th></tr>`;
  $('#sr-front-plot').innerHTML = scatterSvg(front.map((m, i) => ({ x: m.complexity, y: Math.max(m.loss, 1e-300), cls: i === selected ? 'selected' : undefined, title: m.expression })),
    { xLabel: 'complexity', yLabel: 'loss (log)', logY: true, steps: true });
  $('#sr-front tbody').innerHTML = front.map((m, i) =>
    `<tr data-i="${i}" class="${i === selected ? 'selected' : ''}"><td>${m.complexity}</td><td>${m.loss.toExponential(3)}</td><td>${m.r2 === null ? '' : (Math.abs(m.r2) < 5e-7 ? 0 : m.r2).toFixed(6)}</td>${units ? `<td>${m.dimensionallyConsistent === undefined ? '' : m.dimensionallyConsistent ? 'ok' : 'MISMATCH'}</td>` : ''}<td class="expr">${esc(m.expression)}</td></tr>`).join('');
}

function select(i: number): void {
  if (!last || !last.front[i]) return;
  last.selected = i;
  const eq = last.front[i];
  renderFront(last.front, i);
  katex.render(eq.latex, $('#sr-latex'), { throwOnError: false, displayMode: true });
  const ev = createWasmEvaluator();
  let predicted: Float64Array;
  try {
    ev.setDataset(datasetFromRows(last.X, last.y, { featureNames: last.featureNames }));
    predicted = ev.predict(compile(eq.tree));
  } finally {
    ev.dispose();
  }
  $('#sr-parity').innerHTML = scatterSvg(last.y.map((y, r) => ({ x: y, y: predicted[r] })), { xLabel: `measured ${workbench().sr.target}`, yLabel: 'predicted', diagonal: true });
  $<HTMLButtonElement>('#sr-export').disabled = false;
  workbench().sr.selected = { complexity: eq.complexity, expression: eq.expression, loss: eq.loss };
}

function finish(result: SearchResult, options: SearchOptions, X: number[][], y: number[], featureNames: string[], front: Equation[]): void {
  const best = selectModel(front);
  last = { result, options, X, y, featureNames, front, selected: best ? front.indexOf(best) : -1 };
  const state = workbench().sr;
  state.front = front.map((e) => ({ complexity: e.complexity, loss: e.loss, r2: e.r2, expression: e.expression, dimensionallyConsistent: e.dimensionallyConsistent }));
  state.stoppedBy = result.stoppedBy;
  state.evaluations = result.evaluations;
  status(`stopped by ${stopText(result.stoppedBy)} after ${result.evaluations} evaluations, ${result.generations} generations, ${result.seconds.toFixed(1)} s (seed ${result.seed})`);
  renderFront(front, last.selected);
  if (last.selected >= 0) select(last.selected);
  state.running = false;
}

function setRunning(running: boolean): void {
  $<HTMLButtonElement>('#sr-start').disabled = running;
  $<HTMLButtonElement>('#sr-stop').disabled = !running;
  $<HTMLButtonElement>('#sr-resume').disabled = running || !last || last.result.stoppedBy !== 'aborted';
  workbench().sr.running = running;
}

async function start(resume: boolean): Promise<void> {
  $('#sr-error').hidden = true;
  const state = workbench().sr;
  state.error = null;
  try {
    if (!loaded) throw new Error('load a CSV or pick an example first');
    const target = $<HTMLSelectElement>('#sr-target').value;
    const features = [...document.querySelectorAll<HTMLInputElement>('#sr-features input:checked')].map((c) => c.value);
    if (features.length === 0) throw new Error('choose at least one feature');
    const search = formOptions(target, features);
    const table = parseNumericCsv(loaded.name, loaded.text, () => [...features, target]);
    const X = table.rows.map((r) => r.slice(0, features.length));
    const y = table.rows.map((r) => r[features.length]);
    const module = await loadKernel();
    runner ??= new WebWorkerRunner({ module });
    controller = new AbortController();
    Object.assign(state, { target, featureNames: features, firstExpressionMs: null, islandResultsMs: [], cycles: 0, liveFront: [], front: [], selected: null, stoppedBy: null });
    setRunning(true);
    const startedMs = performance.now();
    state.startedAt = startedMs;
    const onProgress = (p: SearchProgress): void => showProgress(p, startedMs);
    const firstMembers: SerializedMember[] = [];
    runner.onIslandResult = (r) => {
      state.islandResultsMs.push(Math.round(performance.now() - startedMs));
      firstMembers.push(...r.hallOfFame);
      showIslandFront(firstMembers, startedMs);
    };
    if (resume && last) {
      const options = resolveOptions(search);
      const data = datasetFromRows(last.X, last.y, { featureNames: last.featureNames });
      const result = await resumeSearch(data, last.result.state, options, { runner, signal: controller.signal, onProgress });
      const ev = createWasmEvaluator();
      let front: Equation[];
      try { front = presentFront(result.front.map((m) => m.tree), data, result.options, last.featureNames, ev); } finally { ev.dispose(); }
      finish(result, result.options, last.X, last.y, last.featureNames, front);
    } else {
      const model = new SymbolicRegressor({ ...search, runner, signal: controller.signal, onProgress });
      await model.fit(X, y, { featureNames: features });
      finish(model.result!, model.result!.options, X, y, features, model.equations());
    }
  } catch (err) {
    $('#sr-error').textContent = errorLine(err, loaded?.name);
    $('#sr-error').hidden = false;
    state.error = $('#sr-error').textContent;
  } finally {
    setRunning(false);
  }
}

function exportSelected(): void {
  if (!last || last.selected < 0) return;
  const format = $<HTMLSelectElement>('#sr-export-format').value as ExportFormat;
  const text = exportExpression(last.front[last.selected].tree, format, last.featureNames);
  $('#sr-export-out').textContent = text;
  const a = $<HTMLAnchorElement>('#sr-download');
  a.href = URL.createObjectURL(new Blob([`${text}\n`], { type: 'text/plain' }));
  a.download = `expression.${format === 'sympy' ? 'py' : format === 'latex' ? 'tex' : format === 'js' ? 'js' : 'json'}`;
  a.hidden = false;
  workbench().sr.exported = text;
}

/** A CSV dropped on the page (main.ts routes it here on #sr). */
export function dropSrFile(name: string, text: string): void {
  try {
    loadText(name, text);
    $('#sr-error').hidden = true;
  } catch (err) {
    $('#sr-error').textContent = errorLine(err, name);
    $('#sr-error').hidden = false;
  }
}

export function mountSrPage(): void {
  const example = $<HTMLSelectElement>('#sr-example');
  const pickExample = (): void => loadText(example.value, SR_EXAMPLES[example.value].csv);
  example.addEventListener('change', pickExample);
  $<HTMLInputElement>('#sr-file').addEventListener('change', async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) dropSrFile(file.name, await file.text());
  });
  $('#sr-target').addEventListener('change', renderFeatures);
  $('#sr-start').addEventListener('click', () => { void start(false); });
  $('#sr-resume').addEventListener('click', () => { void start(true); });
  $('#sr-stop').addEventListener('click', () => { controller?.abort(); status('stopping after the current cycle...'); });
  $('#sr-export').addEventListener('click', exportSelected);
  $('#sr-front').addEventListener('click', (e) => {
    const row = (e.target as HTMLElement).closest('tr[data-i]');
    if (row && last && !workbench().sr.running) select(Number((row as HTMLElement).dataset.i));
  });
  pickExample();
  // the island workers load (and parse their bundle) while the person looks at the page, not after Start
  void loadKernel().then((module) => {
    runner ??= new WebWorkerRunner({ module });
    runner.prestart(Math.min(navigator.hardwareConcurrency || 2, DEFAULT_OPTIONS.populations));
    workbench().sr.workersStarted = true;
  }, (err: unknown) => { workbench().sr.error = errorLine(err); });
}
