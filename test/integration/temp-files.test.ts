// Temporary files and early kills, through the built code: a signal removes the temporary files of a write in
// progress; a temporary file left by a killed run is removed by the next run writing the same file; `sr`
// writes its first checkpoint after its first cycle, and `--resume` without a checkpoint starts afresh.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { cliStarter } from './cli-start.js';

const ROOT = process.cwd();
const CLI = join(ROOT, 'bin', 'energylens.js');
const built = existsSync(join(ROOT, 'dist', 'util', 'atomic-write.js')) && existsSync(join(ROOT, 'build', 'release.wasm'));
const dir = mkdtempSync(join(tmpdir(), 'energylens-temps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const temps = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const run = cliStarter(CLI, () => dir);
const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

describe.skipIf(!built)('temporary files and early kills', () => {
  it('SIGTERM and SIGINT during a write remove its temporary file, and the process still ends by the signal', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const script = `import { tempPathFor } from ${JSON.stringify(join(ROOT, 'dist', 'util', 'atomic-write.js'))};
        import { writeFileSync } from 'node:fs';
        const tmp = tempPathFor(${JSON.stringify(join(dir, 'out.csv'))});
        writeFileSync(tmp, 'half a file');
        process.stdout.write('ready\\n');
        setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await once(child.stdout, 'data');
      expect(temps()).toHaveLength(1);
      child.kill(signal);
      const [code, sig] = await once(child, 'exit');
      expect({ code, sig }).toEqual({ code: null, sig: signal });
      expect(temps()).toEqual([]);
    }
  });

  it('a run removes the temporary files a killed run left beside the same output', async () => {
    const stale = join(dir, `.sim.csv.${deadPid()}.0123456789ab.tmp`);
    writeFileSync(stale, 'model,hardware,tp\nLlama');
    const r = await run('simulate', '--out', 'sim.csv', '--models', 'Llama-3.1-8B-Instruct', '--hardware', 'H100', '--tp', '1,2', '--pp', '1', '--batch', '8,32,128', '--input', '512', '--output', '256', '--no-progress');
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(temps()).toEqual([]);
  });

  it('sr --resume without a checkpoint starts afresh and says so; the checkpoint is written after the first cycle', async () => {
    const rows = ['x,y', ...Array.from({ length: 40 }, (_, i) => `${i + 1},${(2 * (i + 1)) ** 1.5 + 3}`)];
    writeFileSync(join(dir, 'xy.csv'), `${rows.join('\n')}\n`);
    const fresh = await run('sr', '--data', 'xy.csv', '--target', 'y', '--generations', '20', '--islands', '2', '--workers', '1', '--checkpoint', 'a.ckpt', '--resume', '--no-progress');
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(fresh.stderr).toMatch(/no checkpoint at a\.ckpt yet; starting a fresh search/);
    expect(existsSync(join(dir, 'a.ckpt'))).toBe(true);
    // a long run with the default 10 s between checkpoints: the first one still comes after the first cycle
    const child = spawn(process.execPath, [CLI, 'sr', '--data', 'xy.csv', '--target', 'y', '--time', '300', '--islands', '2', '--workers', '1', '--checkpoint', 'b.ckpt', '--no-progress'], { cwd: dir, stdio: 'ignore' });
    const started = Date.now();
    while (!existsSync(join(dir, 'b.ckpt')) && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(existsSync(join(dir, 'b.ckpt'))).toBe(true);
    const resumed = await run('sr', '--data', 'xy.csv', '--target', 'y', '--generations', '40', '--islands', '2', '--workers', '1', '--checkpoint', 'b.ckpt', '--resume', '--no-progress');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).not.toMatch(/fresh search/);
    expect(temps()).toEqual([]);
  });
});
