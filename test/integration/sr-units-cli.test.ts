// `energylens sr --units`: a run through the built binary (the table's units column, the JSON's
// dimensionallyConsistent) and the flag's input checks in-process through main() (they fail before any search).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { cliStarter } from './cli-start.js';

const CLI = join(__dirname, '..', '..', 'bin', 'energylens.js');
let dir: string;
const at = (f: string) => join(dir, f);
const run = cliStarter(CLI);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'energylens-sr-units-'));
  const lines = ['m,v,t,E'];
  for (let i = 0; i < 40; i++) {
    const m = 1 + (i % 7) * 0.5;
    const v = 1 + (i % 5) * 1.5;
    const t = 0.5 + (i % 3) * 0.7;
    lines.push(`${m},${v},${t},${(m * v * v) / 2}`);
  }
  writeFileSync(at('kinetic.csv'), `${lines.join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('energylens sr --units (built binary)', () => {
  it('marks each front row consistent or not, in the table and the JSON', async () => {
    const r = await run('sr', '--data', at('kinetic.csv'), '--target', 'E', '--units', 'm=kg, v=m/s, t=s, E=J', '--islands', '2', '--workers', '1',
      '--operators', '+,-,*,/,square', '--evals', '40000', '--seed', '1', '--json', at('out.json'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/complexity\s+mse\s+R2\s+units\s+expression/);
    expect(r.stdout).toMatch(/\s(ok|MISMATCH)\s/);
    const json = JSON.parse(readFileSync(at('out.json'), 'utf8'));
    for (const f of json.front) expect(typeof f.dimensionallyConsistent).toBe('boolean');
    expect(json.best.dimensionallyConsistent).toBe(true);
  }, 60_000);
});

describe('energylens sr --units: input checks (in-process)', () => {
  let stderr = '';
  beforeAll(() => { vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; }); });
  afterEach(() => { stderr = ''; process.exitCode = undefined; });
  afterAll(() => { vi.restoreAllMocks(); });

  it.each([
    [['--units', 'm=kgg'], /INVALID_UNIT.*--units: unit of feature "m": cannot read the unit "kgg"/],
    [['--units', 'm=kg,E=Jx'], /INVALID_UNIT.*--units: unit of the target: cannot read the unit "Jx"/],
    [['--units', 'm'], /--units: "m" is not name=unit/],
    [['--units', '=kg'], /--units: "=kg" is not name=unit/],
    [['--units', 'm=kg,m=g'], /--units names "m" twice/],
    [['--units', 'w=kg'], /--units names "w", which is neither a feature nor the target \(features: m, v, t; target: E\)/],
  ])('refuses %j', async (args, message) => {
    await main(['node', 'energylens', 'sr', '--data', at('kinetic.csv'), '--target', 'E', ...args]);
    expect(stderr).toMatch(message);
    expect(process.exitCode).toBe(2);
  });
});
