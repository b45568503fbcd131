/**
 * The energy page: profiling records (dropped, chosen, or the bundled simulator sample), validated with the CLI's
 * checks and messages (file, line, row, column), the closed-form model fitted as `energylens fit` does (the
 * physics structure; the parameter table with units and 95 % intervals), and the configuration picker of
 * `energylens select`: TP x PP (x EP) x batch ranked by predicted energy per token, the most frugal and the fastest
 * marked, and the latency-energy trade-off plotted.
 */
import { builtinCatalog, catalogCheck } from '../../src/energy/catalog/index.js';
import { formatProblem, scanRecordsText, type ProfilingRecord } from '../../src/energy/records/index.js';
import { fitEnergyModel, PHYSICS_STRUCTURE, selectConfigurations, type Candidate, type EnergyModel } from '../../src/energy/model/index.js';
import sampleCsv from '../../examples/llama8b-h100-sweep.csv?raw';
import { loadKernel } from './kernel.js';
import { esc, scatterSvg } from './plot.js';
import { $, errorLine, workbench } from './ui.js';

const SAMPLE_NAME = 'llama8b-h100-sweep.csv';
/** the problems listed on the page (all are counted), as `energylens validate` lists them */
const MAX_PROBLEMS = 200;
/** configurations listed in the table (the plot shows every one) */
const SHOWN = 15;

let current: { name: string; text: string } = { name: SAMPLE_NAME, text: sampleCsv };
let records: ProfilingRecord[] = [];
let model: EnergyModel | undefined;

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
    <div class="buttons"><button id="en-validate">Validate</button><button id="en-fit" class="primary">Fit</button></div>
    <p id="en-status" class="status"></p>
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
    <h2>Fitted model <span id="en-structure" class="note"></span></h2>
    <table id="en-params"><thead><tr><th>parameter</th><th>value</th><th>unit</th><th>95 % interval</th><th>meaning</th></tr></thead><tbody></tbody></table>
  </div>
  <div class="panel results">
    <h2>Configurations <span class="note">(ranked by predicted energy per output token)</span></h2>
    <p id="en-summary" class="status"></p>
    <div id="en-tradeoff" class="plot-box"></div>
    <table id="en-ranking"><thead><tr><th>rank</th><th>TP</th><th>PP</th><th>EP</th><th>batch</th><th>J / token (95 %)</th><th>TPOT ms</th><th></th></tr></thead><tbody></tbody></table>
  </div>
</section>`;
}

const sig = (v: number, d = 4): string => (Number.isFinite(v) ? Number(v.toPrecision(d)).toString() : String(v));
const label = (c: Candidate): string => `TP${c.tp} PP${c.pp}${c.ep > 1 ? ` EP${c.ep}` : ''} batch ${c.batch}`;

function fail(err: unknown): void {
  const line = errorLine(err, current.name);
  $('#en-error').textContent = line;
  $('#en-error').hidden = false;
  workbench().energy.error = line;
}

/** `energylens validate` on the page: every problem with its file, line, row and column. */
async function validate(): Promise<boolean> {
  $('#en-error').hidden = true;
  const found: ProfilingRecord[] = [];
  const report = await scanRecordsText(current.name, current.text, (r) => { found.push(r); }, { check: catalogCheck(builtinCatalog()), maxProblems: MAX_PROBLEMS });
  const lines = report.problems.map(formatProblem);
  if (report.truncated) lines.push(`... and ${report.problemCount - report.problems.length} more`);
  workbench().energy.validation = { ok: report.ok, rows: report.rows, problems: lines };
  workbench().energy.file = current.name;
  $('#en-problems').textContent = lines.join('\n');
  $('#en-problems').hidden = lines.length === 0;
  $('#en-status').textContent = report.ok
    ? `${current.name}: OK, ${report.rows} record${report.rows === 1 ? '' : 's'}`
    : `${current.name}: ${report.problemCount} problem${report.problemCount === 1 ? '' : 's'} in ${report.rows} data rows (${report.validRows} valid)`;
  records = report.ok ? found : [];
  return report.ok;
}

async function fit(): Promise<void> {
  try {
    if (!(await validate())) throw Object.assign(new Error(`${current.name}: fix the problems listed before fitting`), { code: 'INVALID_RECORD' });
    await loadKernel();
    $('#en-status').textContent = 'fitting...';
    await new Promise((r) => setTimeout(r, 0));
    const started = performance.now();
    model = fitEnergyModel(records, {
      catalog: builtinCatalog(), seed: 0, file: current.name, structure: PHYSICS_STRUCTURE,
      selection: {
        mode: 'auto', chosen: PHYSICS_STRUCTURE.name, folds: 0, seed: 0, reason: 'no other candidate structure: physics, without cross-validation',
        candidates: [{ name: 'physics', source: 'built-in', freeParameters: PHYSICS_STRUCTURE.parameters.length, cvRmsLog: null, cvMape: null }],
      },
    });
    $('#en-status').textContent = `fitted on ${model.training.records} records (${model.training.latencyRows} with time per output token) in ${((performance.now() - started) / 1000).toFixed(2)} s`;
    $('#en-structure').textContent = `structure: ${model.structure.name} (${model.selection?.reason ?? 'physics'})`;
    $('#en-params tbody').innerHTML = model.parameters.map((p) => `<tr class="${p.held ? 'held' : ''}"><td>${esc(p.name)}</td><td>${sig(p.value)}</td><td>${esc(p.unit)}</td>`
      + `<td>${p.held ? `held: ${esc(p.reason ?? 'not fitted')}` : `${sig(p.low, 3)} to ${sig(p.high, 3)}`}</td><td class="meaning">${esc(p.meaning)}</td></tr>`).join('');
    workbench().energy.parameters = model.parameters.map((p) => ({ name: p.name, value: p.value, unit: p.unit, low: p.low, high: p.high, held: p.held }));
    $<HTMLButtonElement>('#en-select').disabled = false;
    rank();
  } catch (err) {
    fail(err);
  }
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
      + (fastest ? `; fastest: ${label(fastest)} (${sig(fastest.tpotMs ?? NaN)} ms/token)` : '');
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
    });
  } catch (err) {
    fail(err);
  }
}

function useText(name: string, text: string): void {
  current = { name, text };
  records = [];
  $('#en-source').textContent = name === SAMPLE_NAME ? `${name}: 64 records made by energylens simulate (Llama-3.1-8B on H100, TP x PP x batch, 3 % noise)` : `${name}: ${text.length} bytes`;
}

/** A records CSV dropped on the page (main.ts routes it here on #energy): validated at once. */
export function dropEnergyFile(name: string, text: string): void {
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
  $('#en-validate').addEventListener('click', () => { validate().catch(fail); });
  $('#en-fit').addEventListener('click', () => { void fit(); });
  $('#en-select').addEventListener('click', rank);
}
