// Mutated records CSVs (stray and unclosed quotes, cut lines, swapped delimiters, junk bytes, lost headers) go
// through validate and fit in process: the outcome is a report whose problems name file and line, a typed
// error (a code from the project's one error class), or success; never an untyped error or a crash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogCheck, loadCatalog } from '../../src/energy/catalog/index.js';
import { fitEnergyModel } from '../../src/energy/model/fit.js';
import { formatProblem, readRecords, validateRecordsFile, writeRecordsCsv } from '../../src/energy/records/index.js';
import { simulate } from '../../src/energy/simulator/simulate.js';
import { isEnergyLensError } from '../../src/errors.js';
import { kernelPath } from '../../src/sr/eval/wasm-kernel.js';

let dir: string;
let base: string;
let n = 0;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'el-csv-fuzz-'));
  const { records } = simulate({
    models: ['Llama-3.1-8B-Instruct'], hardware: ['H100', 'B200'], tp: [1, 2], pp: [1], batch: [4, 16, 64], input: [512], output: [256], noise: 0.02, seed: 5,
  });
  const p = join(dir, 'base.csv');
  await writeRecordsCsv(p, records);
  base = readFileSync(p, 'utf8');
});
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

/** One edit of the text at a relative position. */
const edit = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  kind: fc.constantFrom('insert', 'delete', 'replace', 'cut', 'duplicateLine', 'dropLine'),
  text: fc.oneof(
    fc.constantFrom('"', '""', '",', ',"', '\n', '\r\n', ',', ';', '\uFEFF', '\u0000', '"x"y', 'NaN', '-1', '1e999', '', ' '),
    fc.string({ maxLength: 6 }),
  ),
});

function mutate(text: string, edits: { at: number; kind: string; text: string }[]): string {
  let s = text;
  for (const e of edits) {
    const i = Math.floor(e.at * s.length);
    const lines = s.split('\n');
    const li = Math.min(lines.length - 1, Math.floor(e.at * lines.length));
    switch (e.kind) {
      case 'insert': s = s.slice(0, i) + e.text + s.slice(i); break;
      case 'delete': s = s.slice(0, i) + s.slice(i + 1 + e.text.length); break;
      case 'replace': s = s.slice(0, i) + e.text + s.slice(i + Math.max(1, e.text.length)); break;
      case 'cut': s = s.slice(0, i); break;
      case 'duplicateLine': lines.splice(li, 0, lines[li]); s = lines.join('\n'); break;
      default: lines.splice(li, 1); s = lines.join('\n'); break;
    }
  }
  return s;
}

function writeCase(text: string): string {
  const p = join(dir, `case-${n++}.csv`);
  writeFileSync(p, text);
  return p;
}

const typedOrSuccess = async (run: () => Promise<unknown>): Promise<string> => {
  try {
    await run();
    return 'ok';
  } catch (err) {
    expect(isEnergyLensError(err), `untyped error: ${(err as Error)?.stack ?? String(err)}`).toBe(true);
    const msg = (err as Error).message;
    expect(msg.length).toBeGreaterThan(0);
    return (err as { code: string }).code;
  }
};

/** FUZZ_RUNS=1000 for the 1,000 files (the default keeps CI quick) */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

describe('mutated records CSVs', () => {
  it('validate returns a report whose every problem names the file (never throws for bad data)', async () => {
    const catalog = loadCatalog();
    await fc.assert(fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
      const p = writeCase(mutate(base, edits));
      const rep = await validateRecordsFile(p, { check: catalogCheck(catalog) });
      expect(rep.ok).toBe(rep.problemCount === 0);
      expect(rep.validRows).toBeLessThanOrEqual(rep.rows);
      for (const q of rep.problems) {
        expect(formatProblem(q).includes(p)).toBe(true);
        expect(q.line).toBeGreaterThanOrEqual(0);
      }
      if (!rep.ok) await expect(readRecords(p)).rejects.toSatisfy((e: unknown) => isEnergyLensError(e, 'INVALID_CSV') || isEnergyLensError(e, 'INVALID_RECORD'));
    }), { numRuns: RUNS, seed: 21 });
  });

  it.skipIf(!existsSync(kernelPath()))('fit ends with a typed error or a model', async () => {
    const catalog = loadCatalog();
    const outcomes = new Map<string, number>();
    await fc.assert(fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
      const p = writeCase(mutate(base, edits));
      const outcome = await typedOrSuccess(async () => {
        const records = await readRecords(p, { check: catalogCheck(catalog) });
        const model = fitEnergyModel(records, { catalog, restarts: 0, maxIterations: 5, robustRounds: 1, file: p });
        expect(model.parameters).toHaveLength(12);
      });
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }), { numRuns: 60, seed: 21 });
    // the mutations reach both ends: malformed CSV, bad records, and files that still fit
    expect([...outcomes.keys()]).toEqual(expect.arrayContaining(['ok', 'INVALID_CSV', 'INVALID_RECORD']));
  });
});
