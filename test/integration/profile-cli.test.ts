/**
 * `energylens profile` end to end without GPUs: a fake OpenAI-compatible server stands in for vLLM, a fake
 * nvidia-smi on PATH draws more power on the GPUs the server was given while it prefills or decodes.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { startCli } from './cli-start.js';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'bin/energylens.js');
const FAKE_SERVER = join(ROOT, 'test/fixtures/fake-openai-server.mjs');
const FAKE_BIN = join(ROOT, 'test/fixtures/bin');
const dir = mkdtempSync(join(tmpdir(), 'energylens-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// the "engine": the fake server, out of memory when given 4 GPUs
const ENGINE = join(dir, 'engine.sh');
writeFileSync(ENGINE, `#!/bin/sh
# engine.sh TP PORT BATCH
if [ "$1" = "4" ]; then exec node "${FAKE_SERVER}" --port "$2" --fail oom --startup-ms 50; fi
exec node "${FAKE_SERVER}" --model Llama-3.1-8B-Instruct --port "$2" --tensor-parallel-size "$1" --max-num-seqs "$3" --startup-ms 100 --ttft-ms 30 --itl-ms 6 --itl-ms-per-seq 0.5
`);
chmodSync(ENGINE, 0o755);

const STATE = join(dir, 'gpu-state.json');
const ENV = {
  ...process.env, PATH: `${FAKE_BIN}${delimiter}${process.env.PATH}`, FAKE_GPU_STATE: STATE, FAKE_NVSMI_GPUS: '4',
  FAKE_NVSMI_IDLE_W: '70', FAKE_NVSMI_PREFILL_W: '300', FAKE_NVSMI_DECODE_W: '200',
};

function plan(name: string, grid: string, extra = ''): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `name: ${name}
model: Llama-3.1-8B-Instruct
engine:
  command: ["${ENGINE}", "{tp}", "{port}", "{batch}"]
  ready_timeout_s: 20
  stop_grace_s: 5
grid:
${grid}
workload:
  input_tokens: 64
  output_tokens: 24
  requests: 8
  request_timeout_s: 20
sampling:
  interval_ms: 20
  idle_s: 0.3
${extra}`);
  return path;
}

const run = (args: string[], env: NodeJS.ProcessEnv = ENV) => startCli(CLI, args, { env, cwd: dir });
const rows = (path: string): Record<string, string>[] => parse(readFileSync(path, 'utf8'), { columns: true });
const leftovers = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('energylens profile', () => {
  it('sweeps the grid, records failures with the reason, and writes records the model can fit', async () => {
    const p = plan('sweep', '  tp: [1, 2, 4]\n  batch: [2, 4]');
    const out = join(dir, 'sweep.csv');
    const r = await run(['profile', '--plan', p, '--out', out]);
    expect(r.stderr).toMatch(/GPUs: 4 x NVIDIA H100 80GB HBM3 \(catalog: H100-SXM5-80GB\)/);
    expect(r.stderr).toMatch(/idle power: [\d.]+ W per GPU/);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^4 measured, 2 failed in this run/);
    const recs = rows(out);
    expect(recs.map((x) => `${x.tp}/${x.max_batch}`)).toEqual(['1/2', '1/4', '2/2', '2/4']);
    for (const x of recs) {
      expect(Number(x.input_tokens)).toBe(64);
      expect(Number(x.output_tokens)).toBe(24);
      expect(Number(x.prefill_energy_j) + Number(x.decode_energy_j)).toBeCloseTo(Number(x.energy_j), 6);
      expect(Number(x.prefill_energy_j)).toBeGreaterThan(0);
      expect(Number(x.batch)).toBeGreaterThan(0.6 * Number(x.max_batch));
      expect(Number(x.batch)).toBeLessThanOrEqual(Number(x.max_batch) + 1e-9);
      // the power model: 70 W idle + 300 W prefilling / 200 W decoding on each GPU the server was given
      const perGpu = Number(x.avg_power_w) / Number(x.num_gpus);
      expect(perGpu).toBeGreaterThan(200);
      expect(perGpu).toBeLessThan(600);
      expect(Number(x.tpot_s)).toBeGreaterThan(0.003);
      expect(Number(x.tpot_s)).toBeLessThan(0.05);
      // idle: 70 W (samples are stamped when read, so a loaded machine moves a window's edges a little)
      expect(Math.abs(Number(x.idle_power_w) - 70)).toBeLessThan(3.5);
      expect(x.energy_method).toBe('counter');
      expect(x.source).toBe('energylens-profile');
      expect(x.workload).toBe('sweep');
    }
    // two GPUs draw about twice the power of one: the GPUs outside the configuration are not counted
    const power = (tp: string) => Number(recs.find((x) => x.tp === tp && x.max_batch === '4')!.avg_power_w);
    expect(power('2') / power('1')).toBeGreaterThan(1.6);
    expect(power('2') / power('1')).toBeLessThan(2.4);
    const failures = rows(`${out}.failures.csv`);
    expect(failures.map((f) => f.config)).toEqual(['tp=4 pp=1 ep=1 batch=2 input=64 output=24', 'tp=4 pp=1 ep=1 batch=4 input=64 output=24']);
    expect(failures[0].reason).toMatch(/out of memory/);
    expect(readdirSync(`${out}.logs`).length).toBe(6);
    expect(leftovers()).toEqual([]);
    // the records are a training set as they are
    expect((await run(['validate', out])).status).toBe(0);
    const fit = await run(['fit', '--data', out, '--out', join(dir, 'model.json'), '--no-discovery']);
    expect(fit.status, fit.stderr).toBe(0);
    // a second run has nothing left to do; --retry-failed tries the failed ones again
    const again = await run(['profile', '--plan', p, '--out', out, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ measured: 0, failed: 0, resumed: 4, remaining: 0 });
    const retry = await run(['profile', '--plan', p, '--out', out, '--retry-failed', '--json']);
    expect(JSON.parse(retry.stdout)).toMatchObject({ measured: 0, failed: 2, resumed: 4, remaining: 0 });
    expect(rows(`${out}.failures.csv`)).toHaveLength(2);
  }, 120_000);

  it('integrates the power samples where the energy counter is not supported', async () => {
    const p = plan('sweep', '  tp: [1]\n  batch: [2]');
    const out = join(dir, 'power.csv');
    const r = await run(['profile', '--plan', p, '--out', out], { ...ENV, FAKE_NVSMI_NO_ENERGY: '1' });
    expect(r.status, r.stderr).toBe(0);
    const [x] = rows(out);
    expect(x.energy_method).toBe('power');
    // the power model's band (70 W idle + 200-300 W busy per GPU); energy per request itself depends on how long the
    // run took, which a loaded machine stretches, so it is not compared across runs
    const perGpu = Number(x.avg_power_w) / Number(x.num_gpus);
    expect(perGpu).toBeGreaterThan(200);
    expect(perGpu).toBeLessThan(600);
    expect(Number(x.prefill_energy_j) + Number(x.decode_energy_j)).toBeCloseTo(Number(x.energy_j), 6);
  }, 60_000);

  it('resumes an interrupted sweep where it stopped, with valid files in between', async () => {
    const p = plan('resume', '  tp: [1, 2]\n  batch: [1, 2, 4]');
    const out = join(dir, 'resume.csv');
    const child = spawn(process.execPath, [CLI, 'profile', '--plan', p, '--out', out], { env: ENV, cwd: dir });
    let stderr = '';
    const code = await new Promise<number | null>((done) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // interrupt during the second configuration
        if (/\[2\/6\]/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => done(c));
    });
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/run the same command again to resume/);
    const first = rows(out);
    expect(first.length).toBeGreaterThanOrEqual(1);
    expect(first.length).toBeLessThan(6);
    expect(leftovers()).toEqual([]);
    // the engine was stopped: on exit the fake server reports its GPUs idle
    expect(JSON.parse(readFileSync(STATE, 'utf8'))).toMatchObject({ prefilling: 0, decoding: 0 });
    const r = await run(['profile', '--plan', p, '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.resumed).toBe(first.length);
    expect(summary.measured).toBe(6 - first.length);
    const all = rows(out);
    expect(all).toHaveLength(6);
    expect(all.slice(0, first.length)).toEqual(first);
    expect(new Set(all.map((x) => x.config)).size).toBe(6);
  }, 120_000);

  it('measures only the budget, chosen adaptively, and a larger budget goes on from there', async () => {
    const p = plan('budget', '  tp: [1, 2]\n  batch: [1, 2, 4, 8]');
    const out = join(dir, 'budget.csv');
    const r = await run(['profile', '--plan', p, '--out', out, '--budget', '3']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[1\/3\] .*spread over the grid/);
    expect(rows(out)).toHaveLength(3);
    expect(r.stdout).toMatch(/3 measured, 0 failed in this run \(0 records from earlier runs\); the budget is spent \(5 grid configurations not measured\)/);
    const more = await run(['profile', '--plan', p, '--out', out, '--budget', '7', '--json']);
    expect(JSON.parse(more.stdout)).toMatchObject({ measured: 4, resumed: 3, remaining: 1, budgetLeft: 0 });
    expect(more.stderr).toMatch(/widest prediction interval/);
    expect(new Set(rows(out).map((x) => x.config)).size).toBe(7);
  }, 120_000);

  it('with --base, the budget measures first what pins the series: the ends of the batch range', async () => {
    const base = join(ROOT, 'models/mlenergy-v3.json');
    const p = plan('pinned', '  tp: [1, 2]\n  batch: [1, 2, 4, 8]');
    const out = join(dir, 'pinned.csv');
    const r = await run(['profile', '--plan', p, '--out', out, '--budget', '3', '--base', base]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[1\/3\] .*pins the series fastest/);
    expect(r.stderr).not.toMatch(/spread over the grid/);
    const picked = rows(out).map((x) => x.config);
    expect(picked).toHaveLength(3);
    for (const c of picked) expect(c).toMatch(/ batch=(1|8) /);
    const noBudget = await run(['profile', '--plan', p, '--out', out, '--base', base]);
    expect(noBudget.status).toBe(2);
    expect(noBudget.stderr).toMatch(/error \[.*\]: --base chooses what a --budget measures first/);
  }, 120_000);

  it('says clearly when there are no GPUs, the plan is bad, or the output belongs to another campaign', async () => {
    const p = plan('nogpu', '  tp: [1]\n  batch: [2]');
    const out = join(dir, 'nogpu.csv');
    const r = await run(['profile', '--plan', p, '--out', out], { ...ENV, FAKE_NVSMI_FAIL: '1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error \[GPU_UNAVAILABLE\]: .*NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/);
    expect(existsSync(out)).toBe(false);
    const missing = await run(['profile', '--plan', p, '--out', out], { ...ENV, PATH: '/nonexistent' });
    expect(missing.stderr).toMatch(/GPU_UNAVAILABLE.*nvidia-smi not found on PATH/);
    const badPlan = join(dir, 'bad.yaml');
    writeFileSync(badPlan, readFileSync(p, 'utf8').replace('requests: 8', 'requests: eight'));
    const bad = await run(['profile', '--plan', badPlan, '--out', out]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/error \[INVALID_PLAN\]: .*bad\.yaml, line 13: workload\.requests must be a positive integer \(got "eight"\)/);
    expect((await run(['profile', '--plan', join(dir, 'none.yaml'), '--out', out])).stderr).toMatch(/FILE_NOT_FOUND.*none\.yaml: no such plan file/);
    const unknown = join(dir, 'unknown.yaml');
    writeFileSync(unknown, readFileSync(p, 'utf8').replace('model: Llama-3.1-8B-Instruct', 'model: Foo-9B'));
    expect((await run(['profile', '--plan', unknown, '--out', out])).stderr).toMatch(/UNKNOWN_MODEL\]: the plan's model "Foo-9B" is not in the catalog: .*give params_b .* in the plan/);
    // --dry-run runs nothing: the configurations, their GPUs and launch commands
    const dry = await run(['profile', '--plan', plan('dry', '  tp: [1, 2, 4, 8]\n  batch: [2]'), '--dry-run', '--json']);
    expect(dry.status, dry.stderr).toBe(0);
    const listed = JSON.parse(dry.stdout);
    expect(listed.configurations.map((c: { config: string }) => c.config)).toEqual(['tp=1 pp=1 ep=1 batch=2 input=64 output=24', 'tp=2 pp=1 ep=1 batch=2 input=64 output=24', 'tp=4 pp=1 ep=1 batch=2 input=64 output=24']);
    expect(listed.configurations[1].command).toBe(`CUDA_VISIBLE_DEVICES=0,1 ${ENGINE} 2 PORT 2`);
    expect(listed.skipped).toEqual([{ config: 'tp=8 pp=1 ep=1 batch=2 input=64 output=24', reason: 'needs 8 GPUs; 4 available' }]);
    expect(existsSync(join(dir, 'dry.csv'))).toBe(false);
    // records of another plan in --out: refused, and the file is left as it was
    const other = join(dir, 'sweep.csv');
    const before = readFileSync(other, 'utf8');
    const clash = await run(['profile', '--plan', p, '--out', other]);
    expect(clash.status).toBe(2); // INVALID_OPTION: a usage error
    expect(clash.stderr).toMatch(/sweep\.csv, row 1: a record of Llama-3.1-8B-Instruct \/ sweep, but the plan profiles Llama-3.1-8B-Instruct \/ nogpu; give another --out/);
    expect(readFileSync(other, 'utf8')).toBe(before);
  }, 60_000);
});
