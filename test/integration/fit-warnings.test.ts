// `energylens fit` warns when its residual spread says the model explains little; a good fit carries no such warning.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { fitWarnings } from '../../src/cli/fit-warnings.js';
import type { EnergyModel } from '../../src/energy/model/model-file.js';
import { writeRecordsCsv, type ProfilingRecord } from '../../src/energy/records/index.js';
import { simulate } from '../../src/energy/simulator/index.js';
import { createRng } from '../../src/sr/index.js';

let dir: string;
let stderr = '';
let stdout = '';
const sweep = { models: ['Llama-3.1-8B', 'Llama-3.1-70B'], hardware: ['H100', 'B200'], tp: [1, 2, 4, 8], pp: [1, 2], batch: [1, 16, 128], input: [512], output: [256], seed: 2 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'energylens-fitwarn-'));
  const { records } = simulate(sweep);
  await writeRecordsCsv(join(dir, 'good.csv'), records);
  // the same configurations with energies that have nothing to do with them: a constant per token times noise
  const rng = createRng(5);
  const noise: ProfilingRecord[] = records.map((r) => ({ model: r.model, hardware: r.hardware, tp: r.tp, pp: r.pp, batch: r.batch, output_tokens: r.output_tokens, input_tokens: r.input_tokens, energy_j: 0.5 * r.output_tokens * Math.exp(rng.normal()) }));
  await writeRecordsCsv(join(dir, 'noise.csv'), noise);
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
});
afterAll(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const fit = async (data: string, ...extra: string[]) => {
  stderr = '';
  stdout = '';
  process.exitCode = undefined;
  await main(['node', 'energylens', 'fit', '--data', join(dir, data), '--out', join(dir, `${data}.json`), '--restarts', '1', '--no-discovery', ...extra]);
  return { code: process.exitCode ?? 0, stderr, stdout };
};

describe('fit warnings', () => {
  it('warns that a model fitted to unrelated energies explains little, in text and in --json', async () => {
    const r = await fit('noise.csv');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: the model explains little of these records: the residual sd of log energy is [\d.]+ against [\d.]+ for a constant energy per token/);
    const j = await fit('noise.csv', '--json');
    expect(JSON.parse(j.stdout).warnings.join('\n')).toMatch(/explains little/);
  }, 60_000);

  it('does not say so of a model fitted to physical records', async () => {
    const r = await fit('good.csv');
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/explains little/);
  }, 60_000);
  it('names the parameters the records do not determine in a whole sentence', () => {
    const { records } = simulate(sweep);
    const model = {
      residualSd: { energy: 0.05 },
      parameters: [
        { name: 'e_comm', value: 0.01, standardError: 5, held: false },
        { name: 'k_mem', value: 1.2, standardError: 0.1, held: false },
      ],
    } as unknown as EnergyModel;
    expect(fitWarnings(model, records)).toEqual([
      'the records do not determine e_comm (standard error over 10x the value): more varied configurations would determine it',
    ]);
  });
});
