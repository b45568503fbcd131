// Kriging series effects through the CLI: fit --series-kriging writes series.kriging, predict applies it, fit --base
// adds the user's records as points, explain prints the kernel; a malformed section and conflicting flags get one
// [CODE] line. Built CLI: run `npm run build` first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliStarter, simulateBaseAndMine } from './cli-start.js';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'energylens.js');
const BUILT = existsSync(join(ROOT, 'dist', 'energy', 'model', 'series-kriging.js'));
let dir: string;
const run = cliStarter(CLI, () => dir);
const json = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));

beforeAll(async () => {
  if (!BUILT) return;
  dir = mkdtempSync(join(tmpdir(), 'energylens-kriging-'));
  await simulateBaseAndMine(run, dir);
  const r = await run('fit', '--data', 'train.csv', '--structure', 'physics', '--restarts', '1', '--series-kriging', '--out', 'k.json');
  if (r.status !== 0) throw new Error(r.stderr);
}, 300_000);
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe.skipIf(!BUILT)('kriging series effects in the CLI', () => {
  it('fit --series-kriging writes the section with every record as a point; fit --base adds the user\'s; explain prints the kernel', async () => {
    const m = json('k.json');
    const train = readFileSync(join(dir, 'train.csv'), 'utf8').trim().split('\n').length - 1;
    expect(m.series.kriging.series.reduce((a: number, s: { r: number[] }) => a + s.r.length, 0)).toBe(train);
    const b = await run('fit', '--base', 'k.json', '--data', 'mine.csv', '--out', 'mine.json');
    expect(b.status, b.stderr).toBe(0);
    const mine = json('mine.json');
    expect(mine.series.kriging.kernel).toEqual(m.series.kriging.kernel);
    expect(mine.series.kriging.series.reduce((a: number, s: { r: number[] }) => a + s.r.length, 0)).toBe(train + 3);
    const p = await run('predict', '--model', 'mine.json', '--data', 'mine-all.csv', '--out', 'pred.csv');
    expect(p.status, p.stderr).toBe(0);
    const e = await run('explain', '--model', 'mine.json');
    expect(e.status, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/kriging \(a series with records is predicted by its Gaussian-process posterior, from \d+ points\)/);
  });

  it('refuses a malformed section naming the field, and --series-kriging with --no-series or --base', async () => {
    const m = json('k.json');
    m.series.kriging.kernel.lengths = [];
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(m));
    const r = await run('predict', '--model', 'bad.json', '--data', 'mine.csv', '--out', 'bad.csv');
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/\[INVALID_MODEL_FILE\]: .*bad\.json: series\.kriging\.kernel\.lengths/);
    const a = await run('fit', '--data', 'train.csv', '--out', 'x.json', '--no-series', '--series-kriging');
    expect(a.stderr).toMatch(/\[CONFLICTING_OPTIONS\]: --series-kriging generalises the series effects/);
    const c = await run('fit', '--base', 'k.json', '--data', 'mine.csv', '--out', 'y.json', '--series-kriging');
    expect(c.stderr).toMatch(/\[CONFLICTING_OPTIONS\]: --base keeps the base model's kriging section/);
  });
});
