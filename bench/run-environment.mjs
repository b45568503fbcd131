// Where a benchmark ran, for its JSON output: the commit, Node's version, the CPU and its core count.
import { execSync } from 'node:child_process';
import os from 'node:os';

/** The short commit of the checkout, or 'unknown' outside one. */
export function gitCommit() {
  try {
    return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

// read when the benchmark starts (this module is imported then): a checkout that moves during a long run must not
// stamp the results with a commit that did not run
const atStart = { commit: gitCommit(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length };

/** { commit, node, cpu, cores } of this run, the commit as it was when the benchmark started. */
export function runEnvironment() {
  return { ...atStart };
}
