// Starting the built CLI without waiting, so that independent runs go side by side (each spends most of its time
// starting Node): shared by the CLI tests.
import { spawn } from 'node:child_process';

export interface Ran { status: number | null; stdout: string; stderr: string }

/**
 * `node cli ...args` in `cwd()` (read at the call: the tests' folder is made in beforeAll), its exit status and output;
 * `env` replaces the environment when given (a fake nvidia-smi on PATH).
 */
export const cliStarter = (cli: string, cwd: () => string, env?: NodeJS.ProcessEnv) => (...args: string[]): Promise<Ran> => new Promise((resolve, reject) => {
  const child = spawn(process.execPath, [cli, ...args], { cwd: cwd(), ...(env ? { env } : {}) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.on('error', reject);
  child.on('close', (status) => resolve({ status, stdout, stderr }));
});
