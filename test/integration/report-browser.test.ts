// The HTML report as a person sees it, in headless Chromium (Debian's `chromium`; skipped with a message where it
// is not installed): no clipped text (a box narrower than its content, a chart label outside its chart or cut
// short with an ellipsis), no empty table column, a key for every colour, and a sample-efficiency curve over
// several training sizes. A copy of the report gets a small checking script (the report itself has none); the
// checks come back through --dump-dom. A screenshot is written next to it for a look by eye.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMethods } from '../../src/energy/baselines/index.js';
import { evaluateMethods } from '../../src/energy/evaluation/index.js';
import type { RunPredictions } from '../../src/energy/evaluation/run-splits.js';
import { fitEnergyModel } from '../../src/energy/model/fit.js';
import { evaluationReportHtml } from '../../src/energy/report/html.js';
import { simulate } from '../../src/energy/simulator/index.js';

const CHROMIUM = ['chromium', 'chromium-browser'].find((c) => spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0);
const KEEP = process.env.ENERGYLENS_KEEP_REPORT; // a folder to keep the report and its screenshot in
let dir: string;
let html = '';

/** Runs in the page: what a reader would see as broken. */
const CHECK = `<script>
window.addEventListener('load', () => {
  const out = { clipped: [], chartText: [], ellipsis: [], emptyColumns: [], rankingColumns: null };
  for (const el of document.querySelectorAll('pre, td, th, p, h1, h2, h3, figcaption, figure')) {
    if (el.scrollWidth > el.clientWidth + 1) out.clipped.push(el.tagName + ': ' + el.textContent.slice(0, 60));
  }
  for (const svg of document.querySelectorAll('svg')) {
    const box = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (!t.textContent.trim()) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) out.chartText.push(t.textContent);
      if (/…|\\.\\.\\.$/.test(t.textContent)) out.ellipsis.push(t.textContent);
    }
  }
  for (const table of document.querySelectorAll('table')) {
    const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    const rows = [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent.trim()));
    heads.forEach((h, i) => {
      if (h === '' || (rows.length > 0 && rows.every((r) => (r[i] ?? '') === ''))) out.emptyColumns.push((h || '(no header)') + ' in a table of ' + heads.join('|'));
    });
  }
  // the ranking table's method columns (after scenario, configs, measured best): their widths, widest over narrowest
  const ranking = [...document.querySelectorAll('table')].find((t) => t.querySelector('th') && [...t.querySelectorAll('th')].some((th) => th.textContent === 'measured best'));
  if (ranking) {
    const widths = [...ranking.querySelectorAll('thead th')].slice(3).map((th) => th.getBoundingClientRect().width);
    out.rankingColumns = { count: widths.length, spread: Math.round(100 * Math.max(...widths) / Math.min(...widths)) / 100 };
  }
  const pre = document.createElement('pre');
  pre.id = 'layout-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>`;

beforeAll(async () => {
  dir = KEEP ?? mkdtempSync(join(tmpdir(), 'energylens-report-'));
  const { records } = simulate({ models: ['Llama-3.1-8B', 'Qwen3-30B-A3B'], hardware: ['H100', 'A100'], tp: [1, 2, 4, 8], pp: [1, 2], batch: [1, 4, 16, 64, 256], input: [512], output: [256], seed: 3 });
  // one long label, as the demo's "physics+discovered (chosen by fit)": it squeezed the other columns
  const methods = (await createMethods()).filter((m) => ['closed-form', 'wilkins', 'roofline', 'xgboost'].includes(m.name))
    .map((m) => (m.name === 'closed-form' ? { ...m, label: 'physics+discovered (chosen by fit)' } : m));
  const predictions: RunPredictions[] = [];
  const evaluation = await evaluateMethods(records, {
    methods, protocols: ['sample-efficiency'], sizes: [15, 25, 40], seeds: 2, scenarioKeys: ['model', 'hardware', 'batch'], onPredictions: (p) => predictions.push(p),
  });
  const model = fitEnergyModel(records.slice(0, 40), { seed: 1, restarts: 1 });
  html = await evaluationReportHtml({ title: 'report check', records, evaluation, predictions: predictions.filter((p) => p.seed === 1), model, summary: ['a summary line'] });
  writeFileSync(join(dir, 'index.html'), html);
}, 300_000);
afterAll(() => { if (!KEEP) rmSync(dir, { recursive: true, force: true }); });

describe('the report', () => {
  it('draws the sample-efficiency curve over three training sizes, with a quartile band', () => {
    expect(html).toMatch(/Sample efficiency/);
    expect(html).not.toMatch(/Only \d training size/);
    // the band is an area mark
    expect(html).toMatch(/role-mark[^"]*"[^>]*>\s*<path[^>]*d="M[^"]*Z?"/);
  });

  it('keys every colour: the bar chart says what red and blue mean, the ranking table has a key', () => {
    expect(html).not.toMatch(/>false</);
    expect(html).not.toMatch(/>true</);
    expect(html).toMatch(/the fastest is not the most frugal/);
    expect(html).toMatch(/class="key">Key: .*green.*amber.*red/);
  });

  it('keeps a number and its unit on one line in the ranking table ("(+35.1" above "%)" read badly)', () => {
    expect(html).toMatch(/\(\+\d+\.\d&nbsp;%\)/);
    expect(html).toMatch(/ \([\d.]+&nbsp;J\)/);
    expect(html).not.toMatch(/\(\+\d+\.\d %\)/);
  });

  it('writes a parameter\'s interval as "low to high": "-1.05 - -0.628" read as a subtraction', () => {
    const cells = [...html.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(cells.some((c) => /^-?[\d.e+]+ to -?[\d.e+]+$/.test(c))).toBe(true);
    expect(cells.filter((c) => /^-?[\d.e+]+ - -?[\d.e+]+$/.test(c))).toEqual([]);
  });

  it.skipIf(!CHROMIUM)(`shows no clipped text and no empty column in headless Chromium${CHROMIUM ? '' : ' (skipped: chromium is not installed; apt-get install -y chromium)'}`, () => {
    const checked = join(dir, 'checked.html');
    writeFileSync(checked, html.replace('</body>', `${CHECK}</body>`));
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--window-size=1280,1000', '--virtual-time-budget=5000'];
    const r = spawnSync(CHROMIUM as string, [...args, '--dump-dom', `file://${checked}`], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const found = /<pre id="layout-check">([^<]*)<\/pre>/.exec(r.stdout);
    expect(found, 'the checking script ran').not.toBeNull();
    const result = JSON.parse(found![1].replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
    // even method columns in the ranking table, whatever the length of a method's name
    expect(result.rankingColumns?.count).toBe(4);
    expect(result.rankingColumns.spread).toBeLessThan(1.05);
    expect({ ...result, rankingColumns: undefined }).toEqual({ clipped: [], chartText: [], ellipsis: [], emptyColumns: [], rankingColumns: undefined });
    const shot = spawnSync(CHROMIUM as string, [...args.slice(0, 3), '--window-size=1280,7000', `--screenshot=${join(dir, 'report.png')}`, `file://${join(dir, 'index.html')}`], { encoding: 'utf8', timeout: 120_000 });
    expect(shot.status, shot.stderr).toBe(0);
    expect(readFileSync(join(dir, 'report.png')).length).toBeGreaterThan(10_000);
  }, 240_000);
});
