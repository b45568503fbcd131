// The stack rule through the CLI: fit with a structure that carries a discovered correction stores the physics fit
// beside it for the serving stacks its records do not hold; predict marks each row's fit (stack_fit) and counts them,
// explain lists the stacks, select --stack picks the fit; a --stack-column no record fills is one [CODE] line and
// no model. Built CLI: run `npm run build` first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { cliStarter } from './cli-start.js';
import { simulate } from '../../src/energy/simulator/index.js';
import { writeRecordsCsv } from '../../src/energy/records/index.js';
import { CORRECTED } from '../unit/energy/model/corrected-structure.js';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'energylens.js');
const BUILT = existsSync(join(ROOT, 'dist', 'energy', 'model', 'structure-cv-groups.js'));
let dir: string;
const run = cliStarter(CLI, () => dir);

describe.skipIf(!BUILT)('the stack rule in fit, predict, explain and select' + (BUILT ? '' : ' (skipped: run `npm run build` first)'), () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'energylens-stack-'));
    const sim = simulate({
      models: ['Llama-3.1-8B-Instruct'], hardware: ['H100'], tp: [1, 2], pp: [1], batch: [1, 8, 64], input: [512], output: [128, 1024], noise: 0.02, seed: 3,
    }).records.map((r, i) => ({ ...r, framework: i % 2 === 0 ? 'vLLM' : 'SGLang', energy_j: r.energy_j * r.batch ** 0.2 }));
    await writeRecordsCsv(join(dir, 'train.csv'), sim);
    await writeRecordsCsv(join(dir, 'test.csv'), [{ ...sim[0] }, { ...sim[1], framework: 'TensorRT-LLM' }, { ...sim[2], framework: 'TensorRT-LLM' }]);
    writeFileSync(join(dir, 'corrected.json'), JSON.stringify(CORRECTED));
    const r = await run('fit', '--data', 'train.csv', '--structure', 'corrected.json', '--restarts', '1', '--no-series', '--out', 'model.json');
    if (r.status !== 0) throw new Error(r.stderr);
    expect(r.stdout).toMatch(/stacks: physics\+discovered applies to framework SGLang, vLLM .*gets the physics structure fitted on the same records/);
  }, 180_000);
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('stores the stacks and the physics fit; predict, explain and select say which fit applied', async () => {
    const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(model.stackFallback.seen).toEqual(['SGLang', 'vLLM']);
    expect(model.stackFallback.model.structure.name).toBe('physics');
    const [p, e, sUnseen, sSeen] = await Promise.all([
      run('predict', '--model', 'model.json', '--data', 'test.csv', '--out', 'pred.csv'),
      run('explain', '--model', 'model.json'),
      run('select', '--model', 'model.json', '--llm', 'Llama-3.1-8B-Instruct', '--hardware', 'H100', '--input', '512', '--output', '128', '--max-gpus', '2'),
      run('select', '--model', 'model.json', '--llm', 'Llama-3.1-8B-Instruct', '--hardware', 'H100', '--input', '512', '--output', '128', '--max-gpus', '2', '--stack', 'vLLM'),
    ]);
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/stacks: 1 row of framework SGLang, vLLM and hardware H100-SXM5-80GB by physics\+discovered; 2 rows of another framework or hardware \(or none\) by the physics fit/);
    const rows = parse(readFileSync(join(dir, 'pred.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((x) => x.stack_fit)).toEqual(['chosen', 'physics', 'physics']);
    expect(e.status, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/stacks: physics\+discovered applies to framework SGLang, vLLM/);
    expect(sUnseen.stdout).toMatch(/stack: no framework given \(--stack\): the physics fit applies/);
    expect(sSeen.stdout).toMatch(/stack: framework vLLM: the chosen structure applies/);
  }, 180_000);

  it('an unseen GPU gets the physics fit in predict and select; --calibrate on its records calibrates the physics fit', async () => {
    const a100 = simulate({
      models: ['Llama-3.1-8B-Instruct'], hardware: ['A100'], tp: [1, 2], pp: [1], batch: [1, 8, 64], input: [512], output: [128, 1024], noise: 0.02, seed: 4,
    }).records.map((r) => ({ ...r, framework: 'vLLM' }));
    await writeRecordsCsv(join(dir, 'a100.csv'), a100);
    const [p, s, c] = await Promise.all([
      run('predict', '--model', 'model.json', '--data', 'a100.csv', '--out', 'pred-a100.csv'),
      run('select', '--model', 'model.json', '--llm', 'Llama-3.1-8B-Instruct', '--hardware', 'A100', '--input', '512', '--output', '128', '--max-gpus', '2', '--stack', 'vLLM'),
      run('fit', '--data', 'a100.csv', '--calibrate', 'model.json', '--refit', 'p_static,k_mem,e_byte', '--no-series', '--out', 'cal.json'),
    ]);
    expect(p.status, p.stderr).toBe(0);
    const rows = parse(readFileSync(join(dir, 'pred-a100.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(new Set(rows.map((x) => x.stack_fit))).toEqual(new Set(['physics']));
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/fit: hardware A100-SXM4-80GB is not among the training records' \(H100-SXM5-80GB\): the physics fit/);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stderr).toMatch(/note: model\.json's physics\+discovered was fitted on framework SGLang, vLLM and hardware H100-SXM5-80GB; these records lie outside, so its physics fit is calibrated/);
    expect(JSON.parse(readFileSync(join(dir, 'cal.json'), 'utf8')).structure.name).toBe('physics');
  }, 180_000);

  it('fit --calibrate --structure: a file holding the base\'s structure is accepted (its fit calibrated, even outside its records), another is refused saying what to do', async () => {
    // runs after the test above, which wrote a100.csv (a GPU outside model.json's records)
    writeFileSync(join(dir, 'curvature.json'), readFileSync(join(ROOT, 'examples', 'structures', 'physics-curvature.structure.json')));
    const refit = ['--refit', 'p_static,k_mem,e_byte', '--no-series'];
    const [corrected, physics, inScope, other] = await Promise.all([
      run('fit', '--data', 'a100.csv', '--calibrate', 'model.json', '--structure', 'corrected.json', ...refit, '--out', 'cal-corrected.json'),
      run('fit', '--data', 'a100.csv', '--calibrate', 'model.json', '--structure', 'physics', ...refit, '--out', 'cal-physics.json'),
      run('fit', '--data', 'train.csv', '--calibrate', 'model.json', '--structure', 'corrected.json', ...refit, '--out', 'cal-in-scope.json'),
      run('fit', '--data', 'a100.csv', '--calibrate', 'model.json', '--structure', 'curvature.json', ...refit, '--out', 'cal-other.json'),
    ]);
    expect([corrected.status, physics.status, inScope.status], corrected.stderr + physics.stderr + inScope.stderr).toEqual([0, 0, 0]);
    const name = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')).structure.name;
    // asked for by --structure: the stored corrected fit, not the physics fit the records would otherwise calibrate
    expect(name('cal-corrected.json')).toBe('physics+discovered');
    expect(corrected.stderr).toMatch(/note: these records lie outside where model\.json's physics\+discovered was fitted \(framework SGLang, vLLM and hardware H100-SXM5-80GB\); --structure corrected\.json asks for it, so it is calibrated \(without --structure, its physics fit would be\)/);
    expect(name('cal-physics.json')).toBe('physics');
    expect(name('cal-in-scope.json')).toBe('physics+discovered');
    expect(other.status).toBe(2);
    expect(other.stderr.trim().split('\n')).toHaveLength(1);
    expect(other.stderr).toMatch(/\[INVALID_OPTION\]: --structure curvature\.json \(physics-curvature\) is not a structure of model\.json, which --calibrate keeps: physics\+discovered, or its physics fit \(the one these records use\); drop --structure, or fit curvature\.json's structure without --calibrate/);
    expect(existsSync(join(dir, 'cal-other.json'))).toBe(false);
  }, 180_000);

  it('refuses a --stack-column no record fills, writing nothing', async () => {
    const r = await run('fit', '--data', 'train.csv', '--structure', 'corrected.json', '--stack-column', 'runtime', '--out', 'bad.json');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/energylens: error \[INVALID_OPTION\]: --stack-column runtime: no record has a "runtime" value/);
    expect(existsSync(join(dir, 'bad.json'))).toBe(false);
  }, 180_000);
});
