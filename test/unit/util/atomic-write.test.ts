import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { releaseTemp, removeStaleTemps, tempPathFor, writeFileAtomic } from '../../../src/util/atomic-write.js';
import { writeRecordsCsv } from '../../../src/energy/records/write.js';

const dir = mkdtempSync(join(tmpdir(), 'energylens-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The PID of a process that has exited. */
const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

describe('temporary files', () => {
  it('get unique names beside the target: PID and a random suffix', () => {
    const target = join(dir, 'out.csv');
    const a = tempPathFor(target);
    const b = tempPathFor(target);
    releaseTemp(a);
    releaseTemp(b);
    expect(a).not.toBe(b);
    expect(dirname(a)).toBe(dir);
    expect(basename(a)).toMatch(new RegExp(`^\\.out\\.csv\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
  });

  it('of dead processes (and of an earlier process with this PID) are removed by the next write of the same target', () => {
    const target = join(dir, 'model.json');
    const dead = join(dir, `.model.json.${deadPid()}.0123456789ab.tmp`);
    const samePid = join(dir, `.model.json.${process.pid}.aaaaaaaaaaaa.tmp`);
    const liveOther = join(dir, `.model.json.${process.ppid}.bbbbbbbbbbbb.tmp`);
    const otherTarget = join(dir, `.other.json.${deadPid()}.cccccccccccc.tmp`);
    for (const f of [dead, samePid, liveOther, otherTarget]) writeFileSync(f, 'partial');
    writeFileAtomic(target, '{"ok":true}');
    expect(readFileSync(target, 'utf8')).toBe('{"ok":true}');
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(samePid)).toBe(false);
    expect(existsSync(liveOther)).toBe(true); // its writer may still be running
    expect(existsSync(otherTarget)).toBe(true); // another file's business
    expect(removeStaleTemps(join(dir, 'other.json'))).toBe(1);
    rmSync(liveOther);
  });

  it('the records writer cleans up stale temporaries too, and a PID reused across runs never collides', async () => {
    const target = join(dir, 'records.csv');
    const stale = join(dir, `.records.csv.${process.pid}.0000000000aa.tmp`);
    writeFileSync(stale, 'model,hard');
    const rows = await writeRecordsCsv(target, [{ model: 'm', hardware: 'H100', tp: 1, pp: 1, batch: 1, output_tokens: 10, energy_j: 5 }]);
    expect(rows).toBe(1);
    expect(readdirSync(dir).filter((f) => f.startsWith('.records.csv'))).toEqual([]);
  });
});
