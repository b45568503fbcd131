// Physical bounds on energies: absurd values are refused with the row and the column; real and simulated records pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogCheck } from '../../../src/energy/catalog/index.js';
import { importMlEnergy } from '../../../src/energy/adapters/index.js';
import { energyBoundProblems, formatProblem, validateRecordsFile, type ProfilingRecord } from '../../../src/energy/records/index.js';
import { simulate } from '../../../src/energy/simulator/index.js';

const V3 = join(__dirname, '..', '..', '..', '..', 'shared', 'data', 'mlenergy-v3');
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'energylens-bounds-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const H100_W = 700;
const rec = (over: Partial<ProfilingRecord>): ProfilingRecord => ({ model: 'Llama-3.1-8B', hardware: 'H100', tp: 1, pp: 1, batch: 8, output_tokens: 256, energy_j: 100, ...over });

describe('energy bounds', () => {
  it('refuses energies above every GPU at board power for 2 s per token, or for the request\'s measured time', () => {
    expect(energyBoundProblems(rec({}), H100_W)).toEqual([]);
    const huge = energyBoundProblems(rec({ energy_j: 1e308 }), H100_W);
    expect(huge).toEqual([{ column: 'energy_j', expected: 'at most 358000 J (1 GPU at 700 W board power for 2 s per token of 256 tokens)', got: '1e+308' }]);
    // 8 GPUs may spend 8 times as much
    expect(energyBoundProblems(rec({ tp: 8, energy_j: 300_000 }), H100_W)).toEqual([]);
    expect(energyBoundProblems(rec({ tp: 8, energy_j: 3_000_000 }), H100_W)).toHaveLength(1);
    // with times: 0.1 s + 256 x 0.02 s = 5.22 s at 700 W, x 1.5 = 5481 J
    expect(energyBoundProblems(rec({ energy_j: 5000, ttft_s: 0.1, tpot_s: 0.02 }), H100_W)).toEqual([]);
    const timed = energyBoundProblems(rec({ energy_j: 20_000, ttft_s: 0.1, tpot_s: 0.02 }), H100_W);
    expect(timed[0].expected).toMatch(/^at most 5480 J \(1 GPU at 700 W board power for the request's 5\.22 s/);
    expect(energyBoundProblems(rec({ prefill_energy_j: 1e9 }), H100_W).map((p) => p.column)).toEqual(['prefill_energy_j']);
  });

  it('refuses less than 1 mJ per output token (a unit slip)', () => {
    const p = energyBoundProblems(rec({ energy_j: 0.01 }), H100_W);
    expect(p).toHaveLength(1);
    expect(p[0].expected).toMatch(/at least 0\.001 J per output token .*is it in joules/);
  });

  it('validate names the file, row and column of an absurd energy', async () => {
    const f = join(dir, 'absurd.csv');
    writeFileSync(f, 'model,hardware,tp,pp,batch,output_tokens,energy_j\nLlama-3.1-8B,H100,1,1,8,256,100\nLlama-3.1-8B,H100,1,1,8,256,1e308\n');
    const report = await validateRecordsFile(f, { check: catalogCheck() });
    expect(report.ok).toBe(false);
    expect(report.validRows).toBe(1);
    expect(formatProblem(report.problems[0])).toMatch(/absurd\.csv:3 \(row 2\): column "energy_j": expected at most 358000 J .*got "1e\+308"/);
  });

  it('passes every record of the simulator\'s sweeps (batch 1 to 1024, TP x PP up to 32 GPUs)', () => {
    const { records } = simulate({ models: ['Llama-3.1-8B', 'Llama-3.1-405B', 'Qwen3-30B-A3B'], hardware: ['H100', 'B200', 'A100'], tp: [1, 2, 4, 8], pp: [1, 2, 4], batch: [1, 8, 256, 1024], input: [128, 8192], output: [16, 2048] });
    expect(records.length).toBeGreaterThan(500);
    const check = catalogCheck();
    expect(records.flatMap((r) => check(r).map((p) => `${r.model} ${r.hardware} tp ${r.tp} pp ${r.pp} batch ${r.batch}: ${p.column} ${p.expected}`))).toEqual([]);
  });

  it.skipIf(!existsSync(V3))('passes every ML.ENERGY v3 record' + (existsSync(V3) ? '' : ' (skipped: ../shared/data/mlenergy-v3 absent)'), () => {
    const records = importMlEnergy(V3);
    const check = catalogCheck();
    expect(records.flatMap((r) => check(r).map((p) => `${r.model} ${r.hardware}: ${p.column} ${p.expected}`))).toEqual([]);
  });
});
