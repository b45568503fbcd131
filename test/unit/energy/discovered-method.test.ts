// The evaluation's `discovered` method (fit's default path) on a tiny data set with a tiny discovery budget.
import { describe, expect, it } from 'vitest';
import { createDiscoveredMethod, createMethods, KNOWN_METHOD_NAMES, METHOD_NAMES } from '../../../src/energy/baselines/index.js';
import { runProtocol } from '../../../src/energy/evaluation/run-splits.js';
import { evaluateMethods } from '../../../src/energy/evaluation/evaluate.js';

import { sweep, testRecords, trainRecords } from './sweep-fixture.js';

describe('the discovered method', () => {
  it('is opt-in: known by name, not among the default methods', async () => {
    expect(METHOD_NAMES as readonly string[]).not.toContain('discovered');
    expect(KNOWN_METHOD_NAMES as readonly string[]).toContain('discovered');
    expect((await createMethods(['closed-form', 'discovered'])).map((m) => m.name)).toEqual(['closed-form', 'discovered']);
  });

  it('fits after prepare and predicts positive energies, the same for the same seed; refuses a fit without prepare', async () => {
    const m = createDiscoveredMethod({ evals: 300, workers: 1 });
    expect(() => m.fit(trainRecords, { seed: 1 })).toThrow(/no discovery was prepared/);
    await m.prepare!(trainRecords, { seed: 1 });
    const f = m.fit(trainRecords, { seed: 1 });
    expect(f.method).toBe('discovered');
    expect(f.notes[0]).toMatch(/^structure: physics/);
    const p = f.predict(testRecords);
    expect(p).toHaveLength(testRecords.length);
    for (const x of p) expect(x > 0 && Number.isFinite(x)).toBe(true);
    const again = createDiscoveredMethod({ evals: 300, workers: 1 });
    await again.prepare!(trainRecords, { seed: 1 });
    expect(again.fit(trainRecords, { seed: 1 }).predict(testRecords)).toEqual(p);
    // calibration refits the hardware parameters on the chosen structure
    const c = f.calibrate!(testRecords.slice(0, 5), { seed: 1 });
    for (const x of c.predict(testRecords)) expect(x > 0 && Number.isFinite(x)).toBe(true);
  }, 180_000);

  it('runs under a protocol: evaluateMethods prepares every split; a synchronous runProtocol without it fails the runs with the reason', async () => {
    const m = createDiscoveredMethod({ evals: 300, workers: 1 });
    const e = await evaluateMethods(sweep, { methods: [m], protocols: ['sample-efficiency'], sizes: [20], seeds: 1, scenarioKeys: ['model', 'hardware', 'batch'] });
    const r = e.protocols[0].results[0];
    expect(r.method).toBe('discovered');
    expect(r.failed, r.errors.join('; ')).toBe(0);
    expect(r.median.mape).toBeGreaterThan(0);
    const fresh = createDiscoveredMethod({ evals: 300, workers: 1 });
    const bare = runProtocol('sample-efficiency', sweep, [fresh], { sizes: [20], seeds: 1 }, { scenarioKeys: ['model', 'hardware', 'batch'] });
    expect(bare.results[0].failed).toBe(1);
    expect(bare.results[0].errors[0]).toMatch(/no discovery was prepared/);
  }, 180_000);
});
