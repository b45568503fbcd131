import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { simulate, estimateServing, compareWithMeasurements, summariseRatios } from '../../../src/energy/simulator/index.js';
import { createRng } from '../../../src/sr/index.js';
import { paramSplit, expertsTouchedFraction, kvCacheBytes, ssmStateBytes, DEFAULT_PHYSICS, type ServingConfig } from '../../../src/energy/physics/index.js';
import { resolveHardware, resolveModel } from '../../../src/energy/catalog/index.js';
import { importMlEnergy } from '../../../src/energy/adapters/index.js';

const base = (over: Partial<ServingConfig> = {}): ServingConfig => ({
  model: resolveModel('Llama-3.1-8B'), hardware: resolveHardware('H100'), tp: 1, pp: 1, dp: 1, ep: 1, numGpus: 1,
  batch: 8, inputTokens: 512, outputTokens: 256, precision: 'bf16', visionTokens: 0, ...over,
});

describe('the seeded generator the simulator draws its noise from', () => {
  it('is seeded and reproducible, with standard-normal draws', () => {
    const a = createRng(7); const b = createRng(7); const c = createRng(8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 5 }, () => b.next()));
    expect(xs).not.toEqual(Array.from({ length: 5 }, () => c.next()));
    const r = createRng(1);
    const zs = Array.from({ length: 20000 }, () => r.normal());
    const mean = zs.reduce((s, z) => s + z, 0) / zs.length;
    const v = zs.reduce((s, z) => s + (z - mean) ** 2, 0) / zs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
  });
});

describe('model math', () => {
  it('splits MoE parameters into dense and expert parts', () => {
    const m = resolveModel('Mixtral-8x7B');
    const s = paramSplit(m);
    expect(s.denseB + s.expertsB).toBeCloseTo(m.paramsB, 6);
    expect(s.denseB + m.activeExperts * s.perExpertB).toBeCloseTo(m.activeParamsB, 6);
    expect(paramSplit(resolveModel('Llama-3.1-8B')).expertsB).toBe(0);
  });
  it('touches more experts as tokens grow, up to all of them', () => {
    const m = resolveModel('Qwen3-30B-A3B');
    expect(expertsTouchedFraction(m, 1)).toBeCloseTo(8 / 128, 6);
    expect(expertsTouchedFraction(m, 64)).toBeGreaterThan(expertsTouchedFraction(m, 8));
    expect(expertsTouchedFraction(m, 4096)).toBeCloseTo(1, 6);
  });
  it('keeps a fixed state for state-space layers and a growing KV cache for attention', () => {
    const hybrid = resolveModel('Nemotron-Nano-12B-v2');
    const dense = resolveModel('Qwen3-14B');
    expect(ssmStateBytes(hybrid, 2)).toBeGreaterThan(0);
    const growH = kvCacheBytes(hybrid, 8192, 2) / kvCacheBytes(hybrid, 1024, 2);
    expect(growH).toBeCloseTo(8, 6);
    expect(kvCacheBytes(hybrid, 8192, 2)).toBeLessThan(kvCacheBytes(dense, 8192, 2) / 5); // 6 attention layers of 62
    // Llama 3.1 8B: 32 layers x 8 KV heads x 128 x 2 (K,V) x 2 bytes = 128 KiB per token
    expect(kvCacheBytes(resolveModel('Llama-3.1-8B'), 1, 2)).toBe(131072);
  });
});

describe('physics of one configuration', () => {
  it('decode is memory-bound: small-batch time per token is near weights / bandwidth', () => {
    const e = estimateServing(base({ batch: 1 }));
    const weightsS = (8e9 * 2) / 3.35e12;
    expect(e.tpotS).toBeGreaterThan(weightsS);
    expect(e.tpotS).toBeLessThan(3 * weightsS);
    expect(e.feasible).toBe(true);
  });
  it('a stack without a KV cache: energy per output token grows about linearly with the output length at batch 1; with a cache it barely grows', () => {
    const perToken = (outputTokens: number, contextRecomputeFraction: number): number => {
      const e = estimateServing(base({ model: resolveModel('meta-llama/Llama-2-7b-hf'), hardware: resolveHardware('A100-SXM4-40GB'), batch: 1, inputTokens: 128, outputTokens, precision: 'fp16' }),
        { ...DEFAULT_PHYSICS, contextRecomputeFraction });
      return e.energyJ / outputTokens;
    };
    const cached = [1024, 2048, 4096].map((o) => perToken(o, 0));
    const recomputed = [1024, 2048, 4096].map((o) => perToken(o, 1));
    expect(cached[2] / cached[0]).toBeLessThan(1.3);
    expect(recomputed[1] / recomputed[0]).toBeGreaterThan(1.7);
    expect(recomputed[2] / recomputed[0]).toBeGreaterThan(3.2);
    expect(recomputed[0]).toBeGreaterThan(3 * cached[0]);
    expect(estimateServing(base(), { ...DEFAULT_PHYSICS, contextRecomputeFraction: 0 })).toEqual(estimateServing(base()));
  });
  it('prefill is compute-bound: TTFT grows about linearly with long prompts', () => {
    const a = estimateServing(base({ inputTokens: 8192 }));
    const b = estimateServing(base({ inputTokens: 32768 }));
    expect(b.ttftS / a.ttftS).toBeGreaterThan(3.5);
  });
  it('energy per token falls with batch; energy sums its phases; power is between idle and board power', () => {
    const small = estimateServing(base({ batch: 1 }));
    const big = estimateServing(base({ batch: 64 }));
    expect(big.energyJ).toBeLessThan(small.energyJ);
    expect(big.energyJ).toBeCloseTo(big.prefillEnergyJ + big.decodeEnergyJ, 9);
    expect(small.avgPowerW).toBeGreaterThan(110);
    expect(small.avgPowerW).toBeLessThan(700);
  });
  it('GH200 draws the power of its Hopper GPU, not of the whole module (CPU included): close to H100 SXM, never above 700 W', () => {
    for (const batch of [1, 8, 64]) {
      const h100 = estimateServing(base({ batch }));
      const gh200 = estimateServing(base({ batch, hardware: resolveHardware('GH200') }));
      expect(gh200.avgPowerW).toBeLessThanOrEqual(700);
      expect(gh200.avgPowerW / h100.avgPowerW).toBeGreaterThan(0.8);
      expect(gh200.avgPowerW / h100.avgPowerW).toBeLessThan(1.25);
    }
  });
  it('more TP lowers time per token but costs more energy at small batch', () => {
    const m = resolveModel('Llama-3.1-70B');
    const t2 = estimateServing(base({ model: m, tp: 2, numGpus: 2, batch: 8 }));
    const t8 = estimateServing(base({ model: m, tp: 8, numGpus: 8, batch: 8 }));
    expect(t8.tpotS).toBeLessThan(t2.tpotS);
    expect(t8.energyJ).toBeGreaterThan(t2.energyJ);
  });
  it('idle GPUs of a pipeline cost energy: PP with batch 1 wastes the bubble', () => {
    const m = resolveModel('Llama-3.1-70B');
    const p1 = estimateServing(base({ model: m, tp: 4, numGpus: 4, batch: 1 }));
    const p2 = estimateServing(base({ model: m, tp: 4, pp: 2, numGpus: 8, batch: 1 }));
    expect(p2.energyJ).toBeGreaterThan(1.1 * p1.energyJ);
    expect(p2.tpotS).toBeGreaterThan(0.9 * p1.tpotS); // no latency gain for a single sequence
  });
  it('MoE computes on active parameters: cheaper per token than a dense model of the same total size', () => {
    const moe = estimateServing(base({ model: resolveModel('Qwen3-30B-A3B'), batch: 32 }));
    const dense = estimateServing(base({ model: resolveModel('Qwen3-32B'), batch: 32 }));
    expect(moe.energyJ).toBeLessThan(dense.energyJ);
  });
  it('lower precision reads fewer bytes: FP8 decodes faster than BF16', () => {
    const m = resolveModel('Llama-3.1-70B');
    const bf16 = estimateServing(base({ model: m, tp: 2, numGpus: 2 }));
    const fp8 = estimateServing(base({ model: m, tp: 2, numGpus: 2, precision: 'fp8' }));
    expect(fp8.tpotS).toBeLessThan(bf16.tpotS);
    expect(fp8.energyJ).toBeLessThan(bf16.energyJ);
  });
  it('vision prefill adds encoder work and image tokens', () => {
    const m = resolveModel('Qwen3-VL-8B');
    const text = estimateServing(base({ model: m, inputTokens: 100 }));
    const image = estimateServing(base({ model: m, inputTokens: 1124, visionTokens: 1024 }));
    expect(image.prefillEnergyJ).toBeGreaterThan(3 * text.prefillEnergyJ);
    expect(image.ttftS).toBeGreaterThan(text.ttftS);
  });
  it('reports configurations that do not fit, with the reason', () => {
    const m = resolveModel('Llama-3.1-70B');
    const e = estimateServing(base({ model: m }));
    expect(e.feasible).toBe(false);
    expect(e.infeasibleReason).toMatch(/weights need 140 GB per GPU; the budget is 75\.3 GB/);
    const long = estimateServing(base({ batch: 1, inputTokens: 600_000 }));
    expect(long.feasible).toBe(false);
    expect(long.infeasibleReason).toMatch(/one sequence of 600\d{3} tokens needs [\d.]+ GB of KV cache per GPU; [\d.]+ GB left after weights/);
  });

  it('runs a batch that outgrows the KV-cache pool with preemption, as serving engines do: feasible, with a warning', () => {
    const kv = estimateServing(base({ batch: 4096, inputTokens: 8192 }));
    expect(kv.feasible).toBe(true);
    expect(kv.memory.warning).toMatch(/near the memory limit: the KV cache of batch 4096 .* about \d+ sequences run at once and the engine preempts the rest/);
    const held = kv.memory.concurrentSequences;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(4096);
    // a request costs what it costs at the batch the pool holds
    const atHeld = estimateServing(base({ batch: held, inputTokens: 8192 }));
    expect(atHeld.memory.warning ?? '').not.toMatch(/preempts/);
    expect(kv.energyJ).toBeCloseTo(atHeld.energyJ, 9);
    expect(kv.tpotS).toBeCloseTo(atHeld.tpotS, 12);
    // a batch that fits is not warned about
    expect(estimateServing(base({ batch: 8, inputTokens: 512 })).memory.warning).toBeUndefined();
  });
});

describe('simulate()', () => {
  const opts = { models: ['Llama-3.1-8B', 'Llama-3.1-70B'], hardware: ['H100'], tp: [1, 2], pp: [1, 2], batch: [1, 16], input: [256], output: [64] };
  it('sweeps every configuration, reporting the ones that do not fit', () => {
    const r = simulate(opts);
    expect(r.records.length + r.infeasible.length).toBe(2 * 2 * 2 * 2);
    expect(r.infeasible.every((x) => x.model.includes('70B') && x.tp * x.pp < 2)).toBe(true);
    for (const rec of r.records) {
      expect(Math.abs(rec.energy_j / (rec.prefill_energy_j! + rec.decode_energy_j!) - 1)).toBeLessThan(1e-5);
      expect(rec.num_gpus).toBe(rec.tp * rec.pp);
      expect(rec.source).toBe('simulator');
      expect(rec.ttft_s! > 0 && rec.tpot_s! > 0 && rec.avg_power_w! > 0 && rec.throughput_tok_s! > 0).toBe(true);
    }
  });
  it('is reproducible for a seed; noise 0 is deterministic physics', () => {
    expect(simulate({ ...opts, seed: 5 }).records).toEqual(simulate({ ...opts, seed: 5 }).records);
    expect(simulate({ ...opts, seed: 5 }).records).not.toEqual(simulate({ ...opts, seed: 6 }).records);
    const a = simulate({ ...opts, noise: 0, seed: 1 }).records;
    const b = simulate({ ...opts, noise: 0, seed: 2 }).records;
    expect(a).toEqual(b);
    const noisy = simulate({ ...opts, noise: 0.05, seed: 3 }).records;
    const ratios = noisy.map((r, i) => r.energy_j / a[i].energy_j);
    expect(ratios.some((x) => Math.abs(x - 1) > 1e-3)).toBe(true);
    expect(ratios.every((x) => x > 0.7 && x < 1.4)).toBe(true);
  });
  it('validates its options', () => {
    expect(() => simulate({ tp: [0] })).toThrowError(/options.tp must be a non-empty list of positive integers/);
    expect(() => simulate({ noise: -1 })).toThrowError(/options.noise/);
    expect(() => simulate({ models: ['nope'] })).toThrowError(/unknown model "nope"/);
    expect(() => simulate({ models: ['Llama-3.1-8B'], modality: 'image' })).toThrowError(/takes no image input/);
  });
  it('simulates image prompts for vision-language models', () => {
    const r = simulate({ models: ['Qwen3-VL-8B'], hardware: ['H100'], tp: [1], pp: [1], batch: [4], input: [100], output: [64], modality: 'image' });
    expect(r.records[0]).toMatchObject({ modality: 'image', architecture: 'vlm', input_tokens: 1124 });
  });
});

const MLE = join(process.cwd(), '../shared/data/mlenergy-v3');
describe.skipIf(!existsSync(MLE))('calibration against ML.ENERGY v3' + (existsSync(MLE) ? '' : ' (skipped: ../shared/data/mlenergy-v3 absent)'), () => {
  it('expresses most configurations and meets the targets', () => {
    const { rows, skipped } = compareWithMeasurements(importMlEnergy(MLE));
    expect(rows.length + skipped.length).toBe(838);
    expect(rows.length).toBeGreaterThan(700);
    const s = summariseRatios(rows.map((r) => r.ratio));
    expect(s.median).toBeGreaterThan(1 / 1.5);
    expect(s.median).toBeLessThan(1.5);
    expect(s.within2x).toBeGreaterThanOrEqual(0.8);
  });
});
