// Starting the built CLI without blocking the test's event loop (a synchronous minute in a test trips vitest's 60 s
// worker RPC timeout), and so that independent runs can go side by side: shared by the CLI tests.
import { spawn } from 'node:child_process';

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
