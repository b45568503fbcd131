// What a new user meets first: every command-line error as one line with a code (usage errors exit 2),
// --version, required options and list defaults in --help, and the messages of a few common mistakes.
// In-process through main(): each case fails before any work starts.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inProcessCli } from './cli-in-process.js';
import { frontTable } from '../../src/cli/sr-output.js';
import { groupReasons } from '../../src/cli/commands/simulate.js';

const version = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

const { at, folder, cli } = inProcessCli('energylens-usage-', (at) => {
  writeFileSync(at('data.csv'), 'a,y\n1,2\n2,3\n3,5\n');
  writeFileSync(at('no-energy.csv'), 'model,hardware,tp,pp,batch,output_tokens\nLlama-3.1-8B,H100,1,1,8,256\nLlama-3.1-8B,H100,1,1,16,256\n');
  writeFileSync(at('ok.csv'), 'model,hardware,tp,pp,batch,output_tokens,energy_j\nLlama-3.1-8B,H100,1,1,8,256,100\nLlama-3.1-8B,H100,1,1,16,256,150\n');
  writeFileSync(at('tpu.csv'), 'model,hardware,tp,pp,batch,output_tokens,energy_j\nLlama-3.1-8B,TPU9,1,1,8,256,100\n');
});

describe('command-line errors: one line with a code', () => {
  it.each([
    [['sr', '--data', 'data.csv', '--target', 'y', '--frob'], 'UNKNOWN_OPTION', /unknown option '--frob' \(see energylens sr --help\)/],
    [['sr', '--data', 'data.csv', '--target', 'y', '--loss', 'huber'], 'INVALID_OPTION', /'--loss <name>' argument 'huber' is invalid\. Allowed choices are mse, mae, mape, msle/],
    [['sr', '--target', 'y'], 'MISSING_OPTION', /required option '--data <file\.csv>' not specified/],
    [['sr', '--data'], 'INVALID_OPTION', /option '--data <file\.csv>' argument missing/],
    [['validate'], 'MISSING_ARGUMENT', /missing required argument 'file\.csv' \(see energylens validate --help\)/],
    [['validate', 'a.csv', 'b.csv'], 'EXCESS_ARGUMENTS', /too many arguments for 'validate'/],
    [['frobnicate'], 'UNKNOWN_COMMAND', /unknown command 'frobnicate' \(see energylens --help\)/],
    [['import', 'mlenergy', '--dir', 'x'], 'MISSING_OPTION', /required option '--out <file\.csv>' not specified \(see energylens import mlenergy --help\)/],
    // no default folder that exists only in this repository's setting
    [['import', 'mlenergy', '--out', 'x.csv'], 'MISSING_OPTION', /required option '--dir <folder>' not specified \(see energylens import mlenergy --help\)/],
    [['sr', '--data', 'data.csv', '--target', 'y', '--islands', '0'], 'INVALID_OPTION', /--islands must be an integer >= 1/],
  ])('%j -> [%s], exit 2, no help dump', async (args, code, message) => {
    const r = await cli(...args.map((a) => (a.endsWith('.csv') && a !== 'a.csv' && a !== 'b.csv' ? at(a) : a)));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^energylens: error \\[${code}\\]: `));
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });

  it('a data error is not a usage error: exit 1', async () => {
    const r = await cli('sr', '--data', at('missing.csv'), '--target', 'y');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^energylens: error \[FILE_NOT_FOUND\]: .*missing\.csv: no such CSV file\n$/);
  });

  it.each([
    ['select --model', ['select', '--model', '<dir>', '--llm', 'Llama-3.1-8B', '--hardware', 'H100', '--input', '512', '--output', '256'], 'INVALID_MODEL_FILE', 'model file'],
    ['predict --model', ['predict', '--model', '<dir>', '--data', '<data>', '--out', '<out>'], 'INVALID_MODEL_FILE', 'model file'],
    ['fit --structure', ['fit', '--data', '<data>', '--out', '<out>', '--structure', '<dir>'], 'INVALID_STRUCTURE', 'structure file'],
    ['fit --catalog', ['fit', '--data', '<data>', '--out', '<out>', '--catalog', '<dir>'], 'INVALID_CATALOG', 'catalog file'],
  ])('%s on a folder: one line naming it, no raw EISDIR', async (_, args, code, what) => {
    const r = await cli(...args.map((a) => a.replace('<dir>', folder()).replace('<data>', at('ok.csv')).replace('<out>', at('never.json'))));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`energylens: error [${code}]: ${folder()} is a folder; expected a ${what}\n`);
  });

  it('sr on a folder says so instead of a raw EISDIR', async () => {
    const r = await cli('sr', '--data', folder(), '--target', 'y');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\[INVALID_CSV\]: .* is a folder; expected a CSV file/);
    expect(r.stderr).not.toMatch(/EISDIR/);
  });

  it('`energylens` alone prints the help and exits 2', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage: energylens/);
  });
});

describe('--version and --help', () => {
  it('--version and -V print the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await cli(flag);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  });

  it('marks required options and prints list defaults as they are typed', async () => {
    const sim = (await cli('simulate', '--help')).stdout.replace(/\s+/g, ' ');
    expect(sim).toMatch(/--out <file\.csv> records CSV to write \(atomically\) \(required\)/);
    expect(sim).toMatch(/--tp <list> tensor-parallel degrees \(default: 1,2,4,8\)/);
    expect(sim).toMatch(/--hardware <list> accelerators, comma-separated \(default: H100,B200\)/);
    expect(sim).not.toMatch(/default: \[/);
    const sr = (await cli('sr', '--help')).stdout.replace(/\s+/g, ' ');
    expect(sr).toMatch(/--data <file\.csv> CSV file with a header row \(required\)/);
    expect(sr).toMatch(/--target <column> the column to explain \(required\)/);
    expect(sr).not.toMatch(/--features <a,b,\.\.\.>[^-]*\(required\)/);
  });
});

describe('profile --dry-run runs nothing, so it needs no nvidia-smi', () => {
  it('assumes as many GPUs as the largest configuration needs, and says so', async () => {
    const plan = join(__dirname, '..', '..', 'examples', 'profile-vllm.yaml');
    const r = await cli('profile', '--plan', plan, '--dry-run', '--nvidia-smi', join(folder(), 'no-such-nvidia-smi'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: .*not found.*the dry run assumes GPUs 0,1,2,3,4,5,6,7 \(list them in the plan with gpus:/);
    expect(r.stdout).toMatch(/^48 configurations/m);
    expect(r.stdout).toMatch(/CUDA_VISIBLE_DEVICES=0,1,2,3,4,5,6,7 vllm serve/);
  });
});

describe('messages of common mistakes', () => {
  it('validate without an energy_j column says the header lacks it and no row is valid', async () => {
    const r = await cli('validate', at('no-energy.csv'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/no-energy\.csv:1 \(header\): column "energy_j": expected required column "energy_j" in the header/);
    expect(r.stderr).toMatch(/1 problem in 2 data rows \(0 rows valid; the header lacks energy_j\)/);
  });

  it('an unknown hardware name lists the known ones', async () => {
    const r = await cli('validate', at('tpu.csv'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/column "hardware": expected a known accelerator or alias \(known: [^)]*H100-SXM5-80GB[^)]*B200[^)]*; .*got "TPU9"/);
  });

  it('simulate groups reasons that differ only in their numbers and prints the numbers', () => {
    const groups = groupReasons([
      { subject: 'Llama-3.1-70B on H100', reason: 'weights need 140 GB per GPU; the budget is 75.3 GB' },
      { subject: 'Llama-3.1-70B on H100', reason: 'weights need 70 GB per GPU; the budget is 75.3 GB' },
      { subject: 'Llama-3.1-8B on H100', reason: 'weights need 16 GB per GPU; the budget is 10 GB' },
    ]);
    expect(groups).toEqual([
      { text: 'Llama-3.1-70B on H100: weights need 70-140 GB per GPU; the budget is 75.3 GB', count: 2 },
      { text: 'Llama-3.1-8B on H100: weights need 16 GB per GPU; the budget is 10 GB', count: 1 },
    ]);
  });

  it('sr tells an empty front after evaluations (nothing finite) from one before any evaluation', () => {
    expect(frontTable([], undefined, 'mse', 126144)).toMatch(/no expression with a finite mse was found in 126144 evaluations/);
    expect(frontTable([], undefined, 'mse', 0)).toMatch(/no expression was evaluated/);
  });
});

describe('--help fits an 80-column terminal', () => {
  // an option whose flags are long (fit's --fallback-columns <hardware,model|none>) left its description unwrapped
  // (lines of 490 characters that the terminal broke mid-word), and the text after the options was never wrapped
  it.each([['sr'], ['fit'], ['predict'], ['select'], ['discover'], ['evaluate'], ['simulate'], ['profile'], ['worker'], ['demo'], ['serve'], ['validate'], ['explain'], ['import', 'csv']])('%s', async (...command) => {
    const r = await cli(...command, '--help');
    expect(r.code).toBe(0);
    // the options and the text after them (predict's list of added columns was one line of 372); a line may pass
    // 80 only when it is one word too long to break (a default list such as simulate's --models)
    const long = r.stdout.split('\n').filter((l) => l.length > 80 && /\s\S+\s/.test(l.trim()));
    expect(long).toEqual([]);
  });
});
