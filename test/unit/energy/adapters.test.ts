import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importMlEnergy, importCsv, parseColumnMap } from '../../../src/energy/adapters/index.js';
import { readRecords, writeRecordsCsv } from '../../../src/energy/records/index.js';
import { catalogCheck } from '../../../src/energy/catalog/index.js';

const MLE = join(process.cwd(), '../shared/data/mlenergy-v3');

describe.skipIf(!existsSync(MLE))('ML.ENERGY v3 adapter' + (existsSync(MLE) ? '' : ' (skipped: ../shared/data/mlenergy-v3 absent)'), () => {
  const recs = existsSync(MLE) ? importMlEnergy(MLE) : [];
  it('imports all 838 configurations', () => {
    expect(recs).toHaveLength(838);
  });
  it('maps the fields', () => {
    const tasks = new Set(recs.map((r) => r.workload));
    expect([...tasks].sort()).toEqual(['gpqa', 'image-chat', 'lm-arena-chat', 'sourcegraph-fim', 'video-chat']);
    for (const r of recs) {
      expect(r.pp).toBe(1);
      expect(r.input_tokens).toBeUndefined();
      expect(r.source).toBe('mlenergy-v3');
      expect(r.energy_j).toBeGreaterThan(0);
      expect(r.batch).toBeLessThanOrEqual(r.max_batch! + 1e-9);
      expect(r.modality).toBe(r.workload === 'image-chat' ? 'image' : r.workload === 'video-chat' ? 'video' : 'text');
    }
    expect(new Set(recs.map((r) => r.precision))).toEqual(new Set(['bf16', 'fp8', 'mxfp4']));
    expect(new Set(recs.map((r) => r.architecture))).toEqual(new Set(['dense', 'moe', 'hybrid', 'vlm']));
    const oss = recs.find((r) => r.model === 'openai/gpt-oss-120b')!;
    expect(oss).toMatchObject({ precision: 'mxfp4', architecture: 'moe', params_b: 117, active_params_b: 5 });
  });
  it('writes records that validate against the catalog', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-mle-'));
    const p = join(dir, 'mle.csv');
    await writeRecordsCsv(p, recs);
    const back = await readRecords(p, { check: catalogCheck() });
    expect(back).toHaveLength(838);
    expect(back[0].energy_j).toBe(recs[0].energy_j);
  });
});

describe('ML.ENERGY adapter errors', () => {
  it('reports a missing folder and bad files', () => {
    expect(() => importMlEnergy('/nonexistent/folder')).toThrowError(/cannot read/);
    const dir = mkdtempSync(join(tmpdir(), 'el-mle-'));
    writeFileSync(join(dir, 'x.json'), '{"task":"gpqa","configurations":[{"model_id":"m"}]}');
    expect(() => importMlEnergy(dir)).toThrowError(/x.json configurations\[0\]: unknown weight_precision/);
  });
});

describe('generic CSV import', () => {
  it('parses a column map and rejects bad ones', () => {
    expect(parseColumnMap('energy_j=Energy, tp=TP')).toEqual({ energy_j: 'Energy', tp: 'TP' });
    expect(() => parseColumnMap('joules=Energy')).toThrowError(/not a record column/);
    expect(() => parseColumnMap('energy_j')).toThrowError(/target=source/);
  });
  it('renames columns, sets constants and passes the rest through', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-imp-'));
    const src = join(dir, 'src.csv');
    writeFileSync(src, 'Model,GPU,TP,Batch,Out,Energy,comment\r\nllama,H100,2,8,100,55.5,ok\r\nqwen,B200,1,4,50,12,\r\n');
    const out = join(dir, 'out.csv');
    const n = await importCsv(src, out, { map: parseColumnMap('model=Model,hardware=GPU,tp=TP,batch=Batch,output_tokens=Out,energy_j=Energy'), set: { pp: '1' } });
    expect(n).toBe(2);
    const recs = await readRecords(out);
    expect(recs[0]).toMatchObject({ model: 'llama', hardware: 'H100', tp: 2, pp: 1, batch: 8, output_tokens: 100, energy_j: 55.5, extra: { comment: 'ok' } });
  });
  it('reports every bad row and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-imp-'));
    const src = join(dir, 'src.csv');
    writeFileSync(src, 'm,h,t,p,b,o,E\nllama,H100,2,1,8,100,-5\nqwen,B200,x,1,4,50,12\n');
    const out = join(dir, 'out.csv');
    await expect(importCsv(src, out, { map: parseColumnMap('model=m,hardware=h,tp=t,pp=p,batch=b,output_tokens=o,energy_j=E') }))
      .rejects.toThrowError(/2 problems[\s\S]*src.csv:2 \(row 1\): column "energy_j"[\s\S]*src.csv:3 \(row 2\): column "tp"/);
    expect(readdirSync(dir)).toEqual(['src.csv']);
    await expect(importCsv(src, out, { map: { energy_j: 'Joules' } })).rejects.toThrowError(/no column "Joules"/);
  });
});
