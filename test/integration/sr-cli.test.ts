// The `energylens sr` command end to end (built CLI).
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', 'bin', 'energylens.js');
let dir: string;
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'energylens-sr-'));
  const lines = ['batch,tp,energy'];
  for (let i = 0; i < 40; i++) {
    const a = 0.5 + (i % 7) * 0.3;
    const b = 0.5 + (i % 5) * 0.4;
    lines.push(`${a},${b},${2.5 * a * a + b}`);
  }
  writeFileSync(join(dir, 'data.csv'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'bad.csv'), 'batch,tp,energy\n1,2,3\n1,abc,4\n');
  writeFileSync(join(dir, 'empty.csv'), '');
  writeFileSync(join(dir, 'header.csv'), 'batch,tp,energy\n');
  writeFileSync(join(dir, 'const.csv'), 'a,y\n1,2\n2,2\n3,2\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('energylens sr', () => {
  it('finds the law and writes the JSON result with the column names', () => {
    const out = join(dir, 'out.json');
    const r = run('sr', '--data', join(dir, 'data.csv'), '--target', 'energy', '--generations', '300', '--target-loss', '1e-20', '--workers', '0', '--seed', '1', '--json', out, '--operators', '+,-,*,/,square');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/complexity\s+loss/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(Object.keys(json).sort()).toEqual(['best', 'evaluations', 'front', 'seconds', 'seed', 'stoppedBy']);
    expect(Object.keys(json.best).sort()).toEqual(['complexity', 'expression', 'loss', 'r2']);
    expect(json.best.expression).toMatch(/batch/);
    expect(json.seed).toBe(1);
    expect(Math.min(...json.front.map((f: { loss: number }) => f.loss))).toBeLessThan(1e-20);
    expect(json.front.every((f: { r2: number }) => typeof f.r2 === 'number')).toBe(true);
  });

  it.each([
    [['--data', 'missing.csv', '--target', 'energy'], /no such file/],
    [['--data', 'data.csv', '--target', 'power'], /no target column "power"/],
    [['--data', 'bad.csv', '--target', 'energy'], /bad\.csv, line 3, column "tp": "abc" is not a finite number/],
    [['--data', 'empty.csv', '--target', 'energy'], /empty/],
    [['--data', 'header.csv', '--target', 'energy'], /no data rows/],
    [['--data', 'const.csv', '--target', 'y'], /target is constant/],
    [['--data', 'data.csv', '--target', 'energy', '--resume'], /--resume needs --checkpoint/],
    [['--data', 'data.csv', '--target', 'energy', '--features', 'tp,energy'], /names the target/],
    [['--data', 'data.csv', '--target', 'energy', '--operators', '+,frob'], /unknown operator "frob"/],
    [['--data', 'data.csv', '--target', 'energy', '--islands', '0'], /populations must be a positive integer/],
    [['--data', 'data.csv', '--target', 'energy', '--workers', '-1'], /workers must be a non-negative integer/],
  ])('fails clearly on %j', (args, message) => {
    const r = run('sr', ...args.map((a) => (a.endsWith('.csv') ? join(dir, a) : a)), '--generations', '10');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/    at /); // no stack trace
  });

  it('writes a checkpoint atomically and resumes from it', () => {
    const ckpt = join(dir, 'run.ckpt');
    const a = run('sr', '--data', join(dir, 'data.csv'), '--target', 'energy', '--generations', '40', '--workers', '0', '--seed', '3', '--checkpoint', ckpt, '--islands', '2');
    expect(a.status, a.stderr).toBe(0);
    expect(existsSync(ckpt)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    const b = run('sr', '--data', join(dir, 'data.csv'), '--target', 'energy', '--generations', '80', '--workers', '0', '--seed', '3', '--checkpoint', ckpt, '--resume', '--islands', '2', '--json', join(dir, 'resumed.json'));
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/80 generations/);
    const other = run('sr', '--data', join(dir, 'data.csv'), '--target', 'energy', '--generations', '80', '--workers', '0', '--seed', '3', '--checkpoint', ckpt, '--resume', '--islands', '3');
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(/CHECKPOINT_INVALID/);
  });

  it('stops on Ctrl-C and prints the best so far', async () => {
    const child = spawn(process.execPath, [CLI, 'sr', '--data', join(dir, 'data.csv'), '--target', 'energy', '--time', '60', '--workers', '0', '--islands', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    await new Promise((r) => setTimeout(r, 2500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(stdout).toMatch(/stopped by aborted/);
    expect(stdout).toMatch(/complexity\s+loss/);
  });
});
