// Residual trees through the CLI: fit --residual-trees writes them, predict adds residual_factor, fit --base keeps
// them, explain prints them; a model file with malformed trees, and conflicting flags, get one [CODE] line.
// Built CLI: run `npm run build` first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { cliStarter, simulateBaseAndMine } from './cli-start.js';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'energylens.js');
const BUILT = existsSync(join(ROOT, 'dist', 'energy', 'model', 'residual-trees.js'));
let dir: string;
const run = cliStarter(CLI, () => dir);
const json = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));

beforeAll(async () => {
  if (!BUILT) return;
  dir = mkdtempSync(join(tmpdir(), 'energylens-trees-'));
  await simulateBaseAndMine(run, dir);
  const r = await run('fit', '--data', 'train.csv', '--structure', 'physics', '--restarts', '1', '--residual-trees', '--out', 'trees.json', '--json');
  if (r.status !== 0) throw new Error(r.stderr);
}, 300_000);
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe.skipIf(!BUILT)('residual trees in the CLI', () => {
  it('fit --residual-trees writes the section; predict applies it and adds residual_factor', async () => {
    const m = json('trees.json');
    expect(m.residualTrees).toMatchObject({ learner: 'xgboost', target: 'level', folds: 5 });
    expect(m.residualTrees.treeNodes).toHaveLength(400);
    expect(m.series.pooled).toBeUndefined();
    const r = await run('predict', '--model', 'trees.json', '--data', 'mine-all.csv', '--out', 'pred.csv');
    expect(r.status, r.stderr).toBe(0);
    const rows = parse(readFileSync(join(dir, 'pred.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(Number(row.residual_factor)).toBeGreaterThan(0);
    expect(new Set(rows.map((row) => row.residual_factor)).size).toBeGreaterThan(1);
  });

  it('fit --base keeps the trees and calibrates under them; explain prints them', async () => {
    const r = await run('fit', '--base', 'trees.json', '--data', 'mine.csv', '--out', 'mine.json');
    expect(r.status, r.stderr).toBe(0);
    expect(json('mine.json').residualTrees).toEqual(json('trees.json').residualTrees);
    const e = await run('explain', '--model', 'mine.json');
    expect(e.status, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/residual trees: 400 gradient-boosted trees/);
  });

  it('refuses a model file whose trees are malformed, naming the file, on one line', async () => {
    const m = json('trees.json');
    m.residualTrees.nodes.split = 'AAAA';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(m));
    const r = await run('predict', '--model', 'bad.json', '--data', 'mine.csv', '--out', 'bad.csv');
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/energylens: error \[INVALID_MODEL_FILE\]: .*bad\.json: residualTrees\.nodes\.split must be base64/);
  });

  it('refuses --residual-trees with --no-series, and either with --base', async () => {
    const a = await run('fit', '--data', 'train.csv', '--out', 'x.json', '--no-series', '--residual-trees');
    expect(a.stderr).toMatch(/\[CONFLICTING_OPTIONS\]: --residual-trees sit under the series effects/);
    const b = await run('fit', '--base', 'trees.json', '--data', 'mine.csv', '--out', 'y.json', '--no-residual-trees');
    expect(b.stderr).toMatch(/\[CONFLICTING_OPTIONS\]: --base keeps the base model's residual trees/);
  });
});
