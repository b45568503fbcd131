// `fit --structure auto` runs a bounded residual discovery itself: the structure it proposes (physics x exp(g)) is
// a candidate beside physics, chosen only when cross-validation on the training records says so; the report and
// the demo show its terms with their fitted values. WASM kernel in this thread; the CLI part needs `npm run build`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliStarter } from './cli-start.js';
import { simulate } from '../../src/energy/simulator/index.js';
import { writeRecordsCsv } from '../../src/energy/records/index.js';
import { chooseStructure, fitEnergyModel, PHYSICS_STRUCTURE } from '../../src/energy/model/index.js';
import { autoDiscoveryCandidate, autoSearchBudget, correctionTexts, fittedDiscoveredTerms, termEffect } from '../../src/energy/model/discovery/index.js';
import { discoveredTermsHtml } from '../../src/energy/report/html.js';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'energylens.js');
const BUILT = existsSync(join(ROOT, 'dist', 'energy', 'model', 'discovery', 'auto.js'));

const sim = simulate({
  models: ['Llama-3.1-8B-Instruct', 'Llama-3.1-70B-Instruct'], hardware: ['H100', 'B200'], tp: [1, 2, 4], pp: [1, 2],
  batch: [1, 8, 64], input: [512], output: [128, 1024], noise: 0.02, seed: 4,
}).records;
/** energy only (one search phase: quick), and energy per token growing as (batch / 8)^0.3, which no physics term does */
const bent = sim.filter((_, i) => i % 2 === 0).slice(0, 40).map(({ tpot_s, prefill_energy_j, decode_energy_j, ...r }) => {
  void tpot_s; void prefill_energy_j; void decode_energy_j;
  return { ...r, energy_j: r.energy_j * (r.batch / 8) ** 0.3 };
});

describe('the discovery fit --structure auto runs', () => {
  it('shares the budget: evaluations per phase when given, else a quarter of the time each', () => {
    expect(autoSearchBudget({ evals: 500, timeSeconds: 10 })).toEqual({ maxTime: null, maxEvaluations: 500 });
    expect(autoSearchBudget({ timeSeconds: 20 })).toEqual({ maxTime: 5, maxEvaluations: null });
    expect(autoSearchBudget({})).toEqual({ maxTime: 10, maxEvaluations: null });
    expect(autoSearchBudget({ phaseSeconds: 3, timeSeconds: 100 })).toEqual({ maxTime: 3, maxEvaluations: null });
  });

  it('proposes physics x exp(g) as a candidate; CV chooses it; the fitted terms match the g the structure writes', async () => {
    const auto = await autoDiscoveryCandidate(bent, { evals: 2000, workers: 0, seed: 5, folds: 3 });
    expect(auto.candidate, auto.note).not.toBeNull();
    const structure = auto.candidate!.structure;
    expect(structure.name).toBe('physics+discovered');
    expect(auto.candidate!.required).toBe(true);
    const g = correctionTexts(structure).energy!;
    expect(g).toContain('log(batch)');
    const choice = chooseStructure(bent, [{ structure: PHYSICS_STRUCTURE, source: 'built-in' }, auto.candidate!], { seed: 5, folds: 3 });
    expect(choice.selection.chosen).toBe('physics+discovered');
    const model = fitEnergyModel(bent, { seed: 5, structure: choice.structure });
    const terms = fittedDiscoveredTerms(model);
    expect(terms.length).toBe(auto.terms.length);
    // every named term of the list is a parameter of g and of the model, with the model's fitted value
    for (const t of terms.filter((x) => x.parameter !== null)) {
      expect(g).toMatch(new RegExp(`\\b${t.parameter}\\b`));
      expect(t.fitted).toBe(model.parameters.find((p) => p.name === t.parameter)!.value);
    }
    // the batch power: energy rises with the batch here, so its effect per doubling is an increase
    expect(terms.some((t) => t.feature === 'batch' || /log\(batch\)/.test(t.meaning))).toBe(true);
    const power = terms.find((t) => t.feature === 'batch');
    if (power) expect(power.effect).toMatch(/each doubling of the .* multiplies it by 1\.\d+ \(\+/);
    const html = discoveredTermsHtml(model);
    expect(html).toContain('Discovered terms beside the physics form');
    expect(html).toContain(`g = ${g.replace(/\*/g, '*')}`);
    for (const t of terms) expect(html).toContain(t.parameter ?? 'fixed number');
  }, 300_000);

  it('proposes nothing, and says why, with too few records', async () => {
    const auto = await autoDiscoveryCandidate(bent.slice(0, 10), { evals: 100, workers: 0 });
    expect(auto.candidate).toBeNull();
    expect(auto.note).toMatch(/not run: 10 records \(discovery needs at least 15\)/);
  });

  it('reads a power law with the sign it enters g with', () => {
    const t = { parameter: 'd1', value: 0.2, unit: '1', phase: 'decode' as const, meaning: 'power of x', feature: 'batch' };
    expect(termEffect(t, 0.2)).toMatch(/scales as batch\^0\.2: .* by 1\.15 \(\+15 %\)/);
    expect(termEffect({ ...t, sign: -1 }, 0.2)).toMatch(/scales as batch\^-0\.2: .* by 0\.871 \(-13 %\)/);
    expect(termEffect({ parameter: 'd2', value: 0.1, unit: '1', phase: 'prefill', meaning: 'log of a constant factor on the prefill energy' }, 0.1))
      .toBe('multiplies the prefill energy per output token by exp(d2) = exp(0.1) = 1.11');
  });
});

describe.skipIf(!BUILT)('energylens fit (auto, with discovery)' + (BUILT ? '' : ' (skipped: run `npm run build` first)'), () => {
  let dir: string;
  const start = cliStarter(CLI, () => dir);
  const json = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'energylens-fit-auto-'));
    await writeRecordsCsv(join(dir, 'bent.csv'), bent);
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('lists the discovered structure as a candidate, chooses it by CV, stores it, and the same seed and --evals give the same model', async () => {
    const args = ['--data', 'bent.csv', '--evals', '2000', '--folds', '3', '--seed', '5', '--no-progress'];
    const [a, b] = await Promise.all([start('fit', ...args, '--out', 'a.json'), start('fit', ...args, '--out', 'b.json')]);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/^physics\+discovered\s+discovery\s+\d+\s+[\d.]+\s+[\d.]+ %\s+chosen/m);
    const m = json('a.json');
    expect(m.structure.name).toBe('physics+discovered');
    expect(m.selection.candidates.map((c: { name: string }) => c.name)).toEqual(['physics', 'physics+discovered']);
    expect(m.parameters.filter((p: { origin: string }) => p.origin === 'discovered').length).toBeGreaterThan(0);
    expect(b.status, b.stderr).toBe(0);
    expect(json('b.json').parameters).toEqual(m.parameters);
    // the same structure (the searches' wall-clock seconds aside)
    expect(json('b.json').structure.expressions).toEqual(m.structure.expressions);
    expect(json('b.json').structure.parameters).toEqual(m.structure.parameters);
  }, 600_000);

  it('--no-discovery leaves physics alone as the candidate', async () => {
    const r = await start('fit', '--data', 'bent.csv', '--out', 'n.json', '--no-discovery', '--no-progress');
    expect(r.status, r.stderr).toBe(0);
    expect(json('n.json').structure.name).toBe('physics');
  }, 120_000);
});
