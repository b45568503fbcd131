// Starting the built CLI without blocking the test's event loop (a synchronous minute in a test trips vitest's 60 s
// worker RPC timeout), and so that independent runs can go side by side: shared by the CLI tests.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Ran { status: number | null; stdout: string; stderr: string }

/** `node cli ...args` in `cwd`, with `env` (the test's own by default): its exit status and output. */
export function startCli(cli: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: opts.cwd, env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** `node cli ...args` in `cwd()` (read at the call: the tests' folder is made in beforeAll). */
export const cliStarter = (cli: string, cwd: () => string = () => process.cwd()) =>
  (...args: string[]): Promise<Ran> => startCli(cli, args, { cwd: cwd() });

/**
 * The public records and a user's few for the `fit --base` tests, in the run's folder: `train.csv` (two models on H100
 * and B200, simulated), `mine-all.csv` (a third model) and `mine.csv` (three of its H100 records).
 */
export async function simulateBaseAndMine(run: (...args: string[]) => Promise<Ran>, dir: string): Promise<void> {
  for (const [out, models, seed, tp] of [['train.csv', 'Llama-3.1-8B,Qwen3-30B-A3B-Instruct-2507', '5', '1,2'], ['mine-all.csv', 'Llama-3.1-70B', '6', '2,4']]) {
    const r = await run('simulate', '--out', out, '--models', models, '--hardware', 'H100,B200', '--tp', tp, '--pp', '1', '--batch', '4,16,64',
      '--input', '512', '--output', '256', '--noise', '0.02', '--seed', seed);
    if (r.status !== 0) throw new Error(r.stderr);
  }
  const lines = readFileSync(join(dir, 'mine-all.csv'), 'utf8').trim().split('\n');
  writeFileSync(join(dir, 'mine.csv'), [lines[0], ...lines.slice(1).filter((l) => l.includes('H100')).slice(0, 3)].join('\n') + '\n');
}
