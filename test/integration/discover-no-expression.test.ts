// `energylens discover` (free search, no --out) when a requested target ends with no expression: Ctrl-C during
// the first target's search leaves the later targets unsearched. The command prints and writes what did succeed,
// names each target that produced nothing on its own line, and exits 1 ([NO_EXPRESSION], as `sr` does).
// In-process through main(); the discovery is the real one, its signal aborted once the first target has run a
// cycle (what Ctrl-C does), through a wrapper around discoverEnergyStructure.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { simulate } from '../../src/energy/simulator/index.js';
import { writeRecordsCsv } from '../../src/energy/records/index.js';
import { inProcessCli } from './cli-in-process.js';

/** when Ctrl-C comes: once the first target has run a cycle, or before any search */
const ctrlCAt = vi.hoisted(() => ({ before: false }));

vi.mock('../../src/energy/model/discover.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/energy/model/discover.js')>();
  return {
    ...real,
    discoverEnergyStructure: (records: Parameters<typeof real.discoverEnergyStructure>[0], options: Parameters<typeof real.discoverEnergyStructure>[1] = {}) => {
      const ctrlC = new AbortController();
      if (ctrlCAt.before) ctrlC.abort();
      const signal = options.signal ? AbortSignal.any([options.signal, ctrlC.signal]) : ctrlC.signal;
      return real.discoverEnergyStructure(records, {
        ...options, signal, onProgress: (p) => { options.onProgress?.(p); if (p.index === 0) ctrlC.abort(); },
      });
    },
  };
});

const records = simulate({
  models: ['Llama-3.1-8B-Instruct'], hardware: ['H100', 'B200'], tp: [1, 2], pp: [1, 2], batch: [1, 8, 32], input: [512], output: [128], noise: 0, seed: 1,
}).records;

const { at, cli } = inProcessCli('energylens-discover-none-', () => undefined);

describe('discover: a requested target with no expression', () => {
  beforeAll(async () => { await writeRecordsCsv(at('sim.csv'), records); });

  it('prints and writes the targets that succeeded, names each one that did not on its own line, and exits 1', async () => {
    const r = await cli('discover', '--data', at('sim.csv'), '--targets', 'energy_per_token,tpot,decode_per_token', '--evals', '2000', '--workers', '0', '--seed', '3', '--json', at('out.json'));
    expect(r.code).toBe(1);
    // what succeeded: printed in full
    expect(r.stdout).toMatch(/== energy_per_token \(J\/token, \d+ records\): stopped by the user/);
    expect(r.stdout).toContain('found: ');
    // what did not: one line each on stderr, after the one-line summary
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^energylens: error \[NO_EXPRESSION\]: 2 of the 3 requested targets produced no expression/);
    expect(lines.slice(1)).toEqual([
      '  tpot: not searched: stopped by the user (SIGINT, Ctrl-C) before its search ran a cycle',
      '  decode_per_token: not searched: stopped by the user (SIGINT, Ctrl-C) before its search ran a cycle',
    ]);
    // the JSON holds every target: the one found with its front, the others with an empty front
    const j = JSON.parse(readFileSync(at('out.json'), 'utf8')) as { targets: { target: string; front: unknown[]; selected: unknown }[] };
    expect(j.targets.map((t) => [t.target, t.front.length > 0, t.selected !== null])).toEqual([
      ['energy_per_token', true, true], ['tpot', false, false], ['decode_per_token', false, false],
    ]);
  });

  it('a requested target the records cannot give is named too', async () => {
    const bare = records.map(({ tpot_s, ...rest }) => { void tpot_s; return rest; });
    await writeRecordsCsv(at('bare.csv'), bare);
    const r = await cli('discover', '--data', at('bare.csv'), '--targets', 'energy_per_token,tpot', '--evals', '500', '--workers', '0');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/== energy_per_token/);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^energylens: error \[NO_EXPRESSION\]: 1 of the 2 requested targets produced no expression/);
    expect(lines.slice(1)).toEqual(['  tpot: skipped (no record carries tpot_s)']);
  });

  it('when no target produced anything: no report, no --json, one line per target', async () => {
    ctrlCAt.before = true;
    try {
      const r = await cli('discover', '--data', at('sim.csv'), '--targets', 'decode_per_token,tpot', '--evals', '2000', '--workers', '0', '--json', at('none.json'));
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(existsSync(at('none.json'))).toBe(false);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^energylens: error \[NO_EXPRESSION\]: none of the 2 requested targets produced an expression/);
      expect(lines.slice(1)).toEqual([expect.stringMatching(/^ {2}decode_per_token: not searched/), expect.stringMatching(/^ {2}tpot: not searched/)]);
    } finally {
      ctrlCAt.before = false;
    }
  });
});
