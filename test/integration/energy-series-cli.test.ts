// Series effects through the CLI: fit (default, --series-by, --no-series), fit --base, and what predict, select and
// explain say about the effect applied; bad inputs get one [CODE] line. Built CLI: run `npm run build` first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { cliStarter, type Ran } from './cli-start.js';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'energylens.js');
const BUILT = existsSync(join(ROOT, 'dist', 'cli', 'series-output.js'));
let dir: string;
// started without blocking the test's event loop (a chain of synchronous runs over 60 s trips vitest's RPC timeout)
const run = cliStarter(CLI, () => dir);
const json = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));

function fails(r: Ran, code: string, message: RegExp, out?: string): void {
  expect(r.status, r.stdout + r.stderr).not.toBe(0);
  expect(r.stderr).toContain(`energylens: error [${code}]: `);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  if (out) expect(existsSync(join(dir, out)), `${out} exists`).toBe(false);
}

/** Simulated records with a level per (model, hardware) no feature describes; `mine`: another model's records. */
function scale(text: string, factor: (model: string, hardware: string) => number): string {
  const [head, ...rows] = text.trim().split('\n');
  const cols = head.split(',');
  const [m, h, e] = ['model', 'hardware', 'energy_j'].map((c) => cols.indexOf(c));
  return [head, ...rows.map((line) => {
    const cells = line.split(',');
    cells[e] = String(Number(cells[e]) * factor(cells[m], cells[h]));
    return cells.join(',');
  })].join('\n') + '\n';
}

beforeAll(async () => {
  if (!BUILT) return;
  dir = mkdtempSync(join(tmpdir(), 'energylens-series-'));
  const sim = async (out: string, models: string, seed: string, tp = '1,2') => {
    const r = await run('simulate', '--out', out, '--models', models, '--hardware', 'H100,B200', '--tp', tp, '--pp', '1', '--batch', '4,16,64',
      '--input', '512', '--output', '256', '--noise', '0.02', '--seed', seed);
    if (r.status !== 0) throw new Error(r.stderr);
  };
  await sim('raw.csv', 'Llama-3.1-8B,Qwen3-30B-A3B-Instruct-2507', '5');
  await sim('mine-raw.csv', 'Llama-3.1-70B', '6', '2,4');
  const level = (m: string, h: string) => (m.includes('8B') ? 1.3 : 0.8) * (h.startsWith('H100') ? 1.1 : 0.9);
  writeFileSync(join(dir, 'train.csv'), scale(readFileSync(join(dir, 'raw.csv'), 'utf8'), level));
  writeFileSync(join(dir, 'mine-all.csv'), scale(readFileSync(join(dir, 'mine-raw.csv'), 'utf8'), () => 1.4));
  const lines = readFileSync(join(dir, 'mine-all.csv'), 'utf8').trim().split('\n');
  const h100 = lines.slice(1).filter((l) => l.includes('H100'));
  writeFileSync(join(dir, 'mine.csv'), [lines[0], ...h100.slice(0, 3)].join('\n') + '\n');
  writeFileSync(join(dir, 'mine-test.csv'), [lines[0], ...h100.slice(3)].join('\n') + '\n');
  for (const args of [['--out', 'model.json', '--series-rule', 'cv'], ['--out', 'pooled.json', '--no-series']]) {
    const r = await run('fit', '--data', 'train.csv', '--structure', 'physics', '--restarts', '1', ...args);
    if (r.status !== 0) throw new Error(r.stderr);
  }
}, 300_000);
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

// each CLI run starts Node and the WASM kernel: generous timeouts for a loaded machine
describe.skipIf(!BUILT)('series effects in the CLI' + (BUILT ? '' : ' (skipped: run `npm run build` first)'), { timeout: 300_000 }, () => {
  it('fit adds a series section by default; --no-series gives the pooled model', async () => {
    expect(json('model.json').series.stats).toHaveLength(4);
    expect(json('model.json').series.by.series).toEqual(['model', 'hardware', 'precision', 'framework']);
    expect(json('pooled.json').series).toBeUndefined();
    // the series rule's decision (--series-rule cv) is stored with both held-out scores
    expect(json('model.json').seriesChoice).toMatchObject({ rule: 'cv', used: true, series: 4 });
    expect(json('model.json').seriesChoice.cv.seriesRmsLog).toBeLessThan(json('model.json').seriesChoice.cv.pooledRmsLog);
  });

  it('--series-by changes the key, and --json reports the section', async () => {
    const r = await run('fit', '--data', 'train.csv', '--out', 'by-model.json', '--structure', 'physics', '--restarts', '1', '--series-by', 'model', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).series).toMatchObject({ count: 2, by: { series: ['model'] } });
  });

  it('fit --base: the user\'s records set their series\' effect; predict shows it and beats the base alone', async () => {
    const r = await run('fit', '--base', 'model.json', '--data', 'mine.csv', '--out', 'mine.json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/series meta-llama\/Llama-3\.1-70B-Instruct\|H100-SXM5-80GB\|bf16\|: 3 records \(new to the base\)/);
    const mine = json('mine.json');
    expect(mine.parameters).toEqual(json('model.json').parameters);
    const withBase = await run('predict', '--model', 'model.json', '--data', 'mine-test.csv', '--out', 'p0.csv', '--json');
    const withMine = await run('predict', '--model', 'mine.json', '--data', 'mine-test.csv', '--out', 'p1.csv', '--json');
    expect(withBase.status, withBase.stderr).toBe(0);
    expect(withMine.status, withMine.stderr).toBe(0);
    const a = JSON.parse(withBase.stdout);
    const b = JSON.parse(withMine.stdout);
    expect(b.mapeEnergyPerTokenPct).toBeLessThan(a.mapeEnergyPerTokenPct);
    expect(b.seriesEffects[0]).toMatchObject({ series: 'meta-llama/Llama-3.1-70B-Instruct|H100-SXM5-80GB|bf16|', effect: { records: 3, seen: true } });
    const rows = parse(readFileSync(join(dir, 'p1.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows[0].series_records).toBe('3');
    expect(Number(rows[0].series_factor_low)).toBeLessThan(Number(rows[0].series_factor_high));
    const text = await run('predict', '--model', 'mine.json', '--data', 'mine-test.csv', '--out', 'p2.csv');
    expect(text.stdout).toMatch(/from 3 records/);
  });

  it('select and explain say which series effect applied, from how many records, with its interval', async () => {
    const s = await run('select', '--model', 'mine.json', '--llm', 'Llama-3.1-70B', '--hardware', 'H100', '--input', '512', '--output', '256', '--max-gpus', '2');
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/series effect \(meta-llama\/Llama-3\.1-70B-Instruct\|H100-SXM5-80GB\|bf16\|\).*from 3 records/);
    const sj = JSON.parse((await run('select', '--model', 'mine.json', '--llm', 'Llama-3.1-70B', '--hardware', 'H100', '--input', '512', '--output', '256', '--max-gpus', '2', '--json')).stdout);
    expect(sj.series).toMatchObject({ records: 3, seen: true });
    const e = await run('explain', '--model', 'mine.json');
    expect(e.stdout).toMatch(/series effects: 5 series by model, hardware, precision, framework/);
    expect(e.stdout).toMatch(/calibrated from model\.json with 3 records/);
    const ej = JSON.parse((await run('explain', '--model', 'mine.json', '--json')).stdout);
    expect(ej.series.effects.find((x: { records: number }) => x.records === 3)).toBeDefined();
  });

  it('bad options: each a clear [CODE] line and nothing written', async () => {
    fails(await run('fit', '--data', 'train.csv', '--out', 'x1.json', '--series-by', 'model,cluster'), 'INVALID_OPTION', /series-by names "cluster", a column no record of train\.csv has/, 'x1.json');
    fails(await run('fit', '--base', 'model.json', '--calibrate', 'model.json', '--data', 'mine.csv', '--out', 'x3.json'), 'CONFLICTING_OPTIONS', /--base .* --calibrate/, 'x3.json');
    fails(await run('fit', '--data', 'train.csv', '--out', 'x7.json', '--no-series', '--series-by', 'model'), 'CONFLICTING_OPTIONS', /--series-by .* --no-series/, 'x7.json');
    // --base fits no structure: its stack fallback is the base's, so --stack-column is refused, not ignored
    fails(await run('fit', '--base', 'model.json', '--stack-column', 'framework', '--data', 'mine.csv', '--out', 'x8.json'), 'CONFLICTING_OPTIONS', /--base keeps the base model's stack fallback .* drop --stack-column/, 'x8.json');
    fails(await run('fit', '--data', 'train.csv', '--out', 'x10.json', '--effects', 'model,tp'), 'INVALID_OPTION', /--effects names "tp": each must be series, slope, a series column/, 'x10.json');
    fails(await run('fit', '--data', 'train.csv', '--out', 'x9.json', '--no-series', '--effects', 'model'), 'CONFLICTING_OPTIONS', /--effects .* --no-series/, 'x9.json');
    fails(await run('fit', '--data', 'train.csv', '--out', 'x11.json', '--series-rule', 'sometimes'), 'INVALID_OPTION', /--series-rule must be cv, always or replicated, got "sometimes"/, 'x11.json');
  });

  it('bad base models and records: each a clear [CODE] line and nothing written', async () => {
    fails(await run('fit', '--base', 'pooled.json', '--data', 'mine.csv', '--out', 'x2.json'), 'INVALID_MODEL_FILE', /pooled\.json has no series section/, 'x2.json');
    fails(await run('fit', '--base', 'model.json', '--structure', 'other', '--data', 'mine.csv', '--out', 'x4.json'), 'INVALID_MODEL_FILE', /its structure is "physics", not "other"/, 'x4.json');
    const old = json('model.json');
    writeFileSync(join(dir, 'v9.json'), JSON.stringify({ ...old, version: 9 }));
    fails(await run('fit', '--base', 'v9.json', '--data', 'mine.csv', '--out', 'x5.json'), 'INVALID_MODEL_FILE', /version 9/, 'x5.json');
    // a model neither the base nor the catalog knows, without params_b: its size is unknown
    const [head, first] = readFileSync(join(dir, 'mine.csv'), 'utf8').trim().split('\n');
    const cols = head.split(',');
    const cells = first.split(',').map((c, i) => (['params_b', 'active_params_b', 'architecture'].includes(cols[i]) ? '' : c));
    cells[cols.indexOf('model')] = 'acme/Unseen-9B';
    writeFileSync(join(dir, 'unknown.csv'), `${head}\n${cells.join(',')}\n`);
    fails(await run('fit', '--base', 'model.json', '--data', 'unknown.csv', '--out', 'x6.json'), 'INVALID_RECORD', /Unseen-9B[\s\S]*matches no series of model\.json[\s\S]*params_b/, 'x6.json');
  });
});
