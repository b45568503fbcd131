import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IDLE_GPU_POWER_W, LLM_INFERENCE_BENCH_FILES, importLlmInferenceBench, readBenchFile, type BenchMeasurement,
} from '../../../src/energy/adapters/index.js';
import { readRecords, writeRecordsCsv } from '../../../src/energy/records/index.js';
import { catalogCheck } from '../../../src/energy/catalog/index.js';

const DIR = join(process.cwd(), '../shared/data/llm-inference-bench');
const present = existsSync(join(DIR, LLM_INFERENCE_BENCH_FILES.fig10));

const HEAD10 = 'Hardware,Num of Hardware,Framework,Model,Input Output Length,Batch Size,Latency,Throughput,avg_power,Throughput_per_watt_avg,Perplexity';
const HEAD16 = 'Hardware,Num of Hardware,Framework,Model,Input Output Length,Batch Size,Latency,Throughput,avg_power';
/** A line whose Throughput is consistent: 2 x L x batch / latency. */
const line = (hw: string, n: number, fw: string, model: string, l: number, b: number, lat: number, power: number, fig10 = true): string =>
  [hw, n, fw, model, l, b, lat, (2 * l * b) / lat, power, ...(fig10 ? [1, 3] : [])].join(',');

function folder(fig10: string[], fig16: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'el-ilb-'));
  writeFileSync(join(dir, LLM_INFERENCE_BENCH_FILES.fig10), `${[HEAD10, ...fig10].join('\n')}\n`);
  writeFileSync(join(dir, LLM_INFERENCE_BENCH_FILES.fig16), `${[HEAD16, '', ...fig16].join('\n')}\n`);
  return dir;
}

describe('llm-inference-bench adapter on a small synthetic pair of files', () => {
  const A100 = 'Nvidia A100 GPU';
  const dir = folder([
    line(A100, 1, 'vLLM', 'meta-llama/Llama-2-7b-hf', 1024, 32, 40, 480),          // node sum in W: 3 idle GPUs subtracted
    line('Nvidia H100 GPU', 2, 'vLLM', 'Deci/DeciLM-7B', 128, 1, 1, 715000),        // mW, 2 idle GPUs
    line('Nvidia GH200 GPU', 1, 'vLLM', 'Qwen/Qwen2-7B', 256, 16, 2, 400),          // one superchip: nothing subtracted
    line('Nvidia GH200 GPU', 1, 'vLLM', 'Qwen/Qwen2-7B', 256, 16, 4, 300),          // a repeat: averaged
    line(A100, 1, 'Deepspeed-MII', 'meta-llama/Meta-Llama-3-8B', 1024, 1, 16, 400), // also in Fig_16: Fig_16 wins
  ], [
    line(A100, 1, 'Deepspeed-MII', 'meta-llama/Meta-Llama-3-8B', 1024, 1, 17, 228000, false),
    line(A100, 1, 'TensorRT-LLM', 'meta-llama/Llama-2-7b-hf', 1024, 64, 90, 333000, false),
  ]);
  const { records, replacedByFig16, averagedRepeats, measurements } = importLlmInferenceBench(dir);
  const find = (fw: string, model: string): (typeof records)[number] => records.find((r) => r.framework === fw && r.model === model)!;

  it('deduplicates: Fig_16 replaces Fig_10, repeats in one file are averaged', () => {
    expect(measurements).toEqual({ fig10: 5, fig16: 2 });
    expect(records).toHaveLength(5);
    expect(replacedByFig16).toBe(1);
    expect(averagedRepeats).toBe(1);
    const ds = find('DeepSpeed-MII', 'meta-llama/Meta-Llama-3-8B');
    expect(ds.source).toBe('llm-inference-bench fig16');
    expect(ds.energy_j).toBeCloseTo(228 * 17, 6);
    const gh = find('vLLM', 'Qwen/Qwen2-7B');
    expect(gh.energy_j).toBeCloseTo((400 * 2 + 300 * 4) / 2 / 16, 9);
    expect(gh.extra?.latency_s).toBe('3');
  });

  it('converts mW, subtracts the idle GPUs of a Fig_10 node, and gives energy per request with input = output = L', () => {
    const a = find('vLLM', 'meta-llama/Llama-2-7b-hf');
    expect(a).toMatchObject({ hardware: 'A100-SXM4-40GB', tp: 1, pp: 1, num_gpus: 1, batch: 32, input_tokens: 1024, output_tokens: 1024, precision: 'fp16' });
    expect(a.avg_power_w).toBeCloseTo(480 - 3 * IDLE_GPU_POWER_W['A100-SXM4-40GB'], 9);
    expect(a.energy_j).toBeCloseTo(((480 - 3 * 55.6) * 40) / 32, 6);
    expect(a.throughput_tok_s).toBeCloseTo((32 * 1024) / 40, 9);
    const h = find('vLLM', 'Deci/DeciLM-7B');
    expect(h).toMatchObject({ hardware: 'H100-SXM5-80GB', tp: 2, num_gpus: 2 });
    expect(h.avg_power_w).toBeCloseTo(715 - 2 * 76.8, 9);
    expect(find('TensorRT-LLM', 'meta-llama/Llama-2-7b-hf').avg_power_w).toBeCloseTo(333, 9);
    expect(find('vLLM', 'Qwen/Qwen2-7B')).toMatchObject({ hardware: 'GH200-96GB', extra: expect.objectContaining({ idle_power_subtracted_w: '0' }) });
  });

  it('writes records that validate against the catalog, framework included', async () => {
    const p = join(dir, 'out.csv');
    await writeRecordsCsv(p, records);
    const back = await readRecords(p, { check: catalogCheck() });
    expect(back.map((r) => r.framework).sort()).toEqual(['DeepSpeed-MII', 'TensorRT-LLM', 'vLLM', 'vLLM', 'vLLM']);
  });

  it('refuses each bad line with file, line and column, and returns nothing', () => {
    const bad = folder([
      line(A100, 1, 'vLLM', 'meta-llama/Llama-2-7b-hf', 1024, 32, 40, 480),
      line('Nvidia B300 GPU', 1, 'vLLM', 'meta-llama/Llama-2-7b-hf', 1024, 32, 40, 480),
      line(A100, 1, 'vLLM', 'nobody/unknown-7b', 1024, 32, 40, 480),
      line(A100, 1, 'vLLM', 'meta-llama/Llama-2-7b-hf', 1024, 32, 40, 480).replace(',40,', ',abc,'),
      [A100, 1, 'vLLM', 'meta-llama/Llama-2-7b-hf', 1024, 32, 40, 999, 480, 1, 3].join(','),
      line(A100, 5, 'vLLM', 'meta-llama/Llama-2-7b-hf', 1024, 32, 40, 480),
      line(A100, 1, 'vLLM', 'meta-llama/Llama-2-7b-hf', 1024, 32, 40, 100),
      `${A100},1,vLLM`,
    ], [line(A100, 2, 'vLLM', 'meta-llama/Llama-2-7b-hf', 1024, 32, 40, 300000, false)]);
    let err: { code?: string; message?: string } = {};
    try { importLlmInferenceBench(bad); } catch (e) { err = e as typeof err; }
    expect(err.code).toBe('INVALID_RECORD');
    const f10 = join(bad, LLM_INFERENCE_BENCH_FILES.fig10);
    const f16 = join(bad, LLM_INFERENCE_BENCH_FILES.fig16);
    expect(err.message).toContain(`${f10}:3 (row 2): column "Hardware": expected one of Nvidia A100 GPU`);
    expect(err.message).toContain(`${f10}:4 (row 3): column "Model": expected a model of the catalog`);
    expect(err.message).toContain(`${f10}:5 (row 4): column "Latency": expected a finite number > 0, got "abc"`);
    expect(err.message).toContain(`${f10}:6 (row 5): column "Throughput": expected (input + output tokens) / latency`);
    expect(err.message).toContain(`${f10}:7 (row 6): column "Num of Hardware": expected at most the 4 GPU(s)`);
    expect(err.message).toContain(`${f10}:8 (row 7): column "avg_power": expected after the unit`);
    expect(err.message).toContain(`${f10}:9 (row 8): expected 11 cells as in the header, got "3 cells"`);
    expect(err.message).toContain(`${f16}:3 (row 1): column "Num of Hardware": expected 1 (Fig_16 reads GPU 0 only`);
    expect(err.message).toMatch(/^.*: 8 problems/);
  });

  it('names a missing file and a missing column', () => {
    const empty = mkdtempSync(join(tmpdir(), 'el-ilb-'));
    expect(() => importLlmInferenceBench(empty)).toThrow(/fig10_all_results\.csv: no such file/);
    const noLatency = folder([], []);
    writeFileSync(join(noLatency, LLM_INFERENCE_BENCH_FILES.fig16), 'Hardware,Num of Hardware,Framework,Model,Input Output Length,Batch Size,Throughput,avg_power\n');
    expect(() => importLlmInferenceBench(noLatency)).toThrow(/fig16_power_results\.csv:1 \(header\): column "Latency": expected column "Latency" in the header/);
  });
});

describe.skipIf(!present)('llm-inference-bench adapter on the real files' + (present ? '' : ' (skipped: ../shared/data/llm-inference-bench absent)'), () => {
  const imported = present ? importLlmInferenceBench(DIR) : undefined;
  const read = (file: 'fig10' | 'fig16'): BenchMeasurement[] => readBenchFile(join(DIR, LLM_INFERENCE_BENCH_FILES[file]), file, (p) => { throw new Error(JSON.stringify(p)); });

  it('imports 192 configurations from 161 + 48 measurements, 12 shared by both files, 5 repeated', () => {
    const { records, measurements, replacedByFig16, averagedRepeats } = imported!;
    expect(measurements).toEqual({ fig10: 161, fig16: 48 });
    expect(replacedByFig16).toBe(12);
    expect(averagedRepeats).toBe(5);
    expect(records).toHaveLength(192);
    expect(new Set(records.map((r) => r.framework))).toEqual(new Set(['vLLM', 'TensorRT-LLM', 'DeepSpeed-MII']));
    expect(new Set(records.map((r) => r.hardware))).toEqual(new Set(['A100-SXM4-40GB', 'H100-SXM5-80GB', 'GH200-96GB']));
    const keys = records.map((r) => [r.hardware, r.tp, r.framework, r.model, r.input_tokens, r.batch].join('|'));
    expect(new Set(keys).size).toBe(records.length);
    for (const r of records) expect(r.avg_power_w!).toBeLessThanOrEqual(r.num_gpus! * (r.hardware.startsWith('A100') ? 400 : 700));
  });

  it('the idle power subtracted is what the configurations in both files differ by, and a difference fits better than a ratio', () => {
    const fig16 = new Map(read('fig16').map((m) => [[m.hardware, m.framework, m.model, m.lengthTokens, m.batch].join('|'), m]));
    const byHw = new Map<string, { diff: number; ratio: number }[]>();
    for (const m of read('fig10')) {
      const o = fig16.get([m.hardware, m.framework, m.model, m.lengthTokens, m.batch].join('|'));
      if (!o) continue;
      const node = m.powerW + m.idleSubtractedW;
      byHw.set(m.hardware, [...(byHw.get(m.hardware) ?? []), { diff: node - o.powerW, ratio: node / o.powerW }]);
    }
    expect(byHw.get('A100-SXM4-40GB')).toHaveLength(10);
    expect(byHw.get('H100-SXM5-80GB')).toHaveLength(2);
    const cv = (xs: number[]): number => { const m = xs.reduce((a, b) => a + b, 0) / xs.length; return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length) / m; };
    for (const [hw, pairs] of byHw) {
      const perGpu = pairs.reduce((a, p) => a + p.diff, 0) / pairs.length / 3;
      expect(Math.abs(perGpu - IDLE_GPU_POWER_W[hw])).toBeLessThan(0.1);
      // the differences vary far less, relative to their size, than the ratios' excess over 1
      expect(cv(pairs.map((p) => p.diff))).toBeLessThan(cv(pairs.map((p) => p.ratio - 1)) / 2);
    }
  });

  it('reads mW above 5,000: the same configuration once in W and once in mW agrees after conversion', () => {
    const twice = read('fig10').filter((m) => m.model === 'Deci/DeciLM-7B' && m.hardware === 'H100-SXM5-80GB' && m.gpus === 1 && m.lengthTokens === 1024 && m.batch === 32);
    expect(twice).toHaveLength(2);
    expect(Math.abs(twice[0].powerW / twice[1].powerW - 1)).toBeLessThan(0.02);
  });

  it('energy per output token of a row by hand: GH200, vLLM, Qwen2-7B, L = 128, batch 1', () => {
    const r = imported!.records.find((x) => x.hardware === 'GH200-96GB' && x.model === 'Qwen/Qwen2-7B' && x.input_tokens === 128 && x.batch === 1)!;
    expect(r.energy_j / r.output_tokens).toBeCloseTo((348.2295 * 0.977487373) / 128, 9);
  });

  it('writes records that validate against the catalog', async () => {
    const p = join(mkdtempSync(join(tmpdir(), 'el-ilb-')), 'ilb.csv');
    await writeRecordsCsv(p, imported!.records);
    expect(await readRecords(p, { check: catalogCheck() })).toHaveLength(192);
  });
});
