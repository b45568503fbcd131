// Records streamed into columns (RecordTable): every record's view reads the same fields as readRecords' plain
// objects (empty cells undefined, text and pass-through columns included), past the columns' growth steps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COLUMNS, readRecords, readRecordTable, RecordTable } from '../../../src/energy/records/index.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'el-columns-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('readRecordTable', () => {
  it('gives views that read exactly as readRecords\' records, over 3,000 rows', async () => {
    const lines = ['model,hardware,tp,pp,batch,output_tokens,energy_j,precision,input_tokens,tpot_s,workload,note'];
    for (let i = 0; i < 3000; i++) {
      lines.push(`m${i % 7},${i % 2 ? 'H100' : 'B200'},${1 + (i % 4)},1,${1 + (i % 13) * 0.5},${10 + i},${0.5 + i},${i % 3 ? 'bf16' : ''},${i % 5 ? 128 + i : ''},${i % 11 ? 0.01 * (1 + i % 9) : ''},${i % 4 ? 'chat' : ''},${i % 6 ? `n${i % 3}` : ''}`);
    }
    const path = join(dir, 'r.csv');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const plain = await readRecords(path);
    const table = await readRecordTable(path);
    const views = table.views();
    expect(table.length).toBe(3000);
    expect(views).toHaveLength(3000);
    for (let i = 0; i < 3000; i++) {
      for (const c of COLUMNS) expect((views[i] as unknown as Record<string, unknown>)[c.name]).toBe((plain[i] as unknown as Record<string, unknown>)[c.name]);
      expect(views[i].extra).toEqual(plain[i].extra);
      expect(JSON.parse(JSON.stringify(views[i]))).toEqual(JSON.parse(JSON.stringify(plain[i])));
      // spread and keys as on plain records (the hierarchical fit and discovery copy records with a changed energy)
      expect({ ...views[i], energy_j: 1 }).toEqual({ ...plain[i], energy_j: 1 });
      expect(Object.keys(views[i]).sort()).toEqual(Object.keys(plain[i]).sort());
    }
    expect(Array.from(table.column('energy_j')!.subarray(0, 3))).toEqual([0.5, 1.5, 2.5]);
    expect(Number.isNaN(table.column('input_tokens')![0])).toBe(true);
  });

  it('refuses a bad file as readRecords does, naming the row', async () => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, 'model,hardware,tp,pp,batch,output_tokens,energy_j\nm,H100,1,1,1,10,5\nm,H100,1,1,1,10,-5\n');
    await expect(readRecordTable(path)).rejects.toMatchObject({ code: 'INVALID_RECORD', message: expect.stringMatching(/row 2.*energy_j/s) });
  });

  it('holds records without pass-through columns with no extra', () => {
    const t = new RecordTable();
    t.push({ model: 'm', hardware: 'H100', tp: 1, pp: 1, batch: 2, output_tokens: 10, energy_j: 3 });
    expect(t.views()[0].extra).toBeUndefined();
    expect(t.plain(0)).toEqual({ model: 'm', hardware: 'H100', tp: 1, pp: 1, batch: 2, output_tokens: 10, energy_j: 3 });
  });
});
