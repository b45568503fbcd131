// The energy data commands end to end (built CLI: run `npm run build` first).
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliStarter } from './cli-start.js';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'energylens.js');
const BUILT = existsSync(join(ROOT, 'dist', 'cli', 'commands', 'simulate.js'));
const MLE = join(ROOT, '..', 'shared', 'data', 'mlenergy-v3');
const ILB = join(ROOT, '..', 'shared', 'data', 'llm-inference-bench');
let dir: string;
const run = cliStarter(CLI, () => dir);
const HEADER = 'model,hardware,tp,pp,batch,output_tokens,energy_j';
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'energylens-energy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!BUILT)('energylens validate' + (BUILT ? '' : ' (skipped: run `npm run build` first)'), () => {
  const file = (name: string, text: string) => { writeFileSync(join(dir, name), text); return name; };

  it('accepts a good file, with a BOM and Windows line endings', async () => {
    const r = await run('validate', file('good.csv', `\uFEFF${HEADER},precision\r\nLlama-3.1-8B,H100,1,1,8,100,50,bf16\r\nmy-model,B200,2,1,4,10,5,fp8\r\n`));
    expect(r.status).toBe(1); // my-model has no params_b and is not in the catalog
    expect(r.stdout).toContain('good.csv:3 (row 2): column "model": expected a catalog model, or params_b in the row');
    const ok = await run('validate', file('good2.csv', `\uFEFF${HEADER},params_b\r\nLlama-3.1-8B,H100,1,1,8,100,50,\r\nmy-model,B200,2,1,4,10,5,13\r\n`));
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('good2.csv: OK, 2 records');
  });

  it('lists every problem at once with line, column and expectation', async () => {
    const text = [
      `${HEADER},precision,num_gpus,tp`,
      'Llama-3.1-8B,H100,1,1,8,100,-5,fp7,,1',
      'Llama-3.1-8B,H100,4,2,8,100,0,bf16,4,4',
      'Llama-3.1-8B,TPU,1,1,NaN,100,3,,,1',
    ].join('\n');
    const r = await run('validate', file('bad.csv', text));
    expect(r.status).toBe(1);
    noStack(r.stderr);
    expect(r.stdout).toContain('bad.csv:1 (header): column "tp": expected each column name once in the header');
    expect(r.stdout).toContain('bad.csv:2 (row 1): column "energy_j": expected a positive finite energy in joules (> 0), got "-5"');
    expect(r.stdout).toContain('bad.csv:2 (row 1): column "precision": expected one of bf16, fp16, fp8, int8, int4, mxfp4, got "fp7"');
    expect(r.stdout).toContain('bad.csv:3 (row 2): column "energy_j"');
    expect(r.stdout).toContain('bad.csv:3 (row 2): column "num_gpus": expected at least tp*pp*dp = 8 GPUs, got "4"');
    expect(r.stdout).toContain('bad.csv:4 (row 3): column "batch": expected a finite number > 0, got "NaN"');
    expect(r.stdout).toContain('bad.csv:4 (row 3): column "hardware": expected a known accelerator');
    expect(r.stderr).toMatch(/7 problems in 3 data rows/);
  });

  it('reports an empty file, a header-only file and a missing file clearly', async () => {
    const e = await run('validate', file('empty.csv', ''));
    expect(e.status).toBe(1);
    expect(e.stdout).toMatch(/empty/);
    const h = await run('validate', file('header.csv', `${HEADER}\n`));
    expect(h.status).toBe(1);
    expect(h.stdout).toMatch(/only a header/);
    const m = await run('validate', 'missing.csv');
    expect(m.status).toBe(1);
    expect(m.stderr).toContain('energylens: error [FILE_NOT_FOUND]: missing.csv: no such file');
    noStack(m.stderr);
  });

  it('prints a JSON report and uses a user catalog', async () => {
    writeFileSync(join(dir, 'cat.json'), JSON.stringify({ hardware: [{ name: 'X9', memoryGB: 64, hbmBandwidthTBs: 2, denseBf16Tflops: 400, boardPowerW: 500, idlePowerW: 70, interconnectGBs: 300 }] }));
    file('x9.csv', `${HEADER}\nLlama-3.1-8B,X9,1,1,8,100,50\n`);
    expect((await run('validate', 'x9.csv')).status).toBe(1);
    const r = await run('validate', 'x9.csv', '--catalog', 'cat.json', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, rows: 1, problemCount: 0 });
    writeFileSync(join(dir, 'badcat.json'), '{"hardware":[{"name":"Y"}]}');
    const b = await run('validate', 'x9.csv', '--catalog', 'badcat.json');
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/INVALID_CATALOG.*\n.*hardware\[0\]\.memoryGB/);
  });

  it('shows its defaults in --help', async () => {
    const r = await run('validate', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout.replace(/\s+/g, " ")).toMatch(/--max-problems <n> .*\(default: 1000\)/);
  });
});

describe.skipIf(!BUILT)('energylens import' + (BUILT ? '' : ' (skipped: run `npm run build` first)'), () => {
  it.skipIf(!existsSync(MLE))('imports all 838 ML.ENERGY configurations, which then validate', async () => {
    const r = await run('import', 'mlenergy', '--dir', MLE, '--out', 'mle.csv', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 838 });
    expect(readFileSync(join(dir, 'mle.csv'), 'utf8').trim().split('\n')).toHaveLength(839);
    const v = await run('validate', 'mle.csv');
    expect(v.status, v.stdout).toBe(0);
  });

  it.skipIf(!existsSync(ILB))('imports the 192 llm-inference-bench configurations, which then validate; a bad line writes nothing', async () => {
    const r = await run('import', 'llm-inference-bench', '--dir', ILB, '--out', 'ilb.csv', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 192, measurements: { fig10: 161, fig16: 48 }, replacedByFig16: 12, averagedRepeats: 5 });
    expect((await run('validate', 'ilb.csv')).status).toBe(0);
    const bad = mkdtempSync(join(tmpdir(), 'energylens-ilb-'));
    writeFileSync(join(bad, 'fig10_all_results.csv'), readFileSync(join(ILB, 'fig10_all_results.csv'), 'utf8').replace('45.96582125', 'slow'));
    writeFileSync(join(bad, 'fig16_power_results.csv'), readFileSync(join(ILB, 'fig16_power_results.csv'), 'utf8'));
    const b = await run('import', 'llm-inference-bench', '--dir', bad, '--out', 'ilb-bad.csv');
    expect(b.status).toBe(1);
    expect(b.stderr).toContain('fig10_all_results.csv:2 (row 1): column "Latency": expected a finite number > 0, got "slow"');
    noStack(b.stderr);
    expect(existsSync(join(dir, 'ilb-bad.csv'))).toBe(false);
    rmSync(bad, { recursive: true, force: true });
  });

  it('imports a CSV through a column map, or writes nothing when a row is bad', async () => {
    writeFileSync(join(dir, 'theirs.csv'), 'Model,GPU,TP,B,Out,Joules,note\nLlama-3.1-8B,H100,2,8,100,55.5,a\n');
    const map = 'model=Model,hardware=GPU,tp=TP,batch=B,output_tokens=Out,energy_j=Joules';
    const r = await run('import', 'csv', '--in', 'theirs.csv', '--map', map, '--set', 'pp=1', '--out', 'mine.csv');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('wrote 1 records to mine.csv');
    expect((await run('validate', 'mine.csv')).status).toBe(0);
    writeFileSync(join(dir, 'theirs-bad.csv'), 'Model,GPU,TP,B,Out,Joules\nLlama-3.1-8B,H100,2,8,100,-1\n');
    const bad = await run('import', 'csv', '--in', 'theirs-bad.csv', '--map', map, '--set', 'pp=1', '--out', 'mine-bad.csv');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('theirs-bad.csv:2 (row 1): column "energy_j"');
    noStack(bad.stderr);
    expect(existsSync(join(dir, 'mine-bad.csv'))).toBe(false);
    const badMap = await run('import', 'csv', '--in', 'theirs.csv', '--map', 'joules=Joules', '--out', 'x.csv');
    expect(badMap.status).toBe(2); // a usage error
    expect(badMap.stderr).toMatch(/INVALID_OPTION.*not a record column/);
  });
});

describe.skipIf(!BUILT)('energylens simulate' + (BUILT ? '' : ' (skipped: run `npm run build` first)'), () => {
  it('writes records and reports what does not fit', async () => {
    const r = await run('simulate', '--out', 'sim.csv', '--models', 'Llama-3.1-8B,Llama-3.1-70B', '--hardware', 'H100', '--tp', '1,2', '--pp', '1,2', '--batch', '1,32', '--input', '512', '--output', '64', '--seed', '3', '--json', '--infeasible-out', 'infeasible.csv');
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.records + summary.infeasibleCount).toBe(16);
    expect(summary.infeasibleCount).toBeGreaterThan(0);
    expect(summary.infeasible[0].reason).toMatch(/weights need/);
    expect(readFileSync(join(dir, 'infeasible.csv'), 'utf8').split('\n')[0]).toBe('model,hardware,tp,pp,batch,input_tokens,output_tokens,precision,reason');
    const csv = readFileSync(join(dir, 'sim.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(summary.records + 1);
    expect(csv[0]).toContain('prefill_energy_j,decode_energy_j,ttft_s,tpot_s');
    expect((await run('validate', 'sim.csv')).status).toBe(0);
    const again = await run('simulate', '--out', 'sim2.csv', '--models', 'Llama-3.1-8B,Llama-3.1-70B', '--hardware', 'H100', '--tp', '1,2', '--pp', '1,2', '--batch', '1,32', '--input', '512', '--output', '64', '--seed', '3');
    expect(again.status).toBe(0);
    expect(readFileSync(join(dir, 'sim2.csv'), 'utf8')).toBe(readFileSync(join(dir, 'sim.csv'), 'utf8'));
  });

  it('fails cleanly and leaves no output behind', async () => {
    const before = readdirSync(dir).sort();
    const a = await run('simulate', '--out', 'none1.csv', '--models', 'no-such-model');
    expect(a.status).toBe(1);
    expect(a.stderr).toMatch(/UNKNOWN_MODEL.*no-such-model.*--catalog/);
    const b = await run('simulate', '--out', 'none2.csv', '--tp', '1,x');
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--tp must be a comma-separated list of positive integers/);
    const c = await run('simulate', '--out', 'none3.csv', '--models', 'Llama-3.1-405B', '--hardware', 'H100', '--tp', '1', '--pp', '1');
    expect(c.status).toBe(1);
    expect(c.stderr).toMatch(/INFEASIBLE/);
    const d = await run('simulate', '--out', join('no', 'such', 'dir.csv'), '--models', 'Llama-3.1-8B', '--tp', '1', '--pp', '1');
    // refused before simulating, as fit, predict and discover refuse an output folder that does not exist
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/INVALID_OPTION.*--out .*dir\.csv: the folder .*such does not exist/);
    for (const r of [a, b, c, d]) noStack(r.stderr);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('shows defaults in --help', async () => {
    const r = await run('simulate', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout.replace(/\s+/g, " ")).toMatch(/--noise <sigma> .*\(default: 0\.03\)/);
    expect(r.stdout).toMatch(/--tp <list>.*\(default: 1,2,4,8\)/s);
  });
});
