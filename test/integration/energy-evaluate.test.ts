// energylens evaluate end to end (built CLI: run `npm run build` first), and its HTML report rendered in
// headless Chromium (Debian's `chromium`; skipped with a message where it is not installed).
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliStarter, type Ran } from './cli-start.js';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'energylens.js');
const BUILT = existsSync(join(ROOT, 'dist', 'cli', 'commands', 'evaluate.js'));
const CHROMIUM = ['chromium', 'chromium-browser'].find((c) => spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0);
let dir: string;
// started without blocking the test's event loop (a synchronous minute under load trips vitest's 60 s RPC timeout)
const run = cliStarter(CLI, () => dir);
let evaluated: Ran;

beforeAll(async () => {
  if (!BUILT) return;
  dir = mkdtempSync(join(tmpdir(), 'energylens-evaluate-'));
  const sim = await run('simulate', '--out', 'sim.csv', '--models', 'Llama-3.1-8B,Qwen3-30B-A3B-Instruct-2507,Llama-3.1-70B', '--hardware', 'H100,A100',
    '--tp', '1,2,4', '--pp', '1,2', '--batch', '4,16,64', '--input', '512', '--output', '256', '--seed', '3');
  if (sim.status !== 0) throw new Error(sim.stderr);
  evaluated = await run('evaluate', '--data', 'sim.csv', '--methods', 'closed-form,latency-proxy,roofline,xgboost', '--protocol', 'sample-efficiency,hardware-extrapolation',
    '--sizes', '20,30', '--seeds', '2', '--train', '25', '--scenario', 'model,hardware,batch', '--json', 'out.json', '--html', 'report');
}, 300_000);
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe.skipIf(!BUILT)('energylens evaluate' + (BUILT ? '' : ' (skipped: run `npm run build` first)'), () => {
  it('prints a table per protocol and writes every method\'s metrics per protocol and group as JSON', () => {
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/^sample-efficiency: /m);
    expect(evaluated.stdout).toMatch(/^closed-form\s+20\s+20\s+2\/2/m);
    const json = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    expect(json.protocols.map((p: { protocol: string }) => p.protocol)).toEqual(['sample-efficiency', 'hardware-extrapolation']);
    const se = json.protocols[0];
    expect(se.results.map((r: { method: string; trainSize: number }) => `${r.method}@${r.trainSize}`)).toEqual(
      ['closed-form@20', 'closed-form@30', 'latency-proxy@20', 'latency-proxy@30', 'roofline@20', 'roofline@30', 'xgboost@20', 'xgboost@30']);
    for (const r of se.results) for (const k of ['mape', 'r2Log', 'pairwise', 'top1', 'meanRegretPct']) expect(typeof r.median[k]).toBe('number');
    const hw = json.protocols[1].results.filter((r: { method: string }) => r.method === 'closed-form');
    expect(hw.map((r: { variant: string }) => r.variant).sort()).toEqual(['calibrated (k=5)', 'calibrated (k=5)', 'zero-shot', 'zero-shot']);
  });

  it('rejects unknown methods and protocols, and a protocol the data cannot support, naming the file', async () => {
    const m = await run('evaluate', '--data', 'sim.csv', '--methods', 'closed-form,svm');
    expect(m.status).toBe(2); // usage errors exit with 2
    expect(m.stderr).toMatch(/error \[INVALID_OPTION\]: --methods: unknown method "svm" \(known: closed-form, hierarchical, latency-proxy, wilkins, roofline, random-forest, xgboost, discovered\)/);
    const e = await run('evaluate', '--data', 'sim.csv', '--methods', 'closed-form', '--evals', '100');
    expect(e.status).toBe(2);
    expect(e.stderr).toMatch(/error \[INVALID_OPTION\]: --evals sets the discovery budget of the discovered method: it needs --methods \.\.\.,discovered/);
    const p = await run('evaluate', '--data', 'sim.csv', '--protocol', 'k-fold');
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/--protocol: unknown protocol "k-fold" \(known: sample-efficiency, batch-extrapolation, hardware-extrapolation, leave-one-model-out, random-50, leave-one-framework-out, new-deployment\)/);
    const lines = readFileSync(join(dir, 'sim.csv'), 'utf8').trim().split('\n');
    const hwCol = lines[0].split(',').indexOf('hardware');
    writeFileSync(join(dir, 'h100.csv'), [lines[0], ...lines.slice(1).filter((l) => l.split(',')[hwCol].startsWith('H100'))].join('\n'));
    const h = await run('evaluate', '--data', 'h100.csv', '--protocol', 'hardware-extrapolation', '--methods', 'roofline');
    expect(h.status).toBe(1);
    expect(h.stderr).toMatch(/error \[INVALID_DATA\]: hardware extrapolation needs records on at least two GPU types; all \d+ records in h100\.csv are on H100/);
    expect(h.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('accepts --methods discovered (fit\'s default path) with a small --evals budget', async () => {
    const d = await run('evaluate', '--data', 'sim.csv', '--methods', 'closed-form,discovered', '--evals', '300', '--protocol', 'sample-efficiency',
      '--sizes', '30', '--seeds', '1', '--scenario', 'model,hardware,batch', '--json', 'discovered.json', '--html', 'report-discovered', '--no-progress');
    expect(d.status, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/^discovered\s+30\s+30\s+1\/1/m);
    const json = JSON.parse(readFileSync(join(dir, 'discovered.json'), 'utf8'));
    expect(json.methods.map((m: { name: string }) => m.name)).toEqual(['closed-form', 'discovered']);
    // the report's tables pick it up by name and label
    expect(readFileSync(join(dir, 'report-discovered', 'index.html'), 'utf8')).toContain('discovered (fit default)');
  }, 120_000);

  it('writes a self-contained HTML report: inline SVG charts, the ranking tables and the fitted formula, no external reference', () => {
    const html = readFileSync(join(dir, 'report', 'index.html'), 'utf8');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
    for (const h of ['Parity', 'Sample efficiency', 'Energy against TP, PP and batch', 'Per-scenario rankings', 'diverge', 'The fitted closed form']) expect(html).toContain(h);
    expect(html).toContain('p_static');
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).not.toMatch(/<script/);
  });

  it.skipIf(!CHROMIUM)(`renders in headless Chromium with every chart present${CHROMIUM ? '' : ' (skipped: chromium is not installed; apt-get install -y chromium)'}`, async () => {
    const file = join(dir, 'report', 'index.html');
    // asynchronous: a loaded machine can take Chromium most of a minute, which must not block the test's worker
    const { stdout: dom } = await promisify(execFile)(CHROMIUM as string, ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `file://${file}`], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 });
    expect((dom.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
    // the charts carry their marks after layout: points of the parity plot, lines of the curves
    expect(dom).toMatch(/class="mark-symbol role-mark/);
    expect(dom).toMatch(/class="mark-line role-mark/);
    expect(dom).toContain('The fitted closed form');
  }, 120_000);

  it('energylens demo runs the main job and writes its report; its table scores the structure fit chose, physics beside it', async () => {
    const r = await run('demo', '--out', 'demo', '--discover-time', '2', '--no-progress');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/profiled a sample of 50/);
    expect(r.stdout).toMatch(/^discovery \(2 s per phase\)(: .*; structure: physics| proposed physics x exp\(g\), .* but |: the model is physics x exp\(g\))/m);
    if (/^discovery .*: the model is physics x exp\(g\)/m.test(r.stdout)) {
      expect(r.stdout).toMatch(/^\s+physics\+discovered \(chosen by fit\)\s+MAPE [\d.]+ %, Top-1 \d+ %.*\n\s+closed form\s+MAPE/m);
    } else {
      expect(r.stdout).toMatch(/^\s+closed form \(physics, chosen by fit\)\s+MAPE [\d.]+ %, Top-1 \d+ %/m);
    }
    expect(r.stdout).toMatch(/^\s+gradient-boosted trees \(XGBoost\)\s+MAPE/m);
    expect(readFileSync(join(dir, 'demo', 'index.html'), 'utf8')).toContain('simulated profiling campaign');
  }, 300_000);
});
