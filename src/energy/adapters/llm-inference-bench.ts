/**
 * Argonne's LLM-Inference-Bench power runs (`fig10_all_results.csv`, `fig16_power_results.csv`) as profiling
 * records. Every unit question is settled from the numbers in docs/llm-inference-bench.md; in short:
 * - `avg_power` above 5,000 is in mW (NVML's unit), else in W;
 * - a Fig_10 row on A100 or H100 sums all four GPUs of the node, idle ones included: the idle GPUs' power
 *   (IDLE_GPU_POWER_W each, measured from the configurations both files hold) is subtracted; Fig_16 reads GPU 0
 *   only, which is the one GPU of its single-GPU runs; a GH200 node holds one superchip;
 * - energy of the timed call = power x latency (the power window's sleeps read as active: no correction);
 *   `energy_j` per request = that / batch; input = output = L tokens per request;
 * - a configuration in both files is taken from Fig_16 (no correction needed); repeats within one file are
 *   averaged (latency and energy).
 * Each bad line is refused with its file, line and column; nothing is returned when any line is bad.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { EnergyLensError } from '../../errors.js';
import { builtinCatalog, type Catalog } from '../catalog/catalog.js';
import { ProblemCollector, summariseProblems, type RecordProblem } from '../records/problems.js';
import type { ProfilingRecord } from '../records/schema.js';

export const LLM_INFERENCE_BENCH_FILES = { fig10: 'fig10_all_results.csv', fig16: 'fig16_power_results.csv' } as const;
export type LlmInferenceBenchFile = keyof typeof LLM_INFERENCE_BENCH_FILES;

/** The data's accelerator labels: catalog name and GPUs per node. */
export const LLM_INFERENCE_BENCH_HARDWARE: Readonly<Record<string, { hardware: string; gpusPerNode: number }>> = {
  'Nvidia A100 GPU': { hardware: 'A100-SXM4-40GB', gpusPerNode: 4 },
  'Nvidia H100 GPU': { hardware: 'H100-SXM5-80GB', gpusPerNode: 4 },
  'Nvidia GH200 GPU': { hardware: 'GH200-96GB', gpusPerNode: 1 },
};

/**
 * Power of one idle GPU of the node (W): the mean of (Fig_10 - Fig_16) / 3 over the configurations both files
 * hold (A100: 10, spread 157-180 W; H100: 2, 224 and 237 W). See docs/llm-inference-bench.md.
 */
export const IDLE_GPU_POWER_W: Readonly<Record<string, number>> = { 'A100-SXM4-40GB': 55.6, 'H100-SXM5-80GB': 76.8 };

/** avg_power above this is in mW: no node of four GPUs draws 5 kW, no GPU busy on a model draws under 5 W. */
export const MILLIWATT_THRESHOLD = 5000;

const FRAMEWORKS: Readonly<Record<string, string>> = { vllm: 'vLLM', 'tensorrt-llm': 'TensorRT-LLM', 'deepspeed-mii': 'DeepSpeed-MII' };
const COLUMNS = ['Hardware', 'Num of Hardware', 'Framework', 'Model', 'Input Output Length', 'Batch Size', 'Latency', 'Throughput', 'avg_power'] as const;

/** One parsed line, before deduplication. */
export interface BenchMeasurement {
  file: LlmInferenceBenchFile; line: number; hardware: string; gpus: number; framework: string; model: string;
  lengthTokens: number; batch: number; latencyS: number; powerW: number; idleSubtractedW: number;
}

export interface LlmInferenceBenchImport {
  records: ProfilingRecord[];
  /** measurements (data lines) read from each file */
  measurements: Record<LlmInferenceBenchFile, number>;
  /** configurations of Fig_10 replaced by the same configuration in Fig_16 */
  replacedByFig16: number;
  /** configurations measured more than once in one file (averaged) */
  averagedRepeats: number;
}

function cellNumber(cell: string, integer: boolean): number | undefined {
  const t = cell.trim();
  if (t === '') return undefined;
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) return undefined;
  return n;
}

/** The measurements of one file; problems go to `report`. */
export function readBenchFile(path: string, file: LlmInferenceBenchFile, report: (p: RecordProblem) => void, catalog: Catalog = builtinCatalog()): BenchMeasurement[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(readFileSync(path), { bom: true, skip_empty_lines: true, relax_column_count: true, info: true }) as unknown as typeof rows;
  } catch (err) {
    const e = err as { code?: string; message?: string; lines?: number };
    if (e.code === 'ENOENT') throw new EnergyLensError('FILE_NOT_FOUND', `${path}: no such file`);
    report({ file: path, line: e.lines ?? 0, row: 0, column: '', expected: 'well-formed CSV', got: e.message ?? String(err) });
    return [];
  }
  if (rows.length === 0) { report({ file: path, line: 0, row: 0, column: '', expected: 'a header row and data rows (the file is empty)' }); return []; }
  const header = rows[0].record.map((h) => h.trim());
  const at = new Map(COLUMNS.map((c) => [c, header.indexOf(c)]));
  const missing = COLUMNS.filter((c) => at.get(c)! < 0);
  for (const c of missing) report({ file: path, line: 1, row: 0, column: c, expected: `column "${c}" in the header` });
  if (missing.length > 0) return [];
  const out: BenchMeasurement[] = [];
  rows.slice(1).forEach(({ record: cells, info }, i) => {
    const where = { file: path, line: info.lines, row: i + 1 };
    let bad = false;
    const problem = (column: string, expected: string, got?: string): void => { bad = true; report({ ...where, column, expected, ...(got === undefined ? {} : { got }) }); };
    if (cells.length !== header.length) { problem('', `${header.length} cells as in the header`, `${cells.length} cells`); return; }
    const text = (c: (typeof COLUMNS)[number]): string => cells[at.get(c)!] ?? '';
    const num = (c: (typeof COLUMNS)[number], integer: boolean): number => {
      const v = cellNumber(text(c), integer);
      if (v === undefined) problem(c, integer ? 'a positive integer' : 'a finite number > 0', text(c));
      return v ?? Number.NaN;
    };
    const hw = LLM_INFERENCE_BENCH_HARDWARE[text('Hardware').trim()];
    if (!hw) problem('Hardware', `one of ${Object.keys(LLM_INFERENCE_BENCH_HARDWARE).join(', ')}`, text('Hardware'));
    const gpus = num('Num of Hardware', true);
    const frameworkText = text('Framework').trim();
    if (frameworkText === '') problem('Framework', 'a framework name', frameworkText);
    const model = text('Model').trim();
    if (!catalog.findModel(model)) problem('Model', 'a model of the catalog (docs/catalog.md)', model);
    const length = num('Input Output Length', true);
    const batch = num('Batch Size', true);
    const latencyS = num('Latency', false);
    const throughput = num('Throughput', false);
    const rawPower = num('avg_power', false);
    if (bad || !hw) return;
    if (gpus > hw.gpusPerNode) return problem('Num of Hardware', `at most the ${hw.gpusPerNode} GPU(s) of a ${hw.hardware} node`, text('Num of Hardware'));
    if (file === 'fig16' && gpus !== 1) return problem('Num of Hardware', '1 (Fig_16 reads GPU 0 only, so a run on more GPUs cannot be accounted for)', text('Num of Hardware'));
    const expectedThroughput = (2 * length * batch) / latencyS;
    if (Math.abs(throughput / expectedThroughput - 1) > 0.01) {
      return problem('Throughput', `(input + output tokens) / latency = 2 x ${length} x ${batch} / ${latencyS} = ${expectedThroughput.toFixed(1)} within 1 %`, text('Throughput'));
    }
    const nodeW = rawPower > MILLIWATT_THRESHOLD ? rawPower / 1000 : rawPower;
    const idleGpus = file === 'fig10' ? hw.gpusPerNode - gpus : 0;
    const idleSubtractedW = idleGpus * (IDLE_GPU_POWER_W[hw.hardware] ?? 0);
    const powerW = nodeW - idleSubtractedW;
    const boardW = catalog.findHardware(hw.hardware)?.boardPowerW ?? Number.POSITIVE_INFINITY;
    if (!(powerW > 0) || powerW > gpus * boardW) {
      return problem('avg_power', `after the unit (mW above ${MILLIWATT_THRESHOLD}) and ${idleGpus} idle GPU(s) subtracted, between 0 and ${gpus} x ${boardW} W`, text('avg_power'));
    }
    out.push({
      file, line: info.lines, hardware: hw.hardware, gpus, framework: FRAMEWORKS[frameworkText.toLowerCase()] ?? frameworkText, model,
      lengthTokens: length, batch, latencyS, powerW, idleSubtractedW,
    });
  });
  return out;
}

const configKey = (m: BenchMeasurement): string => [m.hardware, m.gpus, m.framework, m.model, m.lengthTokens, m.batch].join('|');

function recordOf(group: readonly BenchMeasurement[]): ProfilingRecord {
  const m = group[0];
  const latencyS = group.reduce((a, x) => a + x.latencyS, 0) / group.length;
  const callEnergyJ = group.reduce((a, x) => a + x.powerW * x.latencyS, 0) / group.length;
  const source = `llm-inference-bench ${m.file}`;
  return {
    model: m.model, hardware: m.hardware, tp: m.gpus, pp: 1, dp: 1, num_gpus: m.gpus, batch: m.batch,
    input_tokens: m.lengthTokens, output_tokens: m.lengthTokens, energy_j: callEnergyJ / m.batch,
    precision: 'fp16', architecture: 'dense', modality: 'text', workload: `offline-${m.lengthTokens}x${m.lengthTokens}`,
    framework: m.framework, throughput_tok_s: (m.batch * m.lengthTokens) / latencyS, avg_power_w: callEnergyJ / latencyS,
    source,
    extra: {
      latency_s: String(latencyS), idle_power_subtracted_w: String(m.idleSubtractedW),
      source_lines: group.map((x) => `${LLM_INFERENCE_BENCH_FILES[x.file]}:${x.line}`).join(' '),
    },
  };
}

/** Merges the two files' measurements: Fig_16 wins over Fig_10, repeats within a file are averaged. */
export function mergeMeasurements(measurements: readonly BenchMeasurement[]): Omit<LlmInferenceBenchImport, 'measurements'> {
  const byKey = new Map<string, BenchMeasurement[]>();
  for (const m of measurements) byKey.set(configKey(m), [...(byKey.get(configKey(m)) ?? []), m]);
  let replacedByFig16 = 0;
  let averagedRepeats = 0;
  const records: ProfilingRecord[] = [];
  for (const group of byKey.values()) {
    const fig16 = group.filter((m) => m.file === 'fig16');
    if (fig16.length > 0 && fig16.length < group.length) replacedByFig16 += 1;
    const kept = fig16.length > 0 ? fig16 : group;
    if (kept.length > 1) averagedRepeats += 1;
    records.push(recordOf(kept));
  }
  return { records, replacedByFig16, averagedRepeats };
}

/** Reads both files of `dir` (the llm-inference-bench folder); any bad line is an INVALID_RECORD listing all. */
export function importLlmInferenceBench(dir: string, options: { catalog?: Catalog; maxProblems?: number } = {}): LlmInferenceBenchImport {
  const collector = new ProblemCollector(options.maxProblems ?? 1000);
  const measurements: BenchMeasurement[] = [];
  const counts = { fig10: 0, fig16: 0 };
  for (const file of Object.keys(LLM_INFERENCE_BENCH_FILES) as LlmInferenceBenchFile[]) {
    const path = join(dir, LLM_INFERENCE_BENCH_FILES[file]);
    if (!existsSync(path)) throw new EnergyLensError('FILE_NOT_FOUND', `${path}: no such file (the folder should hold ${Object.values(LLM_INFERENCE_BENCH_FILES).join(' and ')})`);
    const got = readBenchFile(path, file, (p) => collector.add(p), options.catalog);
    counts[file] = got.length;
    measurements.push(...got);
  }
  if (collector.count > 0) {
    throw new EnergyLensError('INVALID_RECORD', `${dir}: ${collector.count} problem${collector.count === 1 ? '' : 's'}\n${summariseProblems(collector.problems, collector.count)}`, collector.problems);
  }
  return { ...mergeMeasurements(measurements), measurements: counts };
}
