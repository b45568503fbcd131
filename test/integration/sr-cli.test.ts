// The `energylens sr` command: end to end through the built binary (search, checkpoints, Ctrl-C), and its
// input checks in-process through main() (fast: they fail before any search starts).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { cliStarter } from './cli-start.js';

const CLI = join(__dirname, '..', '..', 'bin', 'energylens.js');
let dir: string;
const at = (f: string) => join(dir, f);
const run = cliStarter(CLI);
const readJSON = (f: string) => JSON.parse(readFileSync(at(f), 'utf8'));
// small and quick: 2 islands of 24 on one worker
const base = ['--target', 'energy', '--islands', '2', '--workers', '1', '--operators', '+,-,*,/,square'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'energylens-sr-'));
  const lines = ['batch,tp,energy'];
  for (let i = 0; i < 40; i++) {
    const a = 0.5 + (i % 7) * 0.3;
    const b = 0.5 + (i % 5) * 0.4;
    lines.push(`${a},${b},${2.5 * a * a + b}`);
  }
  writeFileSync(at('data.csv'), `${lines.join('\n')}\n`);
  writeFileSync(at('other.csv'), `${lines.slice(0, 30).join('\n')}\n`);
  writeFileSync(at('bad.csv'), 'batch,tp,energy\n1,2,3\n\n1,abc,4\n');
  writeFileSync(at('nan.csv'), 'batch,tp,energy\n1,2,3\n2,3,NaN\n');
  writeFileSync(at('inf.csv'), 'batch,tp,energy\n1,Infinity,3\n');
  writeFileSync(at('empty.csv'), '');
  writeFileSync(at('header.csv'), 'batch,tp,energy\n');
  writeFileSync(at('const.csv'), 'a,y\n1,2\n2,2\n3,2\n');
  writeFileSync(at('few.csv'), 'a,y\n1,2\n2,3\n');
  writeFileSync(at('mixed.csv'), `${['gpu,batch,tp,energy', ...lines.slice(1).map((l) => `H100,${l}`)].join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('energylens sr (built binary)', () => {
  it('finds the law within an evaluation budget and writes exactly the JSON shape, with the column names', async () => {
    const r = await run('sr', '--data', at('data.csv'), ...base, '--evals', '400000', '--target-loss', '1e-20', '--seed', '1', '--json', at('out.json'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/complexity\s+mse\s+R2\s+expression/);
    const json = readJSON('out.json');
    expect(Object.keys(json)).toEqual(['best', 'front', 'evaluations', 'seconds', 'seed']);
    expect(Object.keys(json.best)).toEqual(['expression', 'complexity', 'loss', 'r2']);
    for (const f of json.front) expect(Object.keys(f)).toEqual(['expression', 'complexity', 'loss', 'r2']);
    expect(json.best.expression).toMatch(/batch/);
    expect(json.best.expression).toMatch(/tp/);
    expect(json.best.loss).toBeLessThan(1e-20);
    expect(json.best.r2).toBeCloseTo(1, 12);
    expect(json.seed).toBe(1);
    expect(json.evaluations).toBeGreaterThan(0);
    expect(json.front.map((f: { complexity: number }) => f.complexity)).toEqual([...json.front.map((f: { complexity: number }) => f.complexity)].sort((a, b) => a - b));
  });

  it('without --features uses the numeric columns, names the text ones it skips, and exports the best equation', async () => {
    const r = await run('sr', '--data', at('mixed.csv'), ...base, '--evals', '400000', '--target-loss', '1e-20', '--seed', '1', '--export', 'js');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/features are the numeric columns batch, tp; skipped \(text, not numbers\): gpu/);
    expect(r.stderr).toMatch(/complexity\s+mse\s+R2\s+expression/);
    expect(r.stdout).toMatch(/^function model\(batch, tp\) \{\n  return .*batch.*;\n\}\n$/);
    const f = new Function(`return (${r.stdout});`)() as (a: number, b: number) => number;
    expect(f(1.1, 0.9)).toBeCloseTo(2.5 * 1.1 * 1.1 + 0.9, 9);
  });

  it('--evals is a strict budget: one seed and --evals give the same result on 1 or 2 workers, within about a generation of the budget', async () => {
    // exact data: without --no-stop-on-exact the search would stop at the exact fit, before the budget
    const common = ['--data', at('data.csv'), '--target', 'energy', '--islands', '2', '--operators', '+,-,*,/,square', '--no-stop-on-exact', '--evals', '20000', '--seed', '4'];
    const [one, two] = await Promise.all([
      run('sr', ...common, '--workers', '1', '--json', at('evals1.json')),
      run('sr', ...common, '--workers', '2', '--json', at('evals2.json')),
    ]);
    expect([one.status, two.status], one.stderr + two.stderr).toEqual([0, 0]);
    const strip = (j: { front: unknown; evaluations: number; best: unknown }) => ({ front: j.front, best: j.best, evaluations: j.evaluations });
    expect(strip(readJSON('evals2.json'))).toEqual(strip(readJSON('evals1.json')));
    const spent = readJSON('evals1.json').evaluations as number;
    expect(spent).toBeGreaterThanOrEqual(20000);
    // checked once per cycle (before --evals was strict), this run spent 29,630
    expect(spent).toBeLessThan(20000 * 1.05);
  });

  it('a search that finds no finite expression exits 1 with one line saying what to try, and writes no --json', async () => {
    // every candidate overflows: the squared error of values near 1e300 is infinite
    writeFileSync(at('huge.csv'), 'x,y\n1,1e300\n2,-1e300\n3,1e300\n4,-1e300\n');
    const r = await run('sr', '--data', at('huge.csv'), '--target', 'y', '--islands', '2', '--workers', '1', '--evals', '2000', '--json', at('huge.json'));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^energylens: error \[NO_EXPRESSION\]: no expression with a finite mse was found in \d+ evaluations: .*try /);
    expect(existsSync(at('huge.json'))).toBe(false);
  });

  it('fails on bad input with a message and no stack trace', async () => {
    const r = await run('sr', '--data', at('bad.csv'), '--target', 'energy');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\[INVALID_CSV\].*bad\.csv, row 2 \(line 4\), column "tp": "abc" is not a number/);
    expect(r.stderr).not.toMatch(/    at /);
  });

  it('checkpoints atomically; a resumed run equals an uninterrupted one; other data or options are refused', async () => {
    const ckpt = at('run.ckpt');
    // exact data: without --no-stop-on-exact the search would stop at the exact fit, before the budgets compared here
    const common = ['--data', at('data.csv'), ...base, '--no-stop-on-exact', '--seed', '3', '--checkpoint', ckpt];
    const a = await run('sr', ...common, '--generations', '20');
    expect(a.status, a.stderr).toBe(0);
    expect(existsSync(ckpt)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const b = await run('sr', ...common, '--generations', '40', '--resume', '--json', at('resumed.json'));
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/40 generations/);
    const straight = await run('sr', '--data', at('data.csv'), ...base, '--no-stop-on-exact', '--seed', '3', '--generations', '40', '--json', at('straight.json'));
    expect(straight.status, straight.stderr).toBe(0);
    const strip = (j: { front: unknown; evaluations: number; best: unknown }) => ({ front: j.front, best: j.best, evaluations: j.evaluations });
    expect(strip(readJSON('resumed.json'))).toEqual(strip(readJSON('straight.json')));

    const islands = await run('sr', ...common.map((x) => (x === '2' ? '3' : x)), '--generations', '80', '--resume');
    expect(islands.stderr).toMatch(/CHECKPOINT_INVALID.*populations \(checkpoint 2, now 3\)/);
    const data = await run('sr', ...common.map((x) => (x === at('data.csv') ? at('other.csv') : x)), '--generations', '80', '--resume');
    expect(data.stderr).toMatch(/CHECKPOINT_INVALID.*other data \(checkpoint: 40 rows x 2 features.*this run: 29 rows x 2 features/);
    expect([islands.status, data.status]).toEqual([1, 1]);
  });

  it('stops on Ctrl-C after the current cycle and prints and writes the best so far', async () => {
    const ckpt = at('sigint.ckpt');
    const child = spawn(process.execPath, [CLI, 'sr', '--data', at('data.csv'), ...base, '--no-stop-on-exact', '--time', '120', '--checkpoint', ckpt, '--checkpoint-every', '0', '--json', at('sigint.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // the first checkpoint means the first cycle is done: there is a best so far
    while (!existsSync(ckpt)) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(0);
    expect(stdout).toMatch(/stopped by the user \(SIGINT, Ctrl-C\)/);
    expect(stdout).toMatch(/complexity\s+mse/);
    expect(readJSON('sigint.json').best.expression).toEqual(expect.any(String));
  });
});

describe('energylens sr: input checks (in-process)', () => {
  let stderr = '';
  beforeAll(() => { vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; }); });
  afterEach(() => { stderr = ''; process.exitCode = undefined; });
  afterAll(() => { vi.restoreAllMocks(); });

  it.each([
    [['--data', 'missing.csv', '--target', 'energy'], /FILE_NOT_FOUND.*missing\.csv: no such CSV file/],
    [['--data', 'data.csv', '--target', 'power'], /no target column "power" \(columns: batch, tp, energy\)/],
    [['--data', 'nan.csv', '--target', 'energy'], /nan\.csv, row 2 \(line 3\), column "energy": is "NaN"; only finite numbers/],
    [['--data', 'inf.csv', '--target', 'energy'], /inf\.csv, row 1 \(line 2\), column "tp": is "Infinity"/],
    [['--data', 'empty.csv', '--target', 'energy'], /empty\.csv is empty/],
    [['--data', 'header.csv', '--target', 'energy'], /no data rows/],
    [['--data', 'const.csv', '--target', 'y'], /INVALID_DATA.*target is constant/],
    [['--data', 'few.csv', '--target', 'y'], /INVALID_DATA.*at least 3 rows/],
    [['--data', 'data.csv', '--target', 'energy', '--features', 'tp,nope'], /no column "nope"/],
    [['--data', 'data.csv', '--target', 'energy', '--resume'], /--resume needs --checkpoint/],
    [['--data', 'data.csv', '--target', 'energy', '--checkpoint-every', '5'], /--checkpoint-every needs --checkpoint/],
    [['--data', 'data.csv', '--target', 'energy', '--features', 'tp,energy'], /--features names the target column "energy"/],
    [['--data', 'data.csv', '--target', 'energy', '--features', 'tp,tp'], /--features names "tp" twice/],
    [['--data', 'data.csv', '--target', 'energy', '--json', '/no/such/folder/out.json'], /--json \/no\/such\/folder\/out\.json: the folder \/no\/such\/folder does not exist/],
    [['--data', 'data.csv', '--target', 'energy', '--operators', '+,frob'], /UNKNOWN_OPERATOR.*unknown operator "frob"/],
    [['--data', 'data.csv', '--target', 'energy', '--islands', '0'], /--islands must be an integer >= 1, got "0"/],
    [['--data', 'data.csv', '--target', 'energy', '--workers', '0'], /--workers must be an integer >= 1, got "0"/],
    [['--data', 'data.csv', '--target', 'energy', '--time', '-3'], /--time must be a positive number/],
    [['--data', 'data.csv', '--target', 'energy', '--max-size', '2'], /--max-size must be an integer >= 3/],
  ])('refuses %j', async (args, message) => {
    await main(['node', 'energylens', 'sr', ...args.map((a) => (a.endsWith('.csv') ? at(a) : a))]);
    expect(stderr).toMatch(message);
    expect(process.exitCode).toBe(stderr.includes('[INVALID_OPTION]') ? 2 : 1); // usage errors exit with 2
  });

  it('shows the defaults in --help', async () => {
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
    await main(['node', 'energylens', 'sr', '--help']);
    spy.mockRestore();
    out = out.replace(/\s+/g, ' ');
    expect(out).toMatch(/--max-size <n>.*\(default: 30\)/);
    expect(out).toMatch(/--islands <n>.*\(default: \d+\)/);
    expect(out).toMatch(/--time <seconds>.*default: 60 when no other stop condition/);
    expect(out).toMatch(/--loss <name>.*\(choices: "mse", "mae", "mape", "msle", default: "mse"\)/);
  });
});
