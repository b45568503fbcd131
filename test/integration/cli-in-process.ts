// The CLI run in this process through main(), with stdout and stderr captured, in a temporary folder: the hooks
// (registered by the test file that calls inProcessCli at its top level) create the folder and its files before the
// tests, reset the exit code after each, and remove the folder and the spies at the end.
import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

export interface CliRun { code: number; stdout: string; stderr: string }

export function inProcessCli(prefix: string, setUp: (at: (f: string) => string) => void): {
  at: (f: string) => string; folder: () => string; cli: (...args: string[]) => Promise<CliRun>;
} {
  let dir = '';
  let stdout = '';
  let stderr = '';
  const at = (f: string): string => join(dir, f);
  const cli = async (...args: string[]): Promise<CliRun> => {
    stdout = '';
    stderr = '';
    process.exitCode = undefined;
    await main(['node', 'energylens', ...args]);
    return { code: process.exitCode ?? 0, stdout, stderr };
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    setUp(at);
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  });
  afterEach(() => { process.exitCode = undefined; });
  afterAll(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });
  return { at, folder: () => dir, cli };
}
