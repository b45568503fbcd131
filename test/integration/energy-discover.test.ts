// Structure discovery: the API on a small noise-free simulated sweep (WASM kernel, in this thread), and the
// `discover` command end to end (built CLI: run `npm run build` first).
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../../src/energy/simulator/index.js';
import { writeRecordsCsv } from '../../src/energy/records/index.js';
import { PARAMETERS } from '../../src/energy/model/closed-form.js';
import { CLOSED_FORM_TERMS, discoverEnergyStructure, discoveryJSON, type DiscoverOptions, type DiscoveryRecord } from '../../src/energy/model/discover.js';
import { parseExpression } from '../../src/sr/index.js';
import { cliStarter } from './cli-start.js';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'energylens.js');
const BUILT = existsSync(join(ROOT, 'dist', 'cli', 'commands', 'discover.js'));

const records = simulate({
  models: ['Llama-3.1-8B-Instruct', 'Qwen3-30B-A3B-Instruct-2507'], hardware: ['H100', 'B200'], tp: [1, 2], pp: [1, 2],
  batch: [1, 8, 32], input: [512, 2048], output: [128], noise: 0, seed: 1,
}).records;
const OPTIONS: DiscoverOptions = { maxEvaluations: 600, workers: 0, seed: 7 };
const code = async (p: Promise<unknown>): Promise<string | undefined> => p.then(() => undefined, (e: { code?: string }) => e.code);
/** the JSON without wall-clock seconds, which differ between two equal runs */
const withoutSeconds = (d: unknown): string => JSON.stringify(d, (k, v: unknown) => (k === 'seconds' ? undefined : v));

describe('discoverEnergyStructure', () => {
  it('searches every target the records carry; expressions parse back with the feature names; seeded runs repeat', async () => {
    expect(records.length).toBeGreaterThan(40);
    const d = await discoverEnergyStructure(records, OPTIONS);
    expect(d.targets.map((t) => t.target)).toEqual(['energy_per_token', 'energy_per_request', 'prefill_energy', 'decode_per_token', 'tpot']);
    expect(d.skipped).toEqual([]);
    expect(d.dropped.map((c) => c.name)).toEqual(expect.arrayContaining(['sequences', 'output_tokens'])); // dp = 1, one output length
    const names = d.features.map((f) => f.name);
    expect(names).toContain('memory_ms');
    for (const t of d.targets) {
      expect(t.rows).toBe(records.length);
      expect(t.front.length).toBeGreaterThan(0);
      expect(t.selected).toBeDefined();
      expect(t.front).toContain(t.selected);
      for (const e of t.front) {
        expect(e.loss).toBeGreaterThanOrEqual(0);
        expect(() => parseExpression(e.expression, names)).not.toThrow();
      }
      expect(t.terms.closedForm.map((u) => u.parameter)).toEqual(CLOSED_FORM_TERMS.map((c) => c.parameter));
      expect(t.terms.summary).toMatch(/^found: /);
      for (const f of t.terms.selectedFeatures) expect(t.terms.nearBestFeatures).toContain(f);
    }
    expect(t(d, 'tpot').terms.closedForm.find((u) => u.feature === 'idle_power_w')?.expected).toBe(false);
    const again = await discoverEnergyStructure(records, OPTIONS);
    expect(withoutSeconds(discoveryJSON(again))).toBe(withoutSeconds(discoveryJSON(d)));
  });

  it('skips the targets the records do not carry, and says why', async () => {
    const bare: DiscoveryRecord[] = records.map(({ tpot_s, prefill_energy_j, decode_energy_j, ...r }) => { void tpot_s; void prefill_energy_j; void decode_energy_j; return r; });
    bare[0] = { ...bare[0], tpot_s: 0.01 };
    const d = await discoverEnergyStructure(bare, { ...OPTIONS, maxEvaluations: 300 });
    expect(d.targets.map((x) => x.target)).toEqual(['energy_per_token', 'energy_per_request']);
    expect(d.skipped).toEqual([
      { target: 'prefill_energy', reason: 'no record carries prefill_energy_j' },
      { target: 'decode_per_token', reason: 'no record carries decode_energy_j' },
      { target: 'tpot', reason: 'only 1 record carries tpot_s (need 10)' },
    ]);
    await expect(discoverEnergyStructure(bare, { ...OPTIONS, targets: ['tpot'] })).rejects.toThrow(/no target to search \(tpot: only 1 record carries/);
  });

  it('rejects bad input before searching', async () => {
    expect(await code(discoverEnergyStructure(records.slice(0, 9), OPTIONS))).toBe('INVALID_DATA');
    expect(await code(discoverEnergyStructure(records, { ...OPTIONS, operators: ['+', 'frobnicate'] }))).toBe('UNKNOWN_OPERATOR');
    await expect(discoverEnergyStructure(records, { ...OPTIONS, targets: ['energy'] })).rejects.toThrow(/unknown target "energy" \(known: energy_per_token/);
    expect(await code(discoverEnergyStructure(records, { ...OPTIONS, maxSize: 1 }))).toBe('INVALID_OPTION');
  });

  it('names closed-form parameters that exist', () => {
    for (const term of CLOSED_FORM_TERMS) expect(PARAMETERS.map((p) => p.name)).toContain(term.parameter);
  });
});

function t(d: Awaited<ReturnType<typeof discoverEnergyStructure>>, name: string) {
  const found = d.targets.find((x) => x.target === name);
  if (!found) throw new Error(`no target ${name}`);
  return found;
}

describe.skipIf(!BUILT)('energylens discover' + (BUILT ? '' : ' (skipped: run `npm run build` first)'), () => {
  let dir: string;
  const run = cliStarter(CLI, () => dir);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'energylens-discover-'));
    await writeRecordsCsv(join(dir, 'sim.csv'), records);
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the front and the terms per target, and writes the JSON result', async () => {
    const r = await run('discover', '--data', 'sim.csv', '--targets', 'energy_per_token,tpot', '--evals', '400', '--workers', '0', '--seed', '2', '--json', 'out.json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/== energy_per_token \(J\/token, \d+ records\): stopped by evaluations/);
    expect(r.stdout).toMatch(/== tpot \(s, \d+ records\)/);
    expect(r.stdout).toContain('found: ');
    const j = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    expect(Object.keys(j).sort()).toEqual(['dropped', 'features', 'options', 'skipped', 'targets']);
    expect(j.options).toMatchObject({ maxTime: null, maxEvaluations: 400, seed: 2, maxSize: 25, loss: 'msle' });
    expect(j.targets).toHaveLength(2);
    for (const x of j.targets) {
      expect(Object.keys(x).sort()).toEqual(['front', 'rows', 'run', 'selected', 'target', 'terms', 'unit']);
      expect(Object.keys(x.front[0]).sort()).toEqual(['complexity', 'expression', 'latex', 'loss', 'r2']);
      expect(typeof x.selected.expression).toBe('string');
      expect(x.terms.closedForm[0]).toMatchObject({ parameter: expect.any(String), feature: expect.any(String), inSelected: expect.any(Boolean) });
    }
  });

  it('fails clearly: missing file, no target column, too few records, unknown operator', async () => {
    const missing = await run('discover', '--data', 'nope.csv');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('energylens: error [FILE_NOT_FOUND]: nope.csv: no such file');
    const rows = Array.from({ length: 12 }, (_, i) => `Llama-3.1-8B,H100,1,1,${i + 1},100`);
    writeFileSync(join(dir, 'no-target.csv'), ['model,hardware,tp,pp,batch,output_tokens', ...rows].join('\n'));
    const none = await run('discover', '--data', 'no-target.csv');
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/INVALID_CSV.*no-target\.csv: no target column: none of energy_j, prefill_energy_j, decode_energy_j, tpot_s is in the header/);
    writeFileSync(join(dir, 'few.csv'), ['model,hardware,tp,pp,batch,output_tokens,energy_j', ...rows.slice(0, 5).map((r) => `${r},50`)].join('\n'));
    const few = await run('discover', '--data', 'few.csv');
    expect(few.status).toBe(1);
    expect(few.stderr).toMatch(/INVALID_DATA.*few\.csv: 5 records; discovery needs at least 10/);
    const op = await run('discover', '--data', 'sim.csv', '--operators', '+,frobnicate', '--evals', '10');
    expect(op.status).toBe(1);
    expect(op.stderr).toContain('[UNKNOWN_OPERATOR]: --operators: unknown operator "frobnicate"');
    for (const x of [missing, none, few, op]) expect(x.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
