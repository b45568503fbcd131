import { describe, expect, it } from 'vitest';
import {
  batchExtrapolationSplits, evaluateSplits, hardwareExtrapolationSplits, leaveOneModelOutSplits, protocolSplits, runProtocol,
  sampleEfficiencySplits, PROTOCOL_NAMES, DEFAULT_PROTOCOLS, leaveOneFrameworkOutSplits, random50Splits, evaluateMethods,
} from '../../../src/energy/evaluation/index.js';
import { closedFormMethod, latencyProxyMethod, rooflineMethod, type EnergyMethod, type TrainRecord } from '../../../src/energy/baselines/index.js';
import { simulate } from '../../../src/energy/simulator/index.js';

const records: TrainRecord[] = simulate({
  models: ['Llama-3.1-8B-Instruct', 'Qwen3-30B-A3B-Instruct-2507', 'Llama-3.1-70B-Instruct'], hardware: ['H100', 'A100'],
  tp: [1, 2, 4], pp: [1, 2], batch: [4, 16, 64], input: [512], output: [256], noise: 0.02, seed: 9,
}).records;
const keys = ['model', 'hardware', 'batch'];

describe('protocol splits', () => {
  it('sample efficiency: seeded random splits per size, the rest to test, sizes leaving too few test records skipped', () => {
    const a = sampleEfficiencySplits(records, { sizes: [10, 25, records.length - 5], seeds: 3 });
    expect(a.splits.map((s) => s.group)).toEqual(['10', '10', '10', '25', '25', '25']);
    expect(a.skipped).toHaveLength(1);
    expect(a.skipped[0]).toMatch(/fewer than 50 to test on/);
    for (const s of a.splits) {
      const [p] = s.parts;
      expect(p.train).toHaveLength(s.trainSize);
      expect(new Set([...p.train, ...p.test]).size).toBe(records.length);
    }
    expect(sampleEfficiencySplits(records, { sizes: [10], seeds: 3 })).toEqual(sampleEfficiencySplits(records, { sizes: [10], seeds: 3 }));
  });

  it('firstSeed starts the seeds elsewhere (choose a default on 101-110, report on 1-10): seed k is the same split either way', () => {
    const late = sampleEfficiencySplits(records, { sizes: [10], seeds: 2, firstSeed: 3 });
    expect(late.splits.map((s) => s.seed)).toEqual([3, 4]);
    expect(late.splits[0]).toEqual(sampleEfficiencySplits(records, { sizes: [10], seeds: 3 }).splits[2]);
    expect(random50Splits(records, { seeds: 2, firstSeed: 101 }).splits.map((s) => s.seed)).toEqual([101, 102]);
    expect(() => random50Splits(records, { firstSeed: 0 })).toThrow(/firstSeed must be a positive integer/);
  });

  it('batch extrapolation trains on batches up to the median and tests on larger ones', () => {
    const { splits } = batchExtrapolationSplits(records, { seeds: 2, trainSize: 20 });
    for (const s of splits) {
      expect(s.parts[0].train).toHaveLength(20);
      expect(Math.max(...s.parts[0].train.map((i) => records[i].batch))).toBeLessThanOrEqual(16);
      expect(Math.min(...s.parts[0].test.map((i) => records[i].batch))).toBeGreaterThan(16);
    }
    const flat = records.map((r) => ({ ...r, batch: 8 }));
    expect(() => batchExtrapolationSplits(flat, { file: 'one-batch.csv' })).toThrow(/one-batch\.csv has batch 8/);
  });

  it('hardware extrapolation: train on one GPU type, calibrate on k of another and test on the rest of it; one GPU type is an error naming the file', () => {
    const { splits } = hardwareExtrapolationSplits(records, { seeds: 2, trainSize: 30, calibrationRecords: 5 });
    expect([...new Set(splits.map((s) => s.group))]).toEqual(['A100-SXM4-80GB -> H100-SXM5-80GB', 'H100-SXM5-80GB -> A100-SXM4-80GB']);
    for (const s of splits) {
      const [p] = s.parts;
      const [from, to] = s.group.split(' -> ');
      expect(p.calibrate).toHaveLength(5);
      expect(p.train.every((i) => records[i].hardware.startsWith(from.slice(0, 4)))).toBe(true);
      expect([...p.calibrate!, ...p.test].every((i) => records[i].hardware.startsWith(to.slice(0, 4)))).toBe(true);
      expect(p.test.some((i) => p.calibrate!.includes(i))).toBe(false);
    }
    const h100 = records.filter((r) => r.hardware.startsWith('H100'));
    expect(h100.length).toBeGreaterThan(0);
    let err: unknown;
    try { hardwareExtrapolationSplits(h100, { file: 'h100.csv' }); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: 'INVALID_DATA', message: expect.stringMatching(/at least two GPU types; all \d+ records in h100\.csv are on H100/) });
  });

  it('leave one model out: one fold per model, trained on the others only', () => {
    const { splits } = leaveOneModelOutSplits(records, { seeds: 1, trainSize: 25 });
    expect(splits[0].parts).toHaveLength(3);
    for (const p of splits[0].parts) {
      const held = records[p.test[0]].model;
      expect(p.test.every((i) => records[i].model === held)).toBe(true);
      expect(p.train.every((i) => records[i].model !== held)).toBe(true);
    }
  });

  it('random 50: trainSize records at random, all the others to test, reproducible per seed', () => {
    const { splits } = random50Splits(records, { seeds: 3 });
    expect(splits.map((s) => s.group)).toEqual(['50 random', '50 random', '50 random']);
    for (const s of splits) {
      const [p] = s.parts;
      expect(p.train).toHaveLength(50);
      expect(p.test).toHaveLength(records.length - 50);
      expect(new Set([...p.train, ...p.test]).size).toBe(records.length);
    }
    expect(splits[0].parts[0].train).not.toEqual(splits[1].parts[0].train);
    expect(random50Splits(records, { seeds: 3 })).toEqual(random50Splits(records, { seeds: 3 }));
    expect(() => random50Splits(records.slice(0, 50), { file: 'few.csv' })).toThrow(/few\.csv has only 50/);
  });

  it('leave one framework out: one fold per framework, trained on the others only; refuses records without one or with a single one', () => {
    const withFw = records.map((r, i) => ({ ...r, framework: ['vLLM', 'TensorRT-LLM', 'DeepSpeed-MII'][i % 3] }));
    const { splits } = leaveOneFrameworkOutSplits(withFw, { seeds: 2, trainSize: 20 });
    expect(splits.map((s) => s.group)).toEqual(['3 frameworks', '3 frameworks']);
    for (const s of splits) {
      expect(s.parts).toHaveLength(3);
      for (const p of s.parts) {
        const held = withFw[p.test[0]].framework;
        expect(p.test.every((i) => withFw[i].framework === held)).toBe(true);
        expect(p.test).toHaveLength(withFw.filter((r) => r.framework === held).length);
        expect(p.train).toHaveLength(20);
        expect(p.train.every((i) => withFw[i].framework !== held)).toBe(true);
      }
    }
    expect(() => leaveOneFrameworkOutSplits(records, { file: 'sim.csv' })).toThrow(/record 1 of sim\.csv has none \(column "framework"\)/);
    expect(() => leaveOneFrameworkOutSplits(withFw.map((r) => ({ ...r, framework: 'vLLM' })), { file: 'one.csv' })).toThrow(/at least two frameworks; all \d+ records in one\.csv are of vLLM/);
  });

  it('the default protocols are the four that apply to any data set; the evaluation runs them when none is named', async () => {
    expect(DEFAULT_PROTOCOLS).toEqual(['sample-efficiency', 'batch-extrapolation', 'hardware-extrapolation', 'leave-one-model-out']);
    expect(PROTOCOL_NAMES).toEqual([...DEFAULT_PROTOCOLS, 'random-50', 'leave-one-framework-out', 'new-deployment']);
    const e = await evaluateMethods(records, { methods: [rooflineMethod], seeds: 1, sizes: [25], trainSize: 20, scenarioKeys: keys });
    expect(e.protocols.map((p) => p.protocol)).toEqual([...DEFAULT_PROTOCOLS]);
  });

  it('new deployment: seriesHalf holds out one of two disjoint halves of the eligible series, the same on every call', () => {
    const held = (half?: 'a' | 'b'): Set<string> => new Set(protocolSplits('new-deployment', records, { seeds: 1, calibrationSizes: [0, 3], ...(half ? { seriesHalf: half } : {}) })
      .splits.flatMap((s) => s.parts.map((p) => `${records[p.test[0]].model}|${records[p.test[0]].hardware}`)));
    const [a, b, all] = [held('a'), held('b'), held()];
    expect(a.size + b.size).toBe(all.size);
    expect([...a].some((k) => b.has(k))).toBe(false);
    expect(Math.abs(a.size - b.size)).toBeLessThanOrEqual(1);
    expect(held('a')).toEqual(a);
    expect(() => protocolSplits('new-deployment', records, { seriesHalf: 'c' as 'a' })).toThrow(/seriesHalf must be "a" or "b"/);
  });

  it('an unknown protocol is an INVALID_OPTION naming the known ones', () => {
    expect(() => protocolSplits('k-fold', records)).toThrow(new RegExp(`unknown protocol "k-fold" \\(known: ${PROTOCOL_NAMES.join(', ')}\\)`));
  });
});

describe('running methods over splits', () => {
  it('is reproducible, reports every metric per method and group, and counts a failing method as failed runs with its error', () => {
    const failing: EnergyMethod = { name: 'broken', label: 'broken', kind: 'analytical', description: 'always fails', fit: () => { throw new Error('cannot fit'); } };
    const splits = sampleEfficiencySplits(records, { sizes: [25], seeds: 2 });
    const progress: number[] = [];
    const a = evaluateSplits(records, [rooflineMethod, latencyProxyMethod, failing], splits, { scenarioKeys: keys, onProgress: (d) => progress.push(d) });
    const b = evaluateSplits(records, [rooflineMethod, latencyProxyMethod, failing], splits, { scenarioKeys: keys });
    const strip = (r: typeof a) => r.results.map(({ fitSeconds: _f, ...x }) => x);
    expect(strip(a)).toEqual(strip(b));
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(a.results.map((r) => r.method)).toEqual(['roofline', 'latency-proxy', 'broken']);
    const ok = a.results[0];
    expect(ok).toMatchObject({ group: '25', trainSize: 25, runs: 2, failed: 0 });
    for (const k of ['mape', 'r2Log', 'pairwise', 'top1', 'meanRegretPct'] as const) expect(Number.isFinite(ok.median[k])).toBe(true);
    expect(a.results[2]).toMatchObject({ runs: 2, failed: 2, errors: ['cannot fit'], median: { mape: null } });
  });

  it('hardware extrapolation reports zero-shot and calibrated results; the closed form beats the latency proxy on ranking', () => {
    const r = runProtocol('hardware-extrapolation', records, [closedFormMethod, latencyProxyMethod], { seeds: 1, trainSize: 40 }, { scenarioKeys: keys });
    expect(r.results.map((x) => x.variant)).toEqual(['calibrated (k=5)', 'zero-shot', 'calibrated (k=5)', 'zero-shot', 'calibrated (k=5)', 'zero-shot', 'calibrated (k=5)', 'zero-shot']);
    const cf = r.results.filter((x) => x.method === 'closed-form');
    const lp = r.results.filter((x) => x.method === 'latency-proxy');
    expect(cf.every((x) => x.failed === 0)).toBe(true);
    expect(Math.min(...cf.map((x) => x.median.pairwise as number))).toBeGreaterThan(Math.max(...lp.map((x) => x.median.pairwise as number)));
  });
});
