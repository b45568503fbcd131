import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { readRecords, validateRecordsFile, scanRecords, writeRecordsCsv, formatProblem, type ProfilingRecord } from '../../../src/energy/records/index.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'el-records-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

const HEADER = 'model,hardware,tp,pp,batch,output_tokens,energy_j';
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('reading records', () => {
  it('reads a good file with optional and unknown columns', async () => {
    const p = file('good.csv', `${HEADER},precision,input_tokens,note\nllama,H100,2,1,8,100,500,bf16,,hello\nqwen,B200,1,1,4.5,20,30.5,FP8,128,x\n`);
    const recs = await readRecords(p);
    expect(recs).toHaveLength(2);
    expect(recs[0]).toMatchObject({ model: 'llama', hardware: 'H100', tp: 2, pp: 1, batch: 8, output_tokens: 100, energy_j: 500, precision: 'bf16', extra: { note: 'hello' } });
    expect(recs[0].input_tokens).toBeUndefined();
    expect(recs[1]).toMatchObject({ precision: 'fp8', input_tokens: 128, batch: 4.5 });
  });

  it('handles a BOM and Windows line endings', async () => {
    const p = file('bom.csv', `\uFEFF${HEADER}\r\nm,H100,1,1,1,10,5\r\nm,H100,1,1,2,10,6\r\n`);
    const recs = await readRecords(p);
    expect(recs.map((r) => r.energy_j)).toEqual([5, 6]);
    expect(recs[0].model).toBe('m');
  });

  it('reports an empty file and a header-only file', async () => {
    const empty = await validateRecordsFile(file('empty.csv', ''));
    expect(empty.ok).toBe(false);
    expect(formatProblem(empty.problems[0])).toMatch(/empty/);
    const head = await validateRecordsFile(file('head.csv', `${HEADER}\n`));
    expect(head.ok).toBe(false);
    expect(formatProblem(head.problems[0])).toMatch(/only a header/);
  });

  it('reports every problem at once with file, line, column and expectation', async () => {
    const text = [
      `${HEADER},precision,num_gpus,energy_j`,
      'm,H100,1,1,1,10,5,bf16,,5',
      'm,H100,two,1,1,10,-3,fp7,,1',
      'm,H100,2,2,1,10,0,,2,1',
      'm,H100,1,1,NaN,10,1,,,1',
      'm,H100,1,1',
    ].join('\n');
    const p = file('bad.csv', text);
    const rep = await validateRecordsFile(p);
    expect(rep.ok).toBe(false);
    const got = rep.problems.map((q) => `${q.line}:${q.column}`);
    expect(got).toContain('1:energy_j'); // duplicate column
    expect(got).toContain('3:tp');
    expect(got).toContain('3:energy_j');
    expect(got).toContain('3:precision');
    expect(got).toContain('4:energy_j'); // zero energy
    expect(got).toContain('4:num_gpus'); // tp*pp > num_gpus
    expect(got).toContain('5:batch'); // NaN
    expect(got).toContain('6:'); // short row
    const msg = rep.problems.map(formatProblem).join('\n');
    expect(msg).toContain(`${p}:3 (row 2): column "precision": expected one of bf16`);
    expect(msg).toMatch(/num_gpus": expected at least tp\*pp\*dp = 4 GPUs, got "2"/);
    await expect(readRecords(p)).rejects.toMatchObject({ code: 'INVALID_RECORD' });
  });

  it('reports a missing required column', async () => {
    const rep = await validateRecordsFile(file('missing.csv', 'model,hardware,tp,pp,batch,output_tokens\nm,H100,1,1,1,1\n'));
    expect(rep.problems.some((q) => q.column === 'energy_j' && q.line === 1)).toBe(true);
  });

  it('reports malformed CSV as a problem, and passes errors of the callback through', async () => {
    const p = file('quote.csv', `${HEADER}\nm,H100,1,1,1,10,5\n"m,H100,1,1,1,10,5\n`);
    const rep = await validateRecordsFile(p);
    expect(rep.ok).toBe(false);
    expect(rep.problems[0]).toMatchObject({ code: 'INVALID_CSV', line: 3, row: 2, column: 'model' });
    expect(formatProblem(rep.problems[0])).toMatch(/^\[INVALID_CSV\] .*quote\.csv:3 \(row 2\).*closing quote/);
    await expect(scanRecords(file('ok.csv', `${HEADER}\nm,H100,1,1,1,10,5\n`), () => { throw new Error('callback failed'); })).rejects.toThrow('callback failed');
  });

  it('names the data line, row and column of a stray quote, and keeps reading and counting after it', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `m,H100,1,1,${i + 1},10,5`);
    rows[19] = 'm,H100,1,1"x,20,10,5';
    const p = file('stray.csv', `${HEADER}\n${rows.join('\n')}\n`);
    const rep = await validateRecordsFile(p);
    expect(rep).toMatchObject({ rows: 30, validRows: 29, problemCount: 1 });
    expect(rep.problems[0]).toMatchObject({ code: 'INVALID_CSV', line: 21, row: 20, column: 'pp' });
    expect(formatProblem(rep.problems[0])).not.toMatch(/header|empty/);
    await expect(readRecords(p)).rejects.toMatchObject({ code: 'INVALID_CSV', message: expect.stringMatching(/stray\.csv:21 \(row 20\): column "pp"/) });
  });

  it('calls a file empty only when it is, and stops at a malformed header', async () => {
    const empty = await validateRecordsFile(file('empty.csv', ''));
    expect(formatProblem(empty.problems[0])).toMatch(/the file is empty/);
    const badHeader = await validateRecordsFile(file('badheader.csv', `model,"hardware"x,tp\n${'m,H100,1\n'.repeat(20)}`));
    expect(badHeader.problems).toHaveLength(1);
    expect(badHeader.problems[0]).toMatchObject({ code: 'INVALID_CSV', line: 1, row: 0, column: '#2' });
    expect(formatProblem(badHeader.problems[0])).not.toMatch(/empty/);
  });

  it('reports a missing file as FILE_NOT_FOUND', async () => {
    await expect(validateRecordsFile(join(dir, 'nope.csv'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('streams a ~50 MB file and keeps a bounded number of problems', async () => {
    const p = join(dir, 'big.csv');
    const out = createWriteStream(p);
    out.write(`${HEADER},note\n`);
    const rowsPerChunk = 10_000;
    const chunk = Array.from({ length: rowsPerChunk }, (_, i) => `model-${i},H100,1,1,${(i % 64) + 1},200,${i % 7 === 0 ? -1 : 1234.5},${'x'.repeat(40)}`).join('\n') + '\n';
    const chunks = Math.ceil(50e6 / chunk.length);
    for (let i = 0; i < chunks; i += 1) if (!out.write(chunk)) await once(out, 'drain');
    out.end();
    await once(out, 'finish');
    let seen = 0;
    const rep = await scanRecords(p, () => { seen += 1; }, { maxProblems: 100 });
    const total = chunks * rowsPerChunk;
    expect(rep.rows).toBe(total);
    expect(rep.problems).toHaveLength(100);
    expect(rep.truncated).toBe(true);
    const badPerChunk = Math.ceil(rowsPerChunk / 7);
    expect(rep.problemCount).toBe(chunks * badPerChunk);
    expect(seen).toBe(total - rep.problemCount);
  });
});

describe('writing records', () => {
  const recs: ProfilingRecord[] = [
    { model: 'a', hardware: 'H100', tp: 1, pp: 1, batch: 2, output_tokens: 10, energy_j: 3.5, extra: { note: 'x,y' } },
    { model: 'b', hardware: 'B200', tp: 2, pp: 1, batch: 4, output_tokens: 20, energy_j: 7, precision: 'fp8' },
  ];

  it('round-trips records and passes unknown columns through', async () => {
    const p = join(dir, 'out.csv');
    expect(await writeRecordsCsv(p, recs)).toBe(2);
    const back = await readRecords(p);
    expect(back[0]).toMatchObject({ model: 'a', energy_j: 3.5, extra: { note: 'x,y' } });
    expect(back[1]).toMatchObject({ precision: 'fp8', tp: 2, extra: { note: '' } });
    expect(readFileSync(p, 'utf8').split('\n')[0]).toMatch(/^model,hardware,tp,pp,batch,output_tokens,energy_j,.*,note$/);
  });

  it('leaves no partial file when the rows fail midway', async () => {
    const sub = mkdtempSync(join(dir, 'w-'));
    const p = join(sub, 'partial.csv');
    function* rows(): Generator<ProfilingRecord> {
      yield recs[0];
      throw new Error('source failed');
    }
    await expect(writeRecordsCsv(p, rows())).rejects.toThrow('source failed');
    expect(readdirSync(sub)).toEqual([]);
  });

  it('fails cleanly when the directory does not exist', async () => {
    await expect(writeRecordsCsv(join(dir, 'no', 'such', 'x.csv'), recs)).rejects.toMatchObject({ code: 'WRITE_FAILED' });
  });
});
