// Bad inputs a newcomer feeds the commands that read or write files: each fails with ONE line naming the file,
// a stable code, no temporary file left behind, and an existing output file kept as it was.
// In-process through main(): each case fails before (or instead of) any long work.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inProcessCli } from './cli-in-process.js';

const oneLine = (s: string) => s.trimEnd().split('\n');
const RECORDS = 'model,hardware,tp,pp,batch,output_tokens,energy_j\nLlama-3.1-8B,H100,1,1,8,256,100\nLlama-3.1-8B,H100,1,1,16,256,150\n';
const MAP = 'energy_j=energy_j,tp=tp,pp=pp,batch=batch,output_tokens=output_tokens,model=model,hardware=hardware';

const { at, folder, cli } = inProcessCli('energylens-bad-inputs-', (at) => {
  writeFileSync(at('ok.csv'), RECORDS);
  writeFileSync(at('xy.csv'), 'x,y\n1,2\n2,3\n3,5\n4,7\n');
  writeFileSync(at('not-json.json'), 'not json\n');
  mkdirSync(at('a-folder'));
  mkdirSync(join(at('ml'), 'tasks'), { recursive: true });
  writeFileSync(join(at('ml'), 'tasks', 'gpqa.json'), 'not json\n');
});

describe('a file that is not JSON: one line, whatever the parser put in its message', () => {
  it.each([
    [['predict', '--model', '@not-json.json', '--data', '@ok.csv', '--out', '@p.csv'], 'INVALID_MODEL_FILE'],
    [['explain', '--model', '@not-json.json'], 'INVALID_MODEL_FILE'],
    [['fit', '--data', '@ok.csv', '--out', '@m.json', '--structure', '@not-json.json', '--no-progress'], 'INVALID_STRUCTURE'],
    [['sr', '--data', '@xy.csv', '--target', 'y', '--checkpoint', '@not-json.json', '--resume'], 'CHECKPOINT_INVALID'],
    [['import', 'mlenergy', '--dir', '@ml', '--out', '@i.csv'], 'INVALID_DATA'],
  ])('%j -> [%s] on one line', async (args, code) => {
    const r = await cli(...args.map((a) => (a.startsWith('@') ? at(a.slice(1)) : a)));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^energylens: error \\[${code}\\]: .*(not-json|gpqa)\\.json`));
    expect(r.stderr).toMatch(/not (valid|readable) JSON/);
    expect(oneLine(r.stderr)).toHaveLength(1);
  });
});

describe('an output file that is one of the inputs: refused before any work, the input kept', () => {
  it.each([
    [['fit', '--data', '@same.csv', '--out', '@same.csv', '--structure', 'physics', '--no-progress'], '--out', '--data'],
    [['fit', '--base', '@not-json.json', '--data', '@same.csv', '--out', '@same.csv', '--no-progress'], '--out', '--data'],
    [['predict', '--model', '@not-json.json', '--data', '@same.csv', '--out', '@same.csv'], '--out', '--data'],
    [['evaluate', '--data', '@same.csv', '--json', '@same.csv', '--no-progress'], '--json', '--data'],
    [['discover', '--data', '@same.csv', '--out', '@same.csv'], '--out', '--data'],
    [['discover', '--data', '@same.csv', '--json', '@same.csv'], '--json', '--data'],
    [['import', 'csv', '--in', '@same.csv', '--map', MAP, '--out', '@same.csv'], '--out', '--in'],
    [['sr', '--data', '@same.csv', '--target', 'energy_j', '--json', '@same.csv'], '--json', '--data'],
    [['sr', '--data', '@same.csv', '--target', 'energy_j', '--checkpoint', '@same.csv'], '--checkpoint', '--data'],
  ])('%j -> [INVALID_OPTION]: %s is the %s file', async (args, out, input) => {
    writeFileSync(at('same.csv'), RECORDS);
    const r = await cli(...args.map((a) => (a.startsWith('@') ? at(a.slice(1)) : a)));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^energylens: error \\[INVALID_OPTION\\]: ${out} .*same\\.csv is the ${input} file`));
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(readFileSync(at('same.csv'), 'utf8')).toBe(RECORDS);
  });

  it('the same file through another path (a relative one) is still the same file', async () => {
    writeFileSync(at('same.csv'), RECORDS);
    const r = await cli('fit', '--data', at('same.csv'), '--out', join(folder(), 'a-folder', '..', 'same.csv'), '--structure', 'physics', '--no-progress');
    expect(r.code).toBe(2);
    expect(readFileSync(at('same.csv'), 'utf8')).toBe(RECORDS);
  });
});

describe('profile --dry-run checks --base as the campaign would', () => {
  const plan = join(__dirname, '..', '..', 'examples', 'profile-vllm.yaml');
  it('--base without --budget: a usage error, exit 2', async () => {
    const r = await cli('profile', '--plan', plan, '--dry-run', '--base', at('not-json.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^energylens: error \[INVALID_OPTION\]: --base chooses what a --budget measures first/);
    expect(r.stdout).toBe('');
  });
  it('--base that is not a model file: [INVALID_MODEL_FILE] on one line, no configuration printed', async () => {
    const r = await cli('profile', '--plan', plan, '--dry-run', '--budget', '3', '--base', at('not-json.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^energylens: error \[INVALID_MODEL_FILE\]: .*not-json\.json: not valid JSON/);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});

describe('--out into a folder that does not exist, or onto a folder: refused before any work', () => {
  it.each([
    [['import', 'csv', '--in', '@ok.csv', '--map', MAP, '--out', '@missing/i.csv'], '--out'],
    [['import', 'mlenergy', '--dir', '@ml', '--out', '@missing/i.csv'], '--out'],
    [['import', 'llm-inference-bench', '--dir', '@a-folder', '--out', '@missing/i.csv'], '--out'],
    [['simulate', '--out', '@missing/s.csv', '--models', 'meta-llama/Llama-3.1-8B-Instruct', '--hardware', 'H100', '--tp', '1', '--batch', '1'], '--out'],
    [['simulate', '--out', '@s.csv', '--infeasible-out', '@missing/x.csv', '--models', 'meta-llama/Llama-3.1-8B-Instruct', '--hardware', 'H100', '--tp', '1', '--batch', '1'], '--infeasible-out'],
  ])('%j -> [INVALID_OPTION] naming %s and the folder, nothing written', async (args, flag) => {
    const r = await cli(...args.map((a) => (a.startsWith('@') ? at(a.slice(1)) : a)));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^energylens: error \\[INVALID_OPTION\\]: ${flag} .*: the folder .*missing does not exist`));
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(existsSync(at('s.csv'))).toBe(false);
  });

  it.each([['--json'], ['--checkpoint']])('sr %s onto a folder: [INVALID_OPTION] before the search', async (flag) => {
    const r = await cli('sr', '--data', at('xy.csv'), '--target', 'y', flag, at('a-folder'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^energylens: error \\[INVALID_OPTION\\]: ${flag} .*a-folder is a folder`));
    expect(r.stdout).toBe('');
  });

  it('demo --out onto a file: [INVALID_OPTION] before the demo runs, the file kept', async () => {
    writeFileSync(at('a-file.txt'), 'keep');
    const r = await cli('demo', '--out', at('a-file.txt'), '--no-progress');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^energylens: error \[INVALID_OPTION\]: --out .*a-file\.txt is a file, not a folder/);
    expect(r.stdout).toBe('');
    expect(readFileSync(at('a-file.txt'), 'utf8')).toBe('keep');
  });

  it('import csv --out onto a folder: [INVALID_OPTION], the folder untouched, no temporary file', async () => {
    writeFileSync(join(at('a-folder'), 'keep.txt'), 'keep');
    const r = await cli('import', 'csv', '--in', at('ok.csv'), '--map', MAP, '--out', at('a-folder'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^energylens: error \[INVALID_OPTION\]: --out .*a-folder is a folder/);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(readFileSync(join(at('a-folder'), 'keep.txt'), 'utf8')).toBe('keep');
    expect(readdirSync(folder()).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a bad input leaves an existing --out file as it was', async () => {
    writeFileSync(at('existing.csv'), 'KEEP\n');
    writeFileSync(at('bad.csv'), RECORDS.replace('1,1,16,256,150', '1,1,abc,256,150'));
    const r = await cli('import', 'csv', '--in', at('bad.csv'), '--map', MAP, '--out', at('existing.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.csv/);
    expect(readFileSync(at('existing.csv'), 'utf8')).toBe('KEEP\n');
    expect(readdirSync(folder()).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('sr on a CSV a newcomer may hand it: one line naming the file, the line or row, and what is wrong', () => {
  const files: Record<string, string> = {
    'ragged.csv': 'x,y\n1,2\n2,4,5\n3,6\n4,8\n',
    'unclosed.csv': 'x,y\n1,2\n2,"4\n3,6\n',
    'stray-quote.csv': 'x,y\n1,2\n2,4"\n3,6\n',
    'after-quote.csv': 'x,y\n1,2\n"2"x,4\n3,6\n',
    'records.json': '{"x": [1, 2, 3], "y": [2, 4, 6]}\n',
    'semicolons.csv': 'x;y\n1;2\n2;4\n3;6\n',
    'two-rows.csv': 'x,y\n1,2\n2,4\n',
  };
  const write = () => { for (const [name, text] of Object.entries(files)) writeFileSync(at(name), text); };
  it.each([
    ['ragged.csv', [], /^energylens: error \[INVALID_CSV\]: .*ragged\.csv, row 2 \(line 3\): 3 cells where the header has 2 \(x, y\)$/],
    ['ragged.csv', ['--features', 'x'], /^energylens: error \[INVALID_CSV\]: .*ragged\.csv, row 2 \(line 3\): 3 cells where the header has 2 \(x, y\)$/],
    ['unclosed.csv', [], /^energylens: error \[INVALID_CSV\]: .*unclosed\.csv, line 3: a quote opens a cell that never closes \(the file ends inside it, at line 4\)/],
    ['stray-quote.csv', [], /^energylens: error \[INVALID_CSV\]: .*stray-quote\.csv, line 3, cell 2: a quote inside a cell that does not start with one/],
    ['after-quote.csv', [], /^energylens: error \[INVALID_CSV\]: .*after-quote\.csv, line 3, cell 1: text after a closing quote/],
    ['records.json', [], /^energylens: error \[INVALID_CSV\]: .*records\.json looks like JSON; expected a CSV file \(a header row of column names, then one row per data point\)$/],
    ['semicolons.csv', [], /^energylens: error \[INVALID_CSV\]: .*semicolons\.csv: no target column "y" \(columns: x;y\); the header is one column with ";" in it: sr reads comma-separated values$/],
    ['two-rows.csv', [], /^energylens: error \[INVALID_DATA\]: .*two-rows\.csv: 2 data rows; sr needs at least 3 rows$/],
  ])('%s %j', async (name, extra, message) => {
    write();
    const r = await cli('sr', '--data', at(name), '--target', 'y', '--evals', '100', '--workers', '1', '--no-progress', ...extra);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('a folder where a records CSV is expected: one line that says it is a folder', () => {
  it.each([
    [['fit', '--data', '@a-folder', '--out', '@m-folder.json', '--structure', 'physics', '--no-progress']],
    [['validate', '@a-folder']],
    [['discover', '--data', '@a-folder', '--evals', '10']],
  ])('%j', async (args) => {
    const r = await cli(...args.map((a) => (a.startsWith('@') ? at(a.slice(1)) : a)));
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(/^energylens: error \[FILE_NOT_FOUND\]: .*a-folder is a folder; expected a records CSV file$/);
  });
});
