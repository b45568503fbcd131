import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Catalog, HARDWARE, MLENERGY_MODELS, loadCatalog, parseUserCatalog, resolveHardware, resolveModel, catalogCheck } from '../../../src/energy/catalog/index.js';

const DATA = join(process.cwd(), '../shared/data');
const SPECS = join(DATA, 'hardware-specs.csv');
const TASKS = join(DATA, 'mlenergy-v3/tasks');

describe('hardware catalog', () => {
  it('resolves aliases', () => {
    expect(resolveHardware('H100').name).toBe('H100-SXM5-80GB');
    expect(resolveHardware('b200').name).toBe('B200-SXM-180GB');
    expect(resolveHardware('A100').name).toBe('A100-SXM4-80GB');
    expect(resolveHardware('MI300X').name).toBe('MI300X');
  });
  it('every accelerator has idle power below board power', () => {
    for (const h of HARDWARE) expect(h.idlePowerW).toBeGreaterThan(0), expect(h.idlePowerW).toBeLessThan(h.boardPowerW);
  });
  it('names an unknown accelerator and how to add it', () => {
    expect(() => resolveHardware('TPU-v9')).toThrowError(/unknown hardware "TPU-v9".*--catalog/);
    try { resolveHardware('TPU-v9'); } catch (e) { expect((e as { code: string }).code).toBe('UNKNOWN_HARDWARE'); }
  });
  describe.skipIf(!existsSync(SPECS))('matches ../shared/data/hardware-specs.csv' + (existsSync(SPECS) ? '' : ' (skipped: shared data folder absent)'), () => {
    it('has every row under exactly its name with the same figures', () => {
      const rows = parse(readFileSync(SPECS, 'utf8'), { columns: true, bom: true }) as Record<string, string>[];
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        const h = HARDWARE.find((x) => x.name === r.hardware);
        expect(h, r.hardware).toBeDefined();
        expect(h!.vendor).toBe(r.vendor);
        expect(h!.memoryGB).toBe(Number(r.memory_gb));
        expect(h!.hbmBandwidthTBs).toBe(Number(r.hbm_bandwidth_tb_s));
        expect(h!.denseBf16Tflops).toBe(Number(r.dense_bf16_tflops));
        expect(h!.boardPowerW).toBe(Number(r.board_power_w));
        expect(h!.interconnect).toBe(r.interconnect);
        expect(h!.interconnectGBs).toBe(Number(r.interconnect_gb_s));
      }
      expect(HARDWARE).toHaveLength(rows.length);
    });
  });
});

describe('model catalog', () => {
  it('resolves by full name, short name and alias, ignoring case', () => {
    expect(resolveModel('meta-llama/Llama-3.1-8B-Instruct').layers).toBe(32);
    expect(resolveModel('llama-3.1-8b-instruct').hiddenSize).toBe(4096);
    expect(resolveModel('Mixtral-8x7B').experts).toBe(8);
    expect(resolveModel('DeepSeek-V3').kvElementsPerTokenPerLayer).toBe(576);
    expect(resolveModel('gpt-oss-120b').defaultPrecision).toBe('mxfp4');
  });
  it('needs no entry when the record carries params_b', () => {
    const m = resolveModel('my-org/my-model', { params_b: 13, active_params_b: 2, architecture: 'moe' });
    expect(m.paramsB).toBe(13);
    expect(m.activeParamsB).toBe(2);
    expect(m.experts).toBeGreaterThan(0);
    expect(m.approximate).toMatch(/estimated/);
  });
  it('names an unknown model and how to add it', () => {
    expect(() => resolveModel('nobody/unknown-7b')).toThrowError(/unknown model "nobody\/unknown-7b".*--catalog.*params_b/);
    try { resolveModel('x'); } catch (e) { expect((e as { code: string }).code).toBe('UNKNOWN_MODEL'); }
  });
  it('has consistent shapes', () => {
    for (const m of MLENERGY_MODELS) {
      expect(m.activeParamsB).toBeLessThanOrEqual(m.paramsB);
      expect(m.attentionLayers).toBeLessThanOrEqual(m.layers);
      if (m.architecture === 'moe') expect(m.activeExperts).toBeGreaterThan(0);
      if (m.architecture === 'hybrid') expect(m.ssmLayers).toBeGreaterThan(0);
    }
  });
  describe.skipIf(!existsSync(TASKS))('covers every ML.ENERGY v3 model' + (existsSync(TASKS) ? '' : ' (skipped: ../shared/data/mlenergy-v3 absent)'), () => {
    it('has an entry with the data\'s parameter counts for all 34 models', () => {
      const models = new Map<string, { t: number; a: number }>();
      for (const f of readdirSync(TASKS)) {
        const d = JSON.parse(readFileSync(join(TASKS, f), 'utf8')) as { configurations: { model_id: string; total_params_billions: number; activated_params_billions: number }[] };
        for (const c of d.configurations) models.set(c.model_id, { t: c.total_params_billions, a: c.activated_params_billions });
      }
      expect(models.size).toBe(34);
      for (const [id, p] of models) {
        const m = resolveModel(id);
        expect(m.name, id).toBe(id);
        expect(m.paramsB, id).toBeCloseTo(p.t, 6);
        expect(m.activeParamsB, id).toBeCloseTo(p.a, 6);
      }
    });
  });
});

describe('user catalog', () => {
  const good = {
    hardware: [{ name: 'X1', memoryGB: 64, hbmBandwidthTBs: 2, denseBf16Tflops: 500, boardPowerW: 500, idlePowerW: 80, interconnectGBs: 400, aliases: ['xone'] }],
    models: [{ name: 'acme/Tiny-1B', architecture: 'dense', paramsB: 1.2, layers: 16, hiddenSize: 2048, attentionHeads: 16, kvHeads: 4, headDim: 128, intermediateSize: 8192 }],
  };
  it('extends the built-in tables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-cat-'));
    const p = join(dir, 'c.json');
    writeFileSync(p, JSON.stringify(good));
    const cat = loadCatalog(p);
    expect(cat.resolveHardware('xone').memoryGB).toBe(64);
    expect(cat.resolveModel('Tiny-1B').kvHeads).toBe(4);
    expect(cat.resolveHardware('H100').name).toBe('H100-SXM5-80GB');
    const check = catalogCheck(cat);
    expect(check({ model: 'Tiny-1B', hardware: 'X1', tp: 1, pp: 1, batch: 1, output_tokens: 1, energy_j: 1 })).toEqual([]);
    expect(check({ model: 'nope', hardware: 'nope', tp: 1, pp: 1, batch: 1, output_tokens: 1, energy_j: 1 }).map((p) => p.column)).toEqual(['hardware', 'model']);
  });
  it('reports every problem with its path', () => {
    const bad = { hardware: [{ name: 'Y', memoryGB: -1, hbmBandwidthTBs: 'fast', denseBf16Tflops: 1, boardPowerW: 100, idlePowerW: 200, interconnectGBs: 1 }], models: [{ name: 'm', architecture: 'transformer', paramsB: 1 }], extra: 1 };
    try {
      parseUserCatalog(bad, 'bad.json');
      expect.unreachable();
    } catch (e) {
      const err = e as { code: string; message: string };
      expect(err.code).toBe('INVALID_CATALOG');
      expect(err.message).toContain('hardware[0].memoryGB: expected a number > 0, got -1');
      expect(err.message).toContain('hardware[0].hbmBandwidthTBs');
      expect(err.message).toContain('hardware[0].idlePowerW: expected less than boardPowerW');
      expect(err.message).toContain('models[0].architecture: expected one of dense');
      expect(err.message).toContain('models[0].layers');
      expect(err.message).toContain('extra: unknown key');
    }
  });
  it('takes an optional GPU power ceiling below the board figure, and refuses one above it', () => {
    const hw = { name: 'Z', memoryGB: 96, hbmBandwidthTBs: 4, denseBf16Tflops: 900, boardPowerW: 1000, idlePowerW: 100, interconnectGBs: 900 };
    expect(parseUserCatalog({ hardware: [{ ...hw, gpuPowerW: 700 }] }, 'ok.json').hardware[0].gpuPowerW).toBe(700);
    expect(() => parseUserCatalog({ hardware: [{ ...hw, gpuPowerW: 1200 }] }, 'bad.json')).toThrowError(/hardware\[0\]\.gpuPowerW: expected at most boardPowerW \(1000\), got 1200/);
    expect(() => parseUserCatalog({ hardware: [{ ...hw, gpuPowerW: 'lots' }] }, 'bad.json')).toThrowError(/hardware\[0\]\.gpuPowerW: expected a number/);
  });
  it('rejects a missing file and bad JSON clearly', () => {
    expect(() => loadCatalog('/nonexistent/c.json')).toThrowError(/no such catalog file/);
    const dir = mkdtempSync(join(tmpdir(), 'el-cat-'));
    writeFileSync(join(dir, 'b.json'), '{ nope');
    try { loadCatalog(join(dir, 'b.json')); expect.unreachable(); } catch (e) { expect((e as { code: string }).code).toBe('INVALID_CATALOG'); }
    expect(new Catalog().models.length).toBeGreaterThanOrEqual(41);
  });
});
