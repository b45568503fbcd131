// The web workbench's energy page in a real browser (test/browser/browser-page.ts), against the CLI on the same data,
// seed and --evals: the page's fit (in a Web Worker) makes the same structure choice, with the same candidates and
// cross-validated scores, and the same parameters as `energylens fit`; its downloaded model file is the CLI's kind
// (`energylens predict` reads it and predicts as from the CLI's); a structure file from `energylens discover --out`
// loaded on the page is used (as --candidates and as --structure FILE); a model file loaded on the page is ranked as
// `select` ranks it; a base model (the bundled one) calibrated on the page is `fit --base`'s; Stop ends a running fit while the page keeps answering; a bad records file gets the CLI's
// messages. The CLI runs start in beforeAll without blocking (cli-start.ts), beside the page's. Screenshots go to
// test-artifacts/. Skipped, with the reason, where chromium or the built app is missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { builtinCatalog, catalogCheck } from '../../src/energy/catalog/catalog.js';
import { fittedDiscoveredTerms, termRangeLines } from '../../src/energy/model/discovery/terms-text.js';
import { validateEnergyModel, type EnergyModel, type StructureSelection } from '../../src/energy/model/model-file.js';
import { selectConfigurations } from '../../src/energy/model/select.js';
import { formatProblem, readRecords, validateRecordsFile } from '../../src/energy/records/index.js';
import { cliStarter, type Ran } from '../integration/cli-start.js';
import { ARTIFACTS, clippedText, mathMatchesNode, openWorkbench, ROOT, skipReason, waitFor, type Workbench } from './browser-page.js';

if (skipReason) console.warn(`test/browser/energy-page.test.ts skipped: ${skipReason}`);

const SAMPLE = join(ROOT, 'examples/llama8b-h100-sweep.csv');
const EVALS = 2000;
/** a fit with discovery takes about 12 s of CPU; a machine shared with CI can be ten times slower */
const SLOW = 400_000;

let dir: string;
let app: Workbench;
let page: Page;
/** the page computes Math functions as Node does (mathMatchesNode): set when the page opens */
let sameMath = true;
const cli = cliStarter(join(ROOT, 'bin/energylens.js'), () => dir);
let cliAuto: Promise<Ran>;
let cliStructure: Promise<{ candidates: Ran; forced: Ran }>;

interface EnergyState {
  error: string | null; busy: boolean; stopped: boolean; progress: string[]; fitsEnded: number; source: string | null; structure: string | null;
  selection: StructureSelection | null; discovered: string | null; discoveredTerms: { parameter: string | null; fitted: number }[]; structureFiles: string[];
  validation: { ok: boolean; rows: number; problems: string[] } | null; file: string | null;
  parameters: { name: string; value: number }[]; ranking: { tp: number; pp: number; ep: number; batch: number; energyPerTokenJ: number; rank: number }[];
  mostFrugal: string | null; fastest: string | null;
  calibrated: { series: string; records: number; recordsInBase: number }[] | null; seriesEffect: { series: string } | null;
}
const energy = (): Promise<EnergyState> => page.evaluate('window.energylens.energy') as Promise<EnergyState>;
const readModel = (name: string): EnergyModel => validateEnergyModel(JSON.parse(readFileSync(join(dir, name), 'utf8')), name);
const ok = async (run: Promise<Ran>): Promise<Ran> => {
  const r = await run;
  expect(r.status, r.stderr).toBe(0);
  return r;
};
const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

/** Fit on the page with its fields as they are; resolves when the fit has ended (fitted, failed or stopped). */
async function fitOnPage(): Promise<EnergyState> {
  const before = (await energy()).fitsEnded;
  await page.click('#en-fit');
  await waitFor(page, `window.energylens.energy.fitsEnded > ${before}`, SLOW - 20_000);
  return energy();
}

/** The page's model file, as the Download button gives it. */
async function downloaded(name: string): Promise<EnergyModel> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click('#en-download')]);
  await file.saveAs(join(dir, name));
  return readModel(name);
}

/** The page's model against the CLI's: structure, how it was chosen (every candidate's scores), parameters. */
function expectSameModel(web: EnergyModel, cliModel: EnergyModel): void {
  if (!sameMath) {
    // other Math numerics in this Chromium (see mathMatchesNode): the discovery may take another path, so the page's
    // model is checked for what it must share with the CLI's whatever the path: the candidates and a valid choice
    const names = cliModel.selection!.candidates.map((c) => c.name);
    expect(web.selection!.candidates.map((c) => c.name)).toEqual(names);
    if (names.length > 0) expect(names).toContain(web.structure.name);
    else expect(web.structure.name).toBe(cliModel.structure.name);
    expect(web.parameters.length).toBeGreaterThan(0);
    return;
  }
  // a discovered structure records its data file and search times: the rest must be the same
  const core = ({ discovery, ...s }: EnergyModel['structure']) => {
    const d = discovery as { correction?: unknown; termsAdded?: unknown } | undefined;
    return { ...s, correction: d?.correction, termsAdded: d?.termsAdded };
  };
  expect(core(web.structure)).toEqual(core(cliModel.structure));
  const { candidates, ...choice } = web.selection!;
  const { candidates: cliCandidates, ...cliChoice } = cliModel.selection!;
  expect(choice).toEqual(cliChoice);
  expect(candidates.map((c) => [c.name, c.source, c.freeParameters, c.error ?? ''])).toEqual(cliCandidates.map((c) => [c.name, c.source, c.freeParameters, c.error ?? '']));
  candidates.forEach((c, i) => expect(c.cvRmsLog === cliCandidates[i].cvRmsLog || close(c.cvRmsLog!, cliCandidates[i].cvRmsLog!), c.name).toBe(true));
  expect(web.parameters.map((p) => p.name)).toEqual(cliModel.parameters.map((p) => p.name));
  web.parameters.forEach((p, i) => {
    expect(close(p.value, cliModel.parameters[i].value), `${p.name}: ${p.value} against ${cliModel.parameters[i].value}`).toBe(true);
    expect(close(p.high, cliModel.parameters[i].high), p.name).toBe(true);
  });
  expect(web.training.records).toBe(cliModel.training.records);
}

const rankingOf = (m: EnergyModel) => selectConfigurations(m, { llm: 'meta-llama/Llama-3.1-8B-Instruct', hardware: 'H100-SXM5-80GB', inputTokens: 512, outputTokens: 256, maxGpus: 8, catalog: builtinCatalog() });
const layouts = (cs: readonly { rank: number; tp: number; pp: number; ep: number; batch: number }[]): string[] => cs.map((c) => `${c.rank} tp${c.tp} pp${c.pp} ep${c.ep} b${c.batch}`);

describe.skipIf(skipReason !== '')(`web workbench's energy page in headless chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'energylens-web-energy-'));
    cliAuto = cli('fit', '--data', SAMPLE, '--out', 'cli-auto.json', '--evals', String(EVALS), '--no-progress');
    cliStructure = cli('discover', '--data', SAMPLE, '--out', 'S.json', '--evals', String(EVALS), '--no-progress').then(async (d) => {
      expect(d.status, d.stderr).toBe(0);
      const [candidates, forced] = await Promise.all([
        cli('fit', '--data', SAMPLE, '--out', 'cli-candidates.json', '--candidates', 'S.json', '--no-discovery', '--no-progress'),
        cli('fit', '--data', SAMPLE, '--out', 'cli-forced.json', '--structure', 'S.json', '--no-progress'),
      ]);
      return { candidates, forced };
    });
    app = await openWorkbench('#energy');
    page = app.page;
    sameMath = await mathMatchesNode(page);
    if (!sameMath) console.warn('energy page: this Chromium computes Math functions unlike Node; the page\'s fit is compared with the CLI\'s by outcome, not bit for bit');
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    // the CLI runs end before their files go
    await Promise.allSettled([cliAuto, cliStructure]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, SLOW);

  it('fits in a worker as `energylens fit` does: the same structure choice, scores and parameters; the model file downloads and predicts', async () => {
    await page.fill('#en-evals', String(EVALS));
    const state = await fitOnPage();
    expect(state.error).toBeNull();
    expect(state.validation).toEqual({ ok: true, rows: 64, problems: [] });
    expect(state.progress.some((l) => /discovery: searching corrections/.test(l))).toBe(true);
    const web = await downloaded('page-auto.model.json');
    await ok(cliAuto);
    const cliModel = readModel('cli-auto.json');
    expectSameModel(web, cliModel);
    // the candidates on screen: physics and what discovery proposed, each with its scores
    expect(state.selection?.candidates.map((c) => c.name)).toEqual(cliModel.selection!.candidates.map((c) => c.name));
    expect(await page.locator('#en-candidates tbody tr').count()).toBe(cliModel.selection!.candidates.length);
    if (sameMath) expect(await page.textContent('#en-reason')).toBe(cliModel.selection!.reason);
    else expect(await page.textContent('#en-reason')).toBe(web.selection!.reason);
    // what the panel says follows the page's own choice (the CLI's where the two engines compute alike)
    if (state.discovered && web.structure.name === 'physics') expect(await page.textContent('#en-discovered')).toMatch(/Discovery proposed physics x exp\(g\), g(_prefill)? = /);
    if (web.structure.name !== 'physics') expect(await page.textContent('#en-discovered')).toMatch(/Discovered terms beside the physics form/);
    expect(state.parameters.map((p) => p.value)).toEqual(web.parameters.map((p) => p.value));

    // energylens predict reads the page's model file and predicts as from the CLI's
    const [fromPage, fromCli] = await Promise.all([
      ok(cli('predict', '--model', 'page-auto.model.json', '--data', SAMPLE, '--out', 'page-pred.csv')),
      ok(cli('predict', '--model', 'cli-auto.json', '--data', SAMPLE, '--out', 'cli-pred.csv')),
    ]);
    expect(fromPage.stderr).toBe(fromCli.stderr);
    const column = (name: string): number[] => {
      const rows = parse(readFileSync(join(dir, name), 'utf8'), { columns: true }) as Record<string, string>[];
      return rows.map((r) => Number(r.energy_j_pred));
    };
    const cliPred = column('cli-pred.csv');
    if (sameMath) column('page-pred.csv').forEach((v, i) => expect(close(v, cliPred[i]), `row ${i + 1}`).toBe(true));
    else {
      // another discovery path: the two models agree as two fits of the same records do, not to the digit
      const ratios = column('page-pred.csv').map((v, i) => v / cliPred[i]).sort((a, b) => a - b);
      expect(ratios.every(Number.isFinite)).toBe(true);
      expect(ratios[ratios.length >> 1]).toBeGreaterThan(0.8);
      expect(ratios[ratios.length >> 1]).toBeLessThan(1.25);
    }

    // and the ranking is select's on the CLI's model
    const selection = rankingOf(sameMath ? cliModel : web);
    expect(layouts(state.ranking)).toEqual(layouts(selection.candidates));
    expect(state.mostFrugal).toBe(`TP${selection.mostFrugal!.tp} PP${selection.mostFrugal!.pp} batch ${selection.mostFrugal!.batch}`);
    expect(await page.locator('#en-tradeoff svg circle.frugal').count()).toBe(1);
    expect(await clippedText(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'workbench-energy-auto.png'), fullPage: true });
    // the top of it, as docs/workbench-energy.png shows it
    await page.screenshot({ path: join(ARTIFACTS, 'workbench-energy-top.png'), fullPage: true, clip: { x: 0, y: 0, width: 1400, height: 900 } });
  }, SLOW);

  it('shows and ranks a model file loaded from the CLI', async () => {
    await page.setInputFiles('#en-json', join(dir, 'cli-auto.json'));
    await waitFor(page, "window.energylens.energy.source === 'model file cli-auto.json'", 30_000);
    const state = await energy();
    const cliModel = readModel('cli-auto.json');
    expect(state.error).toBeNull();
    expect(state.structure).toBe(cliModel.structure.name);
    expect(state.parameters.map((p) => p.value)).toEqual(cliModel.parameters.map((p) => p.value));
    expect(layouts(state.ranking)).toEqual(layouts(rankingOf(cliModel).candidates));
  }, SLOW);

  it('uses a loaded structure file from `energylens discover --out`: as a candidate scored like --candidates, and forced like --structure FILE', async () => {
    const { candidates, forced } = await cliStructure;
    expect(candidates.status, candidates.stderr).toBe(0);
    expect(forced.status, forced.stderr).toBe(0);
    await page.setInputFiles('#en-json', join(dir, 'S.json'));
    await waitFor(page, "window.energylens.energy.structureFiles.includes('S.json')", 30_000);

    // auto without discovery: physics against the file, by cross-validation
    await page.fill('#en-evals', '');
    await page.uncheck('#en-discovery');
    let state = await fitOnPage();
    expect(state.error).toBeNull();
    expect(state.selection?.candidates.map((c) => c.source)).toEqual(['built-in', 'S.json']);
    expectSameModel(await downloaded('page-candidates.model.json'), readModel('cli-candidates.json'));

    // forced: the model is the file's structure, fitted; its discovered terms are shown in plain words
    await page.selectOption('#en-structure-mode', 'S.json');
    state = await fitOnPage();
    expect(state.error).toBeNull();
    const cliForced = readModel('cli-forced.json');
    const pageForced = await downloaded('page-forced.model.json');
    expectSameModel(pageForced, cliForced);
    expect(state.structure).toBe(cliForced.structure.name);
    expect(state.selection?.reason).toBe('forced by --structure S.json');
    const terms = fittedDiscoveredTerms(cliForced);
    expect(state.discoveredTerms.map((t) => t.parameter)).toEqual(terms.map((t) => t.parameter));
    if (terms.length > 0) expect(await page.textContent('#en-discovered')).toContain(terms[0].effect);
    // and what each term does over the records it was fitted on, as the report says it
    const sample = await readRecords(SAMPLE);
    const ranges = termRangeLines(pageForced, sample, `the ${sample.length} records fitted on this page`);
    if (terms.length > 0) expect(ranges.length).toBeGreaterThan(0);
    for (const line of ranges) expect(await page.textContent('#en-discovered')).toContain(line);
    expect(await clippedText(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'workbench-energy.png'), fullPage: true });
  }, SLOW);

  it('runs the fit off the page\'s thread: the page answers while it runs, and Stop ends it', async () => {
    await page.selectOption('#en-structure-mode', 'auto');
    await page.check('#en-discovery');
    const before = (await energy()).fitsEnded;
    await page.click('#en-fit');
    await waitFor(page, 'window.energylens.energy.busy === true && window.energylens.energy.progress.length > 0', 60_000);
    // a frame is drawn and an input answers while the worker fits
    expect(await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => resolve(window.energylens.energy.busy)))')).toBe(true);
    await page.fill('#en-output', '128');
    expect(await page.inputValue('#en-output')).toBe('128');
    await page.screenshot({ path: join(ARTIFACTS, 'workbench-energy-fitting.png') });
    await page.click('#en-stop');
    await waitFor(page, `window.energylens.energy.fitsEnded > ${before}`, 30_000);
    const state = await energy();
    expect(state).toMatchObject({ stopped: true, busy: false, error: null });
    expect(await page.textContent('#en-status')).toBe('stopped: nothing was fitted');
    await page.fill('#en-output', '256');
  }, SLOW);

  it('calibrates a base model as `energylens fit --base` does: the bundled ML.ENERGY v3 model, or a loaded one without series refused', async () => {
    const cliBase = cli('fit', '--base', join(ROOT, 'models/mlenergy-v3.json'), '--data', SAMPLE, '--out', 'cli-base.json', '--json');
    await page.selectOption('#en-base', 'models/mlenergy-v3.json');
    const state = await fitOnPage();
    expect(state.error).toBeNull();
    const web = await downloaded('page-base.model.json');
    const summary = JSON.parse((await ok(cliBase)).stdout) as { yourSeries: { series: string; records: number; recordsInBase: number }[] };
    const cliModel = readModel('cli-base.json');
    expect(summary.yourSeries.length).toBeGreaterThan(0);
    expect(state.calibrated).toEqual(summary.yourSeries);
    expect(await page.textContent('#en-status')).toContain(`series ${summary.yourSeries[0].series}: ${summary.yourSeries[0].records} records`);
    // the base's shared parameters stay; the records' series statistics are the CLI's
    expect(web.parameters).toEqual(cliModel.parameters);
    expect(web.series!.stats.map((x) => [x.key, x.n])).toEqual(cliModel.series!.stats.map((x) => [x.key, x.n]));
    if (sameMath) expect(web.series!.stats).toEqual(cliModel.series!.stats);
    expect(web.series!.calibration).toMatchObject({ base: 'models/mlenergy-v3.json', records: 64 });
    expect(await page.textContent('#en-series')).toContain('calibrated from models/mlenergy-v3.json with 64 records');
    // the ranking is select's on the calibrated model, and says which series effect applied
    const selection = rankingOf(sameMath ? cliModel : web);
    expect(layouts(state.ranking)).toEqual(layouts(selection.candidates));
    expect(state.seriesEffect?.series).toBe(selection.series?.series);
    expect(await page.textContent('#en-summary')).toContain(`series effect (${selection.series!.series})`);
    expect(await clippedText(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'workbench-energy-base.png'), fullPage: true });

    // a model fitted on one series has no series section: refused as the CLI refuses it
    const refused = await cli('fit', '--base', 'cli-auto.json', '--data', SAMPLE, '--out', 'never.json');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/cli-auto\.json has no series section/);
    await page.selectOption('#en-base', 'cli-auto.json');
    const bad = await fitOnPage();
    expect(bad.error).toMatch(/cli-auto\.json has no series section/);
    await page.selectOption('#en-base', '');
  }, SLOW);

  it('shows the CLI\'s validation messages for a bad records file', async () => {
    const lines = readFileSync(SAMPLE, 'utf8').split('\n');
    lines[2] = lines[2].replace(',H100-SXM5-80GB,', ',NoSuchGPU,');
    lines[3] = lines[3].replace(/,bf16,/, ',bf17,');
    const file = join(dir, 'bad.csv');
    writeFileSync(file, lines.join('\n'));
    const cliReport = await validateRecordsFile(file, { check: catalogCheck(builtinCatalog()) });
    await page.setInputFiles('#en-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });
    await waitFor(page, "window.energylens.energy.file === 'bad.csv'", 60_000);
    const shown = (await energy()).validation;
    expect(cliReport.ok).toBe(false);
    expect(shown?.ok).toBe(false);
    expect(shown?.problems).toEqual(cliReport.problems.map(formatProblem).map((l) => l.split(file).join('bad.csv')));
    expect(await page.textContent('#en-problems')).toContain('bad.csv:3 (row 2)');
    expect(app.problems).toEqual([]);
  }, SLOW);
});
