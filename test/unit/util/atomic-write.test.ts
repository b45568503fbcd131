// writeFileAtomic's failures: WRITE_FAILED naming the target and the reason in words, never the temporary file.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../src/util/atomic-write.js';

const dir = mkdtempSync(join(tmpdir(), 'energylens-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const failure = (f: () => void): { code?: string; message: string } | null => {
  try { f(); return null; } catch (e) { return e as { code?: string; message: string }; }
};

describe('writeFileAtomic failures', () => {
  it('into a folder that does not exist', () => {
    const target = join(dir, 'missing', 'm.json');
    expect(failure(() => writeFileAtomic(target, '{}'))).toMatchObject({
      code: 'WRITE_FAILED', message: `could not write ${target}: the folder ${join(dir, 'missing')} does not exist`,
    });
  });

  it('onto a folder: the folder and what it holds kept, no temporary file', () => {
    const target = join(dir, 'a-folder');
    mkdirSync(target);
    writeFileSync(join(target, 'inside.txt'), 'keep');
    expect(failure(() => writeFileAtomic(target, '{}'))).toMatchObject({ code: 'WRITE_FAILED', message: `could not write ${target}: it is a folder` });
    expect(readFileSync(join(target, 'inside.txt'), 'utf8')).toBe('keep');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
