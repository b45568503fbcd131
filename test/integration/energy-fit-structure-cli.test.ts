// `energylens fit --structure physics|auto|FILE` end to end (built CLI: run `npm run build` first): a forced
// structure, a structure file, candidates compared by cross-validation, refused structure files, explain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliStarter } from './cli-start.js';
import { PHYSICS_STRUCTURE } from '../../src/energy/model/structure-physics.js';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'energylens.js');
const BUILT = existsSync(join(ROOT, 'dist', 'cli', 'commands', 'fit.js'));
let dir: string;
const start = cliStarter(CLI, () => dir);
const json = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));

/** physics plus a per-context-token energy (k_expert held, to stay within twelve free parameters) */
const context = {
  ...structuredClone(PHYSICS_STRUCTURE), name: 'physics+context', description: 'physics plus energy per context token',
  expressions: { ...PHYSICS_STRUCTURE.expressions, energy: `${PHYSICS_STRUCTURE.expressions.energy} + c_ctx * context_tokens` },
  parameters: [
    ...structuredClone(PHYSICS_STRUCTURE.parameters).map((p) => (p.name === 'k_expert' ? { ...p, held: { value: p.start, reason: 'no mixture-of-experts model' } } : p)),
    { name: 'c_ctx', meaning: 'discovered term', unit: 'J/token', start: 1e-4, lower: 0, upper: 1, phase: 'decode', origin: 'discovered' },
  ],
};

beforeAll(async () => {
  if (!BUILT) return;
  dir = mkdtempSync(join(tmpdir(), 'energylens-structure-'));
  const sim = await start('simulate', '--out', 'train.csv', '--models', 'Llama-3.1-8B,Llama-3.1-70B', '--hardware', 'H100',
    '--tp', '1,2,4', '--pp', '1,2', '--batch', '4,16,64', '--input', '512,2048', '--output', '256', '--noise', '0.02', '--seed', '5');
  if (sim.status !== 0) throw new Error(sim.stderr);
  writeFileSync(join(dir, 'context.json'), JSON.stringify(context));
  writeFileSync(join(dir, 'unknown.json'), JSON.stringify({ ...context, expressions: { energy: `${context.expressions.energy} + c_ctx * fairy_dust` } }));
  writeFileSync(join(dir, 'negative.json'), JSON.stringify({ ...context, expressions: { ...context.expressions, energy: `${context.expressions.energy} - 1000 * c_ctx * batch` } }));
  writeFileSync(join(dir, 'broken.json'), '{ "format": ');
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe.skipIf(!BUILT)('energylens fit --structure' + (BUILT ? '' : ' (skipped: run `npm run build` first)'), () => {
  it('forces physics or a structure file, and stores the structure in the model file', async () => {
    const [physics, file] = await Promise.all([
      start('fit', '--data', 'train.csv', '--out', 'physics.json', '--structure', 'physics'),
      start('fit', '--data', 'train.csv', '--out', 'context-model.json', '--structure', 'context.json', '--json'),
    ]);
    expect(physics.status, physics.stderr).toBe(0);
    expect(physics.stdout).toMatch(/structure: physics \(forced by --structure physics\)/);
    const m = json('physics.json');
    expect(m.structure.name).toBe('physics');
    expect(m.selection).toMatchObject({ mode: 'forced', chosen: 'physics' });
    expect(m.parameters[0]).toMatchObject({ name: 'p_static', lower: 0.2, upper: 10, origin: 'physics' });
    expect(file.status, file.stderr).toBe(0);
    expect(JSON.parse(file.stdout)).toMatchObject({ structure: 'physics+context' });
    const c = json('context-model.json');
    expect(c.parameters.find((p: { name: string }) => p.name === 'c_ctx')).toMatchObject({ origin: 'discovered', unit: 'J/token' });
    const explain = await start('explain', '--model', 'context-model.json');
    expect(explain.status, explain.stderr).toBe(0);
    expect(explain.stdout).toMatch(/structure "physics\+context"/);
    expect(explain.stdout).toMatch(/E_token\[J\] = .*c_ctx \* context_tokens/);
    expect(explain.stdout).toMatch(/c_ctx = \S+ J\/token .*\(discovered\)/);
    const predict = await start('predict', '--model', 'context-model.json', '--data', 'train.csv', '--out', 'pred.csv');
    expect(predict.status, predict.stderr).toBe(0);
  });

  it('auto compares the candidates by cross-validation on the training records and prints and stores the scores', async () => {
    const r = await start('fit', '--data', 'train.csv', '--out', 'auto.json', '--candidates', 'context.json', '--folds', '3', '--evals', '100000', '--seed', '2', '--no-discovery');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/candidate\s+source\s+free\s+CV RMS log error \(3-fold\)\s+CV MAPE/);
    expect(r.stdout).toMatch(/^physics\s+built-in\s+12\s+[\d.]+\s+[\d.]+ %/m);
    expect(r.stdout).toMatch(/^physics\+context\s+context\.json\s+12\s+[\d.]+\s+[\d.]+ %/m);
    const m = json('auto.json');
    expect(m.selection.mode).toBe('auto');
    expect(m.selection.candidates.map((c: { name: string }) => c.name)).toEqual(['physics', 'physics+context']);
    expect(m.selection.candidates.every((c: { cvRmsLog: number }) => c.cvRmsLog > 0)).toBe(true);
    expect(m.structure.name).toBe(m.selection.chosen);
    // the same seed and evaluation budget choose the same model
    const again = await start('fit', '--data', 'train.csv', '--out', 'auto2.json', '--candidates', 'context.json', '--folds', '3', '--evals', '100000', '--seed', '2', '--no-discovery');
    expect(again.status, again.stderr).toBe(0);
    expect(json('auto2.json').parameters).toEqual(m.parameters);
    expect(json('auto2.json').selection).toEqual(m.selection);
  });

  it('refuses a structure that is not JSON, names an unknown feature or goes negative, and writes nothing', async () => {
    const cases: [string, RegExp][] = [
      ['broken.json', /broken\.json: not valid JSON/],
      ['unknown.json', /unknown\.json: expressions\.energy names unknown feature "fairy_dust"/],
      ['negative.json', /negative\.json: expressions\.energy gives -[\d.e+]+ for .* at the starting values/],
    ];
    const results = await Promise.all(cases.map(([f], i) => start('fit', '--data', 'train.csv', '--out', `bad${i}.json`, '--structure', f)));
    results.forEach((r, i) => {
      expect(r.status, r.stdout).toBe(1);
      expect(r.stderr).toContain('energylens: error [INVALID_STRUCTURE]: ');
      expect(r.stderr).toMatch(cases[i][1]);
      expect(existsSync(join(dir, `bad${i}.json`))).toBe(false);
    });
    const auto = await start('fit', '--data', 'train.csv', '--out', 'bad9.json', '--candidates', 'unknown.json');
    expect(auto.status).toBe(1);
    expect(auto.stderr).toContain('[INVALID_STRUCTURE]');
    const misuse = await start('fit', '--data', 'train.csv', '--out', 'bad8.json', '--structure', 'physics', '--evals', '10');
    expect(misuse.stderr).toMatch(/--candidates, --time, --evals, --cv-groups, --no-discovery and --no-beside-structures choose a structure: they need --structure auto/);
  });

  it('--cv-groups COL also scores each candidate with one group held out at a time, and refuses a column that cannot group', async () => {
    const [r, one, none] = await Promise.all([
      start('fit', '--data', 'train.csv', '--out', 'grouped.json', '--candidates', 'context.json', '--folds', '3', '--cv-groups', 'model', '--seed', '2', '--no-discovery'),
      start('fit', '--data', 'train.csv', '--out', 'bad7.json', '--candidates', 'context.json', '--cv-groups', 'hardware', '--no-discovery'),
      start('fit', '--data', 'train.csv', '--out', 'bad6.json', '--candidates', 'context.json', '--cv-groups', 'fairy_dust', '--no-discovery'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/CV MAPE\s+leave-one-model-out MAPE \(2 groups\)/);
    expect(r.stdout).toMatch(/^physics\s+built-in\s+12\s+[\d.]+\s+[\d.]+ %\s+[\d.]+ %/m);
    const m = json('grouped.json');
    expect(m.selection.groups.column).toBe('model');
    expect(m.selection.groups.names).toHaveLength(2);
    expect(m.selection.candidates[0].byGroup.map((g: { records: number }) => g.records).reduce((a: number, b: number) => a + b, 0)).toBe(m.training.records);
    expect(one.status).toBe(2);
    expect(one.stderr).toMatch(/^energylens: error \[INVALID_OPTION\]: --cv-groups hardware: the records hold one value of "hardware" \("H100[^"]*"\)/m);
    expect(none.stderr).toMatch(/\[INVALID_OPTION\]: --cv-groups fairy_dust: no record has a "fairy_dust" value/);
    expect(existsSync(join(dir, 'bad7.json')) || existsSync(join(dir, 'bad6.json'))).toBe(false);
  });
  it('a *.structure.json beside the data is a candidate, said in a note naming the file and how to leave it out; --no-beside-structures and --structure physics leave it out', async () => {
    mkdirSync(join(dir, 'beside'), { recursive: true });
    copyFileSync(join(dir, 'train.csv'), join(dir, 'beside', 'train.csv'));
    writeFileSync(join(dir, 'beside', 'context.structure.json'), JSON.stringify(context));
    const data = join('beside', 'train.csv');
    const [found, off, physics] = await Promise.all([
      start('fit', '--data', data, '--out', 'beside-on.json', '--no-discovery', '--no-progress'),
      start('fit', '--data', data, '--out', 'beside-off.json', '--no-discovery', '--no-beside-structures', '--no-progress'),
      start('fit', '--data', data, '--out', 'beside-physics.json', '--structure', 'physics', '--no-progress'),
    ]);
    expect([found.status, off.status, physics.status], found.stderr + off.stderr + physics.stderr).toEqual([0, 0, 0]);
    const file = join('beside', 'context.structure.json').replace(/[.\\/]/g, (c) => `\\${c}`);
    expect(found.stderr).toMatch(new RegExp(`note: fit also compares ${file} \\(a \\*\\.structure\\.json beside the data\\); --no-beside-structures leaves it out`));
    expect(json('beside-on.json').selection.candidates.map((c: { name: string }) => c.name)).toContain('physics+context');
    expect(off.stderr).not.toMatch(/beside the data/);
    expect(json('beside-off.json').selection.candidates.map((c: { name: string }) => c.name)).not.toContain('physics+context');
    expect(physics.stderr).not.toMatch(/beside the data/);
    expect(json('beside-physics.json').structure.name).toBe('physics');
  });
});
