// The energy-model commands end to end: fit -> predict -> explain -> select (built CLI: run `npm run build` first).
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliStarter, type Ran } from './cli-start.js';
import { parse } from 'csv-parse/sync';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'energylens.js');
const BUILT = existsSync(join(ROOT, 'dist', 'cli', 'commands', 'fit.js'));
let dir: string;
const run = cliStarter(CLI, () => dir);
/** The same, named for runs started side by side (each spends most of its time starting Node). */
const start = run;
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
const file = (name: string, text: string) => { writeFileSync(join(dir, name), text); return name; };
const csv = (name: string): string[][] => parse(readFileSync(join(dir, name), 'utf8')) as string[][];
const PRED = ['energy_j_pred', 'energy_per_token_j_pred', 'energy_j_low', 'energy_j_high', 'prefill_energy_j_pred', 'decode_energy_j_pred', 'tpot_s_pred', 'extrapolation'];
const HEADER = 'model,hardware,tp,pp,batch,output_tokens,energy_j';
let trainRows = 0;
/** what the first fit printed */
let fitText = '';

/** A failing run: exit 2 for a usage error (INVALID_OPTION), 1 otherwise, one error line with this code matching `message`, no stack, and `out` not written. */
function fails(r: Ran, code: string, message: RegExp, out?: string): void {
  expect(r.status, r.stdout + r.stderr).toBe(code === 'INVALID_OPTION' ? 2 : 1);
  expect(r.stderr).toContain(`energylens: error [${code}]: `);
  expect(r.stderr).toMatch(message);
  noStack(r.stderr);
  if (out) expect(existsSync(join(dir, out)), `${out} exists`).toBe(false);
}

beforeAll(async () => {
  if (!BUILT) return;
  dir = mkdtempSync(join(tmpdir(), 'energylens-model-'));
  const sim = await run('simulate', '--out', 'train.csv', '--models', 'Llama-3.1-8B,Qwen3-30B-A3B-Instruct-2507,Llama-3.1-70B', '--hardware', 'H100',
    '--tp', '1,2,4', '--pp', '1,2', '--batch', '4,16,64', '--input', '512', '--output', '256', '--noise', '0.02', '--seed', '5');
  if (sim.status !== 0) throw new Error(sim.stderr);
  trainRows = readFileSync(join(dir, 'train.csv'), 'utf8').trim().split('\n').length - 1;
  // the pooled model (three models: fit would add series effects; energy-series-cli.test.ts covers those) of the
  // physics structure (auto's discovery is energy-fit-auto-discovery.test.ts's)
  const fit = await run('fit', '--data', 'train.csv', '--out', 'model.json', '--no-series', '--no-discovery');
  if (fit.status !== 0) throw new Error(fit.stderr);
  fitText = fit.stdout;
}, 240_000);
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe.skipIf(!BUILT)('energylens fit, predict, explain, select' + (BUILT ? '' : ' (skipped: run `npm run build` first)'), () => {
  it('fits a model file and prints the parameters, records used, residual sd and seconds', () => {
    const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(model).toMatchObject({ format: 'energylens-energy-model', training: { records: trainRows } });
    for (const p of model.parameters) expect(fitText).toMatch(new RegExp(`^${p.name}\\s+\\S+\\s+.*(±|held: )`, 'm'));
    expect(fitText).toContain(`records used: ${trainRows}`);
    expect(fitText).toMatch(/residual sd of log\(measured \/ predicted\): energy [\d.]+/);
    expect(fitText).toMatch(/fitted in [\d.]+ s .*; wrote model\.json/);
  });

  it('fits a seeded sample reproducibly, and --json prints the summary', async () => {
    const sample = (out: string, seed: string) => start('fit', '--data', 'train.csv', '--out', out, '--sample', '30', '--seed', seed, '--restarts', '1', '--json', '--no-discovery');
    const [a, b] = await Promise.all([sample('s1.json', '7'), sample('s2.json', '7')]);
    expect(a.status, a.stderr).toBe(0);
    const summary = JSON.parse(a.stdout);
    expect(summary).toMatchObject({ out: 's1.json', records: 30, recordsInFile: trainRows, sample: 30, seed: 7 });
    expect(summary.parameters).toHaveLength(12);
    expect(JSON.parse(b.stdout).parameters).toEqual(summary.parameters);
  });

  it('calibrates: refits only the named parameters of a base model', async () => {
    const r = await run('fit', '--data', 'train.csv', '--out', 'cal.json', '--calibrate', 'model.json', '--refit', 'p_static,k_mem', '--json');
    expect(r.status, r.stderr).toBe(0);
    const held = JSON.parse(r.stdout).parameters.filter((p: { held: boolean }) => p.held);
    expect(held.length).toBeGreaterThanOrEqual(10);
    expect(held.map((p: { name: string }) => p.name)).not.toContain('k_mem');
    expect(held.find((p: { name: string }) => p.name === 'tau_seq').reason).toMatch(/kept from the base model/);
  });

  it('predicts: every input column kept as it was, the prediction columns added, extrapolations and MAPE reported', async () => {
    const input = [
      'note,hardware,model,tp,pp,batch,output_tokens,input_tokens,energy_j,tag',
      '"first, with a comma",H100,Llama-3.1-8B,1,1,16.0,256,512,120.50,a',
      'plain,H100,meta-llama/Llama-3.1-8B-Instruct,2,1,256,256,512,40,',
      'three,H100,Qwen3-30B-A3B-Instruct-2507, 2 ,2,64,256,512,90.0,c',
    ].join('\n');
    file('test.csv', `${input}\n`);
    const r = await run('predict', '--model', 'model.json', '--data', 'test.csv', '--out', 'pred.csv');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('predicted 3 rows; wrote pred.csv');
    expect(r.stdout).toMatch(/1 row is an extrapolation[^\n]*\n\s+row 2: batch 256 outside the fitted 4-64/);
    expect(r.stdout).not.toMatch(/hardware H100 not in the training data/);
    expect(r.stdout).toMatch(/MAPE of energy per output token: [\d.]+ % over 3 rows with energy_j/);
    const [head, ...rows] = csv('pred.csv');
    const [inHead, ...inRows] = parse(input) as string[][];
    expect(head).toEqual([...inHead, ...PRED]);
    rows.forEach((row, i) => {
      expect(row.slice(0, inHead.length)).toEqual(inRows[i]);
      const [e, perToken, low, high, prefill, decode, tpot] = row.slice(inHead.length).map(Number);
      expect(e).toBeGreaterThan(0);
      expect(perToken * 256).toBeCloseTo(e, 2);
      expect(low).toBeLessThan(e);
      expect(high).toBeGreaterThan(e);
      expect(prefill + decode).toBeCloseTo(e, 2);
      expect(tpot).toBeGreaterThan(0);
    });
    expect(rows[0].at(-1)).toBe('');
    expect(rows[1].at(-1)).toMatch(/^batch 256 outside the fitted 4-64/);
  });

  it('predicts rows without energy_j (no MAPE), and --json prints a summary', async () => {
    file('noenergy.csv', 'model,hardware,tp,pp,batch,output_tokens\nLlama-3.1-8B,H100,1,1,8,100\n');
    const r = await run('predict', '--model', 'model.json', '--data', 'noenergy.csv', '--out', 'pred2.csv', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ out: 'pred2.csv', rows: 1, extrapolations: 1, mapeEnergyPerTokenPct: null, measuredRows: 0 });
    expect(csv('pred2.csv')[0]).toEqual(['model', 'hardware', 'tp', 'pp', 'batch', 'output_tokens', ...PRED]);
  });

  it('explains every parameter, the formula and the training data; --json parses', async () => {
    const r = await run('explain', '--model', 'model.json');
    expect(r.status, r.stderr).toBe(0);
    const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    for (const p of model.parameters) {
      expect(r.stdout).toContain(`${p.name} = `);
      expect(r.stdout).toContain(p.meaning);
    }
    expect(r.stdout).toMatch(/95 %: [\d.e+-]+-[\d.e+-]+|held \(/);
    expect(r.stdout).toMatch(/formula \(plain text\):\n\s+T_step/);
    expect(r.stdout).toMatch(/formula \(LaTeX\):\n\s+T_\{step\}/);
    expect(r.stdout).toContain(`trained on ${trainRows} records`);
    expect(r.stdout).toMatch(/3 models on H100/);
    expect(r.stdout).toMatch(/ranges: batch 4-64, GPUs 1-8, tensor degree 1-4, pipeline degree 1-2/);
    const j = JSON.parse((await run('explain', '--model', 'model.json', '--json')).stdout);
    expect(j.parameters).toHaveLength(12);
    expect(j.formula.text).toContain('E_token');
    expect(j.training.records).toBe(trainRows);
  });

  it('selects: the ranked table, the most frugal and the fastest, and the infeasible configurations', async () => {
    const r = await run('select', '--model', 'model.json', '--llm', 'Llama-3.1-70B', '--hardware', 'H100', '--input', '512', '--output', '256', '--batch', '4,16,64', '--top', '5', '--slo-tpot-ms', '60');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^rank\s+tp\s+pp\s+ep\s+gpus\s+batch\s+J\/token \(95 %\)\s+interval\s+TPOT ms\s+SLO 60 ms\s+note\s+chosen as/m);
    expect(r.stdout).toMatch(/^\s+1\s+\d+\s+\d+\s+1\s+\d+\s+\d+\s+[\d.]+ \([\d.]+-[\d.]+\)\s+x\/÷[\d.]+\s+[\d.]+\s+(ok|miss)/m);
    // the configurations the text names are rows of the table
    expect(r.stdout).toMatch(/ most frugal(,|$)/m);
    expect(r.stdout).toMatch(/most frugal within the 60 ms objective: tp \d+, pp \d+, batch \d+: [\d.]+/);
    expect(r.stdout).toMatch(/at the same batch \(\d+\) within the 60 ms objective, the fastest layout is tp \d+, pp \d+: [\d.]+x faster \(TPOT [\d.]+ ms\) for [\d.]+x the energy per token|at batch \d+ within the 60 ms objective, the most frugal layout is also the fastest/);
    expect(r.stdout).toMatch(/\d+ configurations are infeasible.*:\n\s+tp 1, pp 1, batch 4: /);
    const j = JSON.parse((await run('select', '--model', 'model.json', '--llm', 'Llama-3.1-70B', '--hardware', 'H100', '--input', '512', '--output', '256', '--batch', '4,16,64', '--tp', '1,2,4', '--pp', '1,2', '--json')).stdout);
    expect(j.candidates.length).toBeGreaterThan(3);
    const e = j.candidates.map((c: { energyPerTokenJ: number }) => c.energyPerTokenJ);
    expect(e).toEqual([...e].sort((a, b) => a - b));
    expect(j.infeasibleCount).toBe(j.infeasible.length);
    expect(j.infeasible[0].reason).toMatch(/weights need [\d.]+ GB per GPU; the budget is [\d.]+ GB/);
    expect(j.mostFrugal.rank).toBe(1);
    expect(typeof j.fastest.tpotMs).toBe('number');
    expect(j.candidates[0].extrapolation).toEqual([]);
  });

  it('without time per token: no tpot predictions, and select says the fastest is unknown', async () => {
    expect((await run('fit', '--data', 'train.csv', '--out', 'nolat.json', '--no-latency', '--restarts', '1', '--no-discovery')).status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'nolat.json'), 'utf8')).parameters[0]).toMatchObject({ name: 'p_static', held: true });
    expect((await run('predict', '--model', 'nolat.json', '--data', 'noenergy.csv', '--out', 'pred3.csv')).status).toBe(0);
    expect(csv('pred3.csv')[1][6 + PRED.indexOf('tpot_s_pred')]).toBe('');
    const s = await run('select', '--model', 'nolat.json', '--llm', 'Llama-3.1-8B', '--hardware', 'H100', '--input', '512', '--output', '256', '--batch', '4,64');
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toContain('fastest: unknown');
  });

  it('rejects bad input with the file, row and column or the option, and leaves no output behind', async () => {
    file('empty.csv', '');
    file('nan.csv', `${HEADER}\nLlama-3.1-8B,H100,1,1,8,100,50\nLlama-3.1-8B,H100,1,1,NaN,100,50\n`);
    file('hw.csv', `${HEADER}\nLlama-3.1-8B,H100,1,1,8,100,50\nLlama-3.1-8B,TPU9,1,1,8,100,50\n`);
    file('llm.csv', `${HEADER}\nno-such-llm,H100,1,1,8,100,50\n`);
    file('other.json', JSON.stringify({ format: 'something-else', version: 1 }));
    file('v2.json', JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')), version: 99 }));
    const before = readdirSync(dir).sort();
    const sel = ['select', '--model', 'model.json', '--input', '512', '--output', '256'];
    /** arguments, error code, message, the output file that must not exist afterwards */
    const cases: [string[], string, RegExp, string?][] = [
      [['fit', '--data', 'nope.csv', '--out', 'x1.json'], 'FILE_NOT_FOUND', /nope\.csv: no such file/, 'x1.json'],
      [['fit', '--data', 'empty.csv', '--out', 'x2.json'], 'INVALID_RECORD', /empty\.csv: .*\n.*the file is empty/, 'x2.json'],
      [['fit', '--data', 'nan.csv', '--out', 'x3.json'], 'INVALID_RECORD', /nan\.csv:3 \(row 2\): column "batch": expected a finite number > 0, got "NaN"/, 'x3.json'],
      [['predict', '--model', 'model.json', '--data', 'hw.csv', '--out', 'x4.csv'], 'INVALID_RECORD', /hw\.csv:3 \(row 2\): column "hardware": expected a known accelerator.*got "TPU9"/, 'x4.csv'],
      [['predict', '--model', 'model.json', '--data', 'llm.csv', '--out', 'x5.csv'], 'INVALID_RECORD', /llm\.csv:2 \(row 1\): column "model": expected a catalog model.*got "no-such-llm"/, 'x5.csv'],
      ...['0', '2.5'].map((v): [string[], string, RegExp, string] => [['fit', '--data', 'train.csv', '--out', 'x6.json', '--sample', v], 'INVALID_OPTION', /--sample must be a positive integer/, 'x6.json']),
      [['fit', '--data', 'train.csv', '--out', 'x7.json', '--sample', '100000'], 'INVALID_OPTION', new RegExp(`--sample 100000 is larger than the ${trainRows} records in train.csv`), 'x7.json'],
      [['fit', '--data', 'train.csv', '--out', 'x8.json', '--refit', 'p_static'], 'INVALID_OPTION', /--refit needs --calibrate/, 'x8.json'],
      [['fit', '--data', 'train.csv', '--out', 'x9.json', '--calibrate', 'model.json', '--refit', 'p_statc'], 'INVALID_OPTION', /--refit: unknown parameter "p_statc"/, 'x9.json'],
      [['fit', '--data', 'train.csv', '--out', join('no', 'dir', 'm.json')], 'INVALID_OPTION', /--out .*the folder .* does not exist/],
      [['explain', '--model', 'other.json'], 'INVALID_MODEL_FILE', /other\.json: format is "something-else"; expected "energylens-energy-model"/],
      [['predict', '--model', 'v2.json', '--data', 'train.csv', '--out', 'x10.csv'], 'INVALID_MODEL_FILE', /v2\.json: version 99/, 'x10.csv'],
      [['fit', '--data', 'train.csv', '--out', 'x11.json', '--calibrate', 'v2.json', '--refit', 'k_mem'], 'INVALID_MODEL_FILE', /v2\.json: version 99/, 'x11.json'],
      [['predict', '--model', 'missing.json', '--data', 'train.csv', '--out', 'x12.csv'], 'FILE_NOT_FOUND', /missing\.json: no such model file/, 'x12.csv'],
      [['predict', '--model', 'model.json', '--data', 'pred.csv', '--out', 'x13.csv'], 'INVALID_CSV', /already has a column "energy_j_pred"/, 'x13.csv'],
      [[...sel, '--llm', 'no-such-llm', '--hardware', 'H100'], 'UNKNOWN_MODEL', /--llm: unknown model "no-such-llm"/],
      [[...sel, '--llm', 'Llama-3.1-8B', '--hardware', 'TPU9'], 'UNKNOWN_HARDWARE', /--hardware: unknown hardware "TPU9"/],
      [[...sel, '--llm', 'Llama-3.1-8B', '--hardware', 'H100', '--tp', '1,x'], 'INVALID_OPTION', /--tp must be a comma-separated list of positive integers/],
      [[...sel, '--llm', 'Llama-3.1-405B', '--hardware', 'H100', '--max-gpus', '1'], 'INFEASIBLE', /no configuration of Llama-3.1-405B on H100 fits/],
    ];
    const results = await Promise.all(cases.map(([args]) => start(...args)));
    results.forEach((r, i) => fails(r, cases[i][1], cases[i][2], cases[i][3]));
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('shows its defaults in --help', async () => {
    const [fit, predict, explain, select] = (await Promise.all(['fit', 'predict', 'explain', 'select'].map((c) => start(c, '--help'))))
      .map((r) => r.stdout.replace(/\s+/g, ' '));
    expect(fit).toMatch(/--restarts <n> .*\(default: 8\)/);
    expect(fit).toMatch(/--seed <n> .*\(default: 0\)/);
    expect(predict).toContain('energy_j_pred');
    expect(explain).toMatch(/--model <model\.json>/);
    expect(select).toMatch(/--max-gpus <n> .*\(default: 8\)/);
    expect(select).toMatch(/--top <k> .*\(default: 10\)/);
    expect(select).toMatch(/--batch <list> .*\(default: 1,8,16,32,64,128,256\)/);
  });
});
