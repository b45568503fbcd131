// The web workbench in a real browser: Debian's chromium, headless, driven by playwright-core, on the built app
// (web/dist, made by `npm run build:web`, which `npm test`'s pretest runs) served by `energylens serve`'s server.
// A short search on the bundled example must find the known law and give the API's front for the same seed and
// evaluation budget; the bundled energy sample is validated, fitted and ranked exactly as the API does; a bad
// records file gets the CLI's messages; no console error, no clipped text. Screenshots go to test-artifacts/.
// Skipped, with the reason, where chromium or the built app is missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { serveStatic, type StaticServer } from '../../src/cli/commands/serve.js';
import { SymbolicRegressor } from '../../src/sr/regressor.js';
import { parseNumericCsv } from '../../src/util/csv-table.js';
import { builtinCatalog, catalogCheck } from '../../src/energy/catalog/catalog.js';
import { formatProblem, readRecords, validateRecordsFile } from '../../src/energy/records/index.js';
import { fitEnergyModel } from '../../src/energy/model/fit.js';
import { selectConfigurations } from '../../src/energy/model/select.js';
import { PHYSICS_STRUCTURE } from '../../src/energy/model/structure-physics.js';

const ROOT = process.cwd();
const APP = join(ROOT, 'web/dist');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((c) => existsSync(c) && spawnSync(c, ['--version']).status === 0);
const BUILT = existsSync(join(APP, 'index.html'));
const skipReason = !CHROMIUM ? 'chromium is not installed (apt-get install chromium)' : !BUILT ? 'the web app is not built (npm run build:web)' : '';
if (skipReason) console.warn(`test/browser/workbench.test.ts skipped: ${skipReason}`);

const SEED = 1;
const EVALS = 30000;
/** a loaded machine (CI shares its cores) can be several times slower than the usual 20 s a test takes */
const SLOW = 150_000;

let server: StaticServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

/** Text a reader would see cut: a box narrower than its content (run in the page; this file has no DOM types). */
const clippedText = (p: Page): Promise<string[]> => p.evaluate(`[...document.querySelectorAll('section:not([hidden]) :is(td, th, p, h2, label, button, legend)')]
  .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
  .map((el) => el.tagName + ': ' + (el.textContent || '').slice(0, 60))`);

/** What the page shows, in numbers (window.energylens, web/src/ui.ts). */
interface PageState {
  sr: {
    firstExpressionMs: number | null; front: { complexity: number; loss: number; r2: number; expression: string }[];
    selected: { expression: string } | null; evaluations: number; error: string | null;
  };
  energy: {
    file: string | null; validation: { ok: boolean; rows: number; problems: string[] } | null; error: string | null;
    parameters: { name: string; value: number; high: number }[];
    ranking: { tp: number; pp: number; ep: number; batch: number; energyPerTokenJ: number; rank: number }[];
    mostFrugal: string | null; fastest: string | null;
  };
}
const state = (p: Page): Promise<PageState> => p.evaluate('window.energylens') as Promise<PageState>;
const waitFor = (p: Page, condition: string, timeout: number): Promise<unknown> => p.waitForFunction(condition, null, { timeout });

describe.skipIf(skipReason !== '')(`web workbench in headless chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await serveStatic(APP, 0);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`${server.url}#sr`);
    await waitFor(page, 'window.energylens?.ready === true', 60_000);
  }, SLOW);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs a search in Web Workers that finds the known law, with the API\'s front for the same seed and budget', async () => {
    await page.fill('#sr-seed', String(SEED));
    await page.fill('#sr-evals', String(EVALS));
    await page.click('#sr-start');
    await waitFor(page, 'window.energylens.sr.stoppedBy !== null || window.energylens.sr.error !== null', SLOW - 10_000);
    const { sr } = await state(page);
    expect(sr.error).toBeNull();
    expect(sr.firstExpressionMs).not.toBeNull();
    // the known law energy_j = 0.5 m v^2: an exact member in m_kg and v_ms, without the distractor h_m
    const law = sr.front.find((e) => e.r2 > 1 - 1e-12);
    expect(law, JSON.stringify(sr.front)).toBeDefined();
    expect(law!.expression).toMatch(/m_kg/);
    expect(law!.expression).toMatch(/v_ms/);
    expect(law!.expression).not.toMatch(/h_m/);

    // the same search through the API, in this process
    const csv = readFileSync(join(ROOT, 'web/examples/kinetic-energy.csv'), 'utf8');
    const table = parseNumericCsv('kinetic-energy.csv', csv, () => ['m_kg', 'v_ms', 'h_m', 'energy_j']);
    const model = new SymbolicRegressor({ seed: SEED, maxEvaluations: EVALS, maxTime: null, stopOnExact: true, workers: 0 });
    await model.fit(table.rows.map((r) => r.slice(0, 3)), table.rows.map((r) => r[3]), { featureNames: ['m_kg', 'v_ms', 'h_m'] });
    expect(sr.evaluations).toBe(model.result!.evaluations);
    expect(sr.front.map((e) => `${e.complexity} ${e.expression}`)).toEqual(model.equations().map((e) => `${e.complexity} ${e.expression}`));
    expect(sr.selected?.expression).toBe(model.best()?.expression);

    // the export is the CLI's (energylens sr --export sympy)
    await page.selectOption('#sr-export-format', 'sympy');
    await page.click('#sr-export');
    expect(await page.textContent('#sr-export-out')).toBe(model.export('sympy'));
    expect(await page.locator('#sr-latex .katex').count()).toBe(1);
    expect(await page.locator('#sr-parity svg circle').count()).toBe(table.rows.length);
    expect(await clippedText(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'workbench-sr.png'), fullPage: true });
  }, SLOW);

  it('fits the bundled energy sample and ranks configurations exactly as the API does', async () => {
    await page.goto(`${server.url}#energy`);
    await waitFor(page, 'window.energylens?.ready === true', 60_000);
    await page.click('#en-fit');
    await waitFor(page, 'window.energylens.energy.ranking.length > 0 || window.energylens.energy.error !== null', SLOW - 10_000);
    const { energy } = await state(page);
    expect(energy.error).toBeNull();
    expect(energy.validation).toEqual({ ok: true, rows: 64, problems: [] });

    const catalog = builtinCatalog();
    const records = await readRecords(join(ROOT, 'examples/llama8b-h100-sweep.csv'), { check: catalogCheck(catalog) });
    const model = fitEnergyModel(records, { catalog, seed: 0, structure: PHYSICS_STRUCTURE });
    expect(energy.parameters.map((p) => p.name)).toEqual(model.parameters.map((p) => p.name));
    for (const [i, p] of model.parameters.entries()) {
      expect(energy.parameters[i].value).toBeCloseTo(p.value, 9);
      expect(energy.parameters[i].high).toBeCloseTo(p.high, 9);
    }
    const selection = selectConfigurations(model, { llm: 'meta-llama/Llama-3.1-8B-Instruct', hardware: 'H100-SXM5-80GB', inputTokens: 512, outputTokens: 256, maxGpus: 8, catalog });
    expect(energy.ranking.map((c) => `${c.rank} tp${c.tp} pp${c.pp} ep${c.ep} b${c.batch}`))
      .toEqual(selection.candidates.map((c) => `${c.rank} tp${c.tp} pp${c.pp} ep${c.ep} b${c.batch}`));
    expect(energy.ranking[0].energyPerTokenJ).toBeCloseTo(selection.candidates[0].energyPerTokenJ, 12);
    expect(energy.mostFrugal).toBe(`TP${selection.mostFrugal!.tp} PP${selection.mostFrugal!.pp} batch ${selection.mostFrugal!.batch}`);
    expect(energy.fastest).toBe(`TP${selection.fastest!.tp} PP${selection.fastest!.pp} batch ${selection.fastest!.batch}`);
    expect(await page.locator('#en-tradeoff svg circle.frugal').count()).toBe(1);
    expect(await clippedText(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'workbench-energy.png'), fullPage: true });
  }, SLOW);

  it('shows the CLI\'s validation messages for a bad records file', async () => {
    const lines = readFileSync(join(ROOT, 'examples/llama8b-h100-sweep.csv'), 'utf8').split('\n');
    lines[2] = lines[2].replace(',H100-SXM5-80GB,', ',NoSuchGPU,');
    lines[3] = lines[3].replace(/,bf16,/, ',bf17,');
    const dir = mkdtempSync(join(tmpdir(), 'energylens-web-'));
    try {
      const file = join(dir, 'bad.csv');
      writeFileSync(file, lines.join('\n'));
      const cli = await validateRecordsFile(file, { check: catalogCheck(builtinCatalog()) });
      await page.setInputFiles('#en-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });
      await waitFor(page, "window.energylens.energy.file === 'bad.csv'", 60_000);
      const shown = (await state(page)).energy.validation;
      expect(cli.ok).toBe(false);
      expect(shown?.ok).toBe(false);
      expect(shown?.problems).toEqual(cli.problems.map(formatProblem).map((l) => l.split(file).join('bad.csv')));
      expect(await page.textContent('#en-problems')).toContain('bad.csv:3 (row 2)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
  }, SLOW);
});
