// readTextFile: the one reader of whole text files (model, structure, catalog, plan, sr's CSV) and its errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTextFile } from '../../../src/util/read-text.js';

const dir = mkdtempSync(join(tmpdir(), 'energylens-read-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readTextFile', () => {
  it('returns the text without a byte-order mark', () => {
    writeFileSync(join(dir, 'a.json'), '\uFEFF{"a":1}');
    expect(readTextFile(join(dir, 'a.json'), 'model file')).toBe('{"a":1}');
  });
  it('a missing file: FILE_NOT_FOUND naming the path and what was expected', () => {
    expect(() => readTextFile(join(dir, 'none.json'), 'model file')).toThrow(expect.objectContaining({ code: 'FILE_NOT_FOUND', message: `${join(dir, 'none.json')}: no such model file` }));
  });
  it("a folder: the caller's code, not a raw EISDIR", () => {
    expect(() => readTextFile(dir, 'structure file', 'INVALID_STRUCTURE')).toThrow(expect.objectContaining({ code: 'INVALID_STRUCTURE', message: `${dir} is a folder; expected a structure file` }));
  });
});
