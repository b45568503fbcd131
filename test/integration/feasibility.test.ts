// Feasibility as serving engines see it: no configuration that ML.ENERGY v3 measured is called infeasible (every
// record imported by `energylens import mlenergy`), a batch that outgrows the KV-cache pool runs with a warning,
// and `select` shows such configurations instead of dropping them.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { readRecords } from '../../src/energy/records/index.js';
import { configurationFeatures, configurationMemory } from '../../src/energy/model/features.js';
import { fitEnergyModel } from '../../src/energy/model/fit.js';
import { predictEnergy } from '../../src/energy/model/predict.js';
import { selectConfigurations } from '../../src/energy/model/select.js';
import { simulate } from '../../src/energy/simulator/index.js';

const V3 = join(__dirname, '..', '..', '..', 'shared', 'data', 'mlenergy-v3');
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'energylens-feasible-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(V3))('every configuration ML.ENERGY v3 measured is feasible' + (existsSync(V3) ? '' : ' (skipped: ../shared/data/mlenergy-v3 absent)'), () => {
  it('imports all 838 and calls none infeasible; those near the KV-cache pool carry a warning', async () => {
    const out = join(dir, 'v3.csv');
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await main(['node', 'energylens', 'import', 'mlenergy', '--dir', V3, '--out', out]);
    spy.mockRestore();
    expect(process.exitCode ?? 0).toBe(0);
    const records = await readRecords(out);
    expect(records).toHaveLength(838);
    const infeasible = records.map((r) => ({ r, f: configurationFeatures(r) })).filter(({ f }) => !f.memoryFits);
    expect(infeasible.map(({ r, f }) => `${r.model} on ${r.hardware} tp ${r.tp} batch ${r.batch}: ${f.memoryNote}`)).toEqual([]);
    // the ones whose batch outgrows the pool (the 26, e.g. gpt-oss-20b on one H100 at batch 2047) are warned about
    const warned = records.filter((r) => configurationFeatures(r).memoryNote !== null);
    expect(warned.length).toBeGreaterThan(0);
    const gptOss = records.find((r) => r.model === 'openai/gpt-oss-20b' && r.hardware.startsWith('H100') && r.num_gpus === 1 && r.batch > 2000);
    expect(gptOss).toBeDefined();
    expect(configurationFeatures(gptOss!).memoryNote).toMatch(/near the memory limit: .*the engine preempts the rest/);
  });
});

describe('near-limit configurations are kept, with a warning', () => {
  const sweep = { models: ['Llama-3.1-8B'], hardware: ['H100'], tp: [1, 2], pp: [1], batch: [1, 8, 64, 512], input: [4096], output: [1024], noise: 0, seed: 1 };

  it('simulate records a batch the pool cannot hold at the batch that runs at once, and lists it as near the limit', () => {
    const r = simulate(sweep);
    expect(r.infeasible).toEqual([]);
    expect(r.records).toHaveLength(8);
    const warned = r.nearLimit.filter((x) => x.tp === 1 && x.batch === 512);
    expect(warned).toHaveLength(1);
    const rec = r.records.find((x) => x.tp === 1 && x.max_batch === 512)!;
    expect(rec.batch).toBeLessThan(512);
    expect(warned[0].warning).toContain(`about ${rec.batch} sequences run at once`);
  });

  it('predict and select show them with the warning instead of dropping them', () => {
    const model = fitEnergyModel(simulate({ ...sweep, tp: [1, 2, 4], batch: [1, 4, 16, 64], input: [512, 2048], output: [256] }).records, { seed: 1, restarts: 1 });
    const config = { model: 'Llama-3.1-8B', hardware: 'H100', tp: 1, pp: 1, batch: 512, input_tokens: 4096, output_tokens: 1024 };
    const [p] = predictEnergy(model, [config]);
    expect(p.extrapolation.join('; ')).toMatch(/near the memory limit/);
    expect(configurationMemory(config).feasible).toBe(true);
    const s = selectConfigurations(model, { llm: 'Llama-3.1-8B', hardware: 'H100', inputTokens: 4096, outputTokens: 1024, maxGpus: 2, batch: [8, 512], pp: [1] });
    const big = s.candidates.find((c) => c.tp === 1 && c.batch === 512);
    expect(big).toBeDefined();
    expect(big!.extrapolation.join('; ')).toMatch(/near the memory limit/);
    expect(s.infeasible).toEqual([]);
    // a lower memory-utilisation limit can make the weights alone not fit: then it is infeasible, with the reason
    const tight = selectConfigurations(model, { llm: 'Llama-3.1-8B', hardware: 'H100', inputTokens: 4096, outputTokens: 1024, maxGpus: 1, batch: [8], memoryUtilisation: 0.2 });
    expect(tight.infeasible[0].reason).toMatch(/weights need [\d.]+ GB per GPU; the budget is [\d.]+ GB/);
  });
});
