// AtomicCsvWriter: the streamed CSV that predict writes block by block (the target appears whole or not at all).
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtomicCsvWriter } from '../../../src/energy/records/write.js';

const dir = mkdtempSync(join(tmpdir(), 'energylens-csvwriter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const temps = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('AtomicCsvWriter', () => {
  it('writes the header and rows as they come (quoting where needed) and renames only on commit', async () => {
    const target = join(dir, 'a.csv');
    const w = await AtomicCsvWriter.open(target, ['x', 'note']);
    for (let i = 0; i < 3000; i++) await w.write([String(i), i === 1 ? 'a, "b"' : '']);
    expect(existsSync(target)).toBe(false);
    expect(temps()).toHaveLength(1);
    await w.commit();
    const lines = readFileSync(target, 'utf8').split('\n');
    expect(lines[0]).toBe('x,note');
    expect(lines[2]).toBe('1,"a, ""b"""');
    expect(lines).toHaveLength(3002); // header, 3000 rows, the final newline
    expect(w.rows).toBe(3000);
    expect(temps()).toHaveLength(0);
  });

  it('abort leaves the old target as it was and no temporary file; a second abort is harmless', async () => {
    const target = join(dir, 'b.csv');
    writeFileSync(target, 'old\n');
    const w = await AtomicCsvWriter.open(target, ['x']);
    await w.write(['1']);
    w.abort();
    w.abort();
    expect(readFileSync(target, 'utf8')).toBe('old\n');
    expect(temps()).toHaveLength(0);
  });

  it('a target that is a folder: WRITE_FAILED naming the target (not the temporary file), the folder kept, no temporary file', async () => {
    const target = join(dir, 'folder.csv');
    mkdirSync(target);
    writeFileSync(join(target, 'inside.txt'), 'keep');
    const w = await AtomicCsvWriter.open(target, ['x']);
    await w.write(['1']);
    const err = await w.commit().then(() => null, (e: unknown) => e as { code?: string; message: string });
    expect(err?.code).toBe('WRITE_FAILED');
    expect(err?.message).toBe(`cannot write ${target}: it is a folder`);
    expect(readFileSync(join(target, 'inside.txt'), 'utf8')).toBe('keep');
    expect(temps()).toHaveLength(0);
  });

  it('a target in a folder that does not exist: WRITE_FAILED naming the target and the missing folder', async () => {
    const target = join(dir, 'missing', 'x.csv');
    await expect(AtomicCsvWriter.open(target, ['x'])).rejects.toMatchObject({
      code: 'WRITE_FAILED', message: `cannot write ${target}: the folder ${join(dir, 'missing')} does not exist`,
    });
  });

  it('keeps rows longer than the header whole', async () => {
    const target = join(dir, 'c.csv');
    const w = await AtomicCsvWriter.open(target, ['x']);
    await w.write(['1', '2', '3']);
    await w.commit();
    expect(readFileSync(target, 'utf8')).toBe('x\n1,2,3\n');
  });
});
