import { describe, expect, it } from 'vitest';
import { configKey, expandGrid, launchArgv, parsePlan, readPlan } from '../../../src/energy/profiler/plan.js';
import { maximinChoice, nextAdaptive, MIN_RECORDS_TO_FIT } from '../../../src/energy/profiler/adaptive.js';
import { hardwareFromGpuName } from '../../../src/energy/profiler/sweep.js';
import { builtinCatalog } from '../../../src/energy/catalog/index.js';
import { simulate } from '../../../src/energy/simulator/index.js';
import { readEnergyModel } from '../../../src/energy/model/model-file.js';
import { join } from 'node:path';
import type { PlannedConfig } from '../../../src/energy/profiler/plan.js';
import type { FitRecord } from '../../../src/energy/model/fit.js';

const PLAN = `
name: chat-512
model: Llama-3.1-8B-Instruct
served_model: meta-llama/Llama-3.1-8B-Instruct
engine:
  command: vllm serve {served_model} --port {port} --tensor-parallel-size {tp} --pipeline-parallel-size {pp} --max-num-seqs {batch} --max-model-len {max_model_len} --served-model-name "{served_model}"
  env:
    VLLM_LOGGING_LEVEL: INFO
    NCCL_P2P_LEVEL: "{tp}"
grid:
  tp: [1, 2, 4]
  pp: [1, 2]
  batch: [8, 32]
workload:
  input_tokens: 512
  output_tokens: [128, 256]
  requests: 32
`;

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    return `${(err as { code?: string }).code}: ${(err as Error).message}`;
  }
  return 'no error';
};

describe('profiling plans', () => {
  it('parses a plan, with defaults', () => {
    const p = parsePlan(PLAN, 'plan.yaml');
    expect(p.name).toBe('chat-512');
    expect(p.servedModel).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(p.engine.argv.slice(0, 4)).toEqual(['vllm', 'serve', '{served_model}', '--port']);
    expect(p.engine.argv.at(-1)).toBe('{served_model}');
    expect(p.grid).toEqual({ tp: [1, 2, 4], pp: [1, 2], ep: [1], batch: [8, 32] });
    expect(p.workload).toEqual({ inputTokens: [512], outputTokens: [128, 256], requests: 32, warmupWaves: 1, requestTimeoutS: 600 });
    expect(p.engine.readyPath).toBe('/health');
    expect(p.engine.host).toBe('127.0.0.1');
    expect(p.sampling).toEqual({ intervalMs: 100, idleS: 10 });
  });

  it('expands the grid, leaves out what needs more GPUs than there are, and fills the placeholders', () => {
    const p = parsePlan(PLAN, 'plan.yaml');
    const { configs, skipped } = expandGrid(p, 4);
    expect(configs.length + skipped.length).toBe(3 * 2 * 2 * 2);
    expect(skipped.every((s) => s.config.tp * s.config.pp > 4)).toBe(true);
    expect(skipped[0].reason).toMatch(/needs 8 GPUs; 4 available/);
    const c = configs.find((x) => x.tp === 2 && x.pp === 2 && x.batch === 32 && x.outputTokens === 256)!;
    expect(configKey(c)).toBe('tp=2 pp=2 ep=1 batch=32 input=512 output=256');
    const { argv, env } = launchArgv(p, c, 8123);
    expect(argv.join(' ')).toBe('vllm serve meta-llama/Llama-3.1-8B-Instruct --port 8123 --tensor-parallel-size 2 --pipeline-parallel-size 2 --max-num-seqs 32 --max-model-len 832 --served-model-name meta-llama/Llama-3.1-8B-Instruct');
    expect(env).toEqual({ VLLM_LOGGING_LEVEL: 'INFO', NCCL_P2P_LEVEL: '2' });
  });

  it('names the file, the line and the field of a bad value', () => {
    expect(code(() => parsePlan(PLAN.replace('tp: [1, 2, 4]', 'tp: [1, two, 4]'), 'plan.yaml'))).toBe('INVALID_PLAN: plan.yaml, line 11: grid.tp.1 must be a positive integer or a list of them (got "two")');
    expect(code(() => parsePlan(PLAN.replace('requests: 32', 'requests: -3'), 'p.yaml'))).toMatch(/^INVALID_PLAN: p\.yaml, line 17: workload\.requests must be a positive integer \(got -3\)/);
    expect(code(() => parsePlan(PLAN.replace('grid:', 'gird:'), 'p.yaml'))).toMatch(/line 10: gird is not a plan field \(known: name, model/);
    expect(code(() => parsePlan(PLAN.replace('--port {port}', '--port {prot}'), 'p.yaml'))).toMatch(/line 6: engine\.command uses an unknown placeholder \{prot\} \(known: \{model\}/);
    expect(code(() => parsePlan(PLAN.replace('vllm serve', 'vllm serve | tee x; vllm'), 'p.yaml'))).toMatch(/engine\.command holds a shell operator/);
    expect(code(() => parsePlan(PLAN.replace('model: Llama-3.1-8B-Instruct\n', ''), 'p.yaml'))).toMatch(/^INVALID_PLAN: p\.yaml: model is required/);
    expect(code(() => parsePlan(PLAN.replace(/workload:[\s\S]*$/, ''), 'p.yaml'))).toMatch(/workload is required/);
    expect(code(() => parsePlan('', 'empty.yaml'))).toMatch(/^INVALID_PLAN: empty\.yaml: a plan is a YAML mapping .* this file is empty/);
    expect(code(() => parsePlan('name: [unclosed', 'bad.yaml'))).toMatch(/^INVALID_PLAN: bad\.yaml(, line \d+)?: not valid YAML/);
    expect(code(() => parsePlan(`${PLAN}\nname: again\n`, 'dup.yaml'))).toMatch(/not valid YAML: .*unique/i);
    expect(code(() => parsePlan(PLAN.replace('name: chat-512', 'name: chat-512\nprecision: fp7'), 'p.yaml'))).toMatch(/line 3: precision must be one of bf16/);
    expect(code(() => parsePlan(PLAN.replace('  requests: 32', '  requests: 32\n  warmup_waves: 1.5'), 'p.yaml'))).toMatch(/workload\.warmup_waves must be a non-negative integer \(got 1\.5\)/);
  });

  it('reads the example plan for vLLM', () => {
    const p = readPlan(new URL('../../../examples/profile-vllm.yaml', import.meta.url).pathname);
    const { configs } = expandGrid(p, 8);
    expect(configs).toHaveLength(48);
    expect(launchArgv(p, configs[0], 8000).argv.slice(0, 3)).toEqual(['vllm', 'serve', 'meta-llama/Llama-3.1-8B-Instruct']);
  });

  it('takes the command as a list of arguments too', () => {
    const p = parsePlan(PLAN.replace(/  command: .*\n/, '  command: [python, -m, vllm.entrypoints.openai.api_server, --port, "{port}", --tensor-parallel-size, "{tp}"]\n'), 'p.yaml');
    expect(launchArgv(p, expandGrid(p, 8).configs[0], 9000).argv).toEqual(['python', '-m', 'vllm.entrypoints.openai.api_server', '--port', '9000', '--tensor-parallel-size', '1']);
  });
});

describe('hardware from the GPU name', () => {
  it('maps nvidia-smi names to catalog entries', () => {
    const cat = builtinCatalog();
    expect(hardwareFromGpuName('NVIDIA H100 80GB HBM3', cat)).toBe('H100-SXM5-80GB');
    expect(hardwareFromGpuName('NVIDIA A100-SXM4-40GB', cat)).toBe('A100-SXM4-40GB');
    expect(hardwareFromGpuName('NVIDIA B200', cat)).toBe('B200-SXM-180GB');
    expect(hardwareFromGpuName('Tesla T4', cat)).toBeUndefined();
  });
});

describe('adaptive sampling', () => {
  const plan = parsePlan(PLAN.replace('batch: [8, 32]', 'batch: [8, 16, 32, 64, 128]'), 'plan.yaml');
  const { configs } = expandGrid(plan, 8);

  it('spreads the first picks over the grid', () => {
    const first = maximinChoice(configs, []);
    const second = maximinChoice(configs, [first]);
    const third = maximinChoice(configs, [first, second]);
    expect(new Set([first, second, third].map(configKey)).size).toBe(3);
    // the second is a corner, far from the middle
    expect(Math.abs(Math.log2(second.tp) - Math.log2(first.tp)) + Math.abs(Math.log2(second.batch) - Math.log2(first.batch))).toBeGreaterThan(1);
  });

  it('fits the model once it has enough records and picks the widest interval', () => {
    const sim = simulate({ models: ['Llama-3.1-8B-Instruct'], hardware: ['H100'], tp: [1, 2], pp: [1], batch: [8, 64], input: [512], output: [128, 256], noise: 0.03, seed: 3 });
    const records = sim.records.slice(0, MIN_RECORDS_TO_FIT + 1);
    const tried = configs.filter((c) => records.some((r) => r.tp === c.tp && r.pp === c.pp && r.batch === c.batch && r.output_tokens === c.outputTokens));
    const left = configs.filter((c) => !tried.includes(c));
    const choice = nextAdaptive(plan, 'H100', left, records, tried);
    expect(choice.why).toMatch(/^widest prediction interval/);
    // pipeline parallelism and tp 4 are outside what the records cover: the least certain configurations
    expect(choice.config.pp > 1 || choice.config.tp > 2 || choice.config.batch > 64).toBe(true);
    const early = nextAdaptive(plan, 'H100', left, records.slice(0, 2), tried);
    expect(early.why).toMatch(/^spread over the grid \(2 of 5 records/);
  });

  it('with a base model, picks the records that pin the series: batch extremes and new layouts, from the first record on', () => {
    const base = readEnergyModel(join(process.cwd(), 'models/mlenergy-v3.json'));
    const one = parsePlan(PLAN.replace('batch: [8, 32]', 'batch: [8, 16, 32, 64, 128]').replace('output_tokens: [128, 256]', 'output_tokens: [256]'), 'plan.yaml');
    const grid = expandGrid(one, 8).configs;
    const sim = simulate({ models: ['Llama-3.1-8B-Instruct'], hardware: ['H100'], tp: [1, 2, 4], pp: [1, 2], batch: [8, 16, 32, 64, 128], input: [512], output: [256], noise: 0.03, seed: 3 });
    const campaign = (b?: typeof base): { picks: PlannedConfig[]; whys: string[] } => {
      const records: FitRecord[] = [];
      const picks: PlannedConfig[] = [];
      const whys: string[] = [];
      for (let i = 0; i < 6; i++) {
        const choice = nextAdaptive(one, 'H100', grid.filter((c) => !picks.includes(c)), records, picks, b ? { base: b } : {});
        picks.push(choice.config);
        whys.push(choice.why);
        const measured = sim.records.find((r) => r.tp === choice.config.tp && r.pp === choice.config.pp && r.batch === choice.config.batch);
        if (measured) records.push({ ...measured, workload: one.name });
      }
      return { picks, whys };
    };
    const pooled = campaign();
    const pinned = campaign(base);
    expect(pinned.picks.map(configKey)).not.toEqual(pooled.picks.map(configKey));
    for (const why of pinned.whys) expect(why).toMatch(/^pins the series fastest/);
    // the effect has a slope in log batch: its variance is largest at the ends of the batch range
    for (const c of pinned.picks) expect([8, 128]).toContain(c.batch);
    expect(new Set(pinned.picks.slice(0, 4).map((c) => c.batch))).toEqual(new Set([8, 128]));
    // and a level per layout: the first picks measure layouts not yet seen
    expect(new Set(pinned.picks.slice(0, 4).map((c) => `${c.tp}x${c.pp}`)).size).toBe(4);
  });
});
