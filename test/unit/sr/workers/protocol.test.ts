// Members cross the worker boundary as flat typed arrays: packing and unpacking gives back the same members, tasks
// and results, with a JSON checkpoint's null loss as Infinity and fields the packer does not know kept.
import { describe, expect, it } from 'vitest';
import { packMembers, packResult, packTask, transferables, unpackMembers, unpackResult, unpackTask } from '../../../../src/sr/workers/protocol.js';
import type { IslandTask, IslandTaskResult, SerializedMember } from '../../../../src/sr/search/runner.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { randomTree } from '../../../../src/sr/expression/random.js';
import { OPERATORS } from '../../../../src/sr/expression/operators.js';
import { createRng } from '../../../../src/sr/util/rng.js';

function members(seed: number, n: number): SerializedMember[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const p = compile(randomTree(rng, { size: 1 + rng.int(25), nFeatures: 4, operators: OPERATORS.map((o) => o.name), constProbability: 0.4 }));
    return { code: Array.from(p.code.subarray(0, 2 * p.length)), consts: Array.from(p.consts), loss: i % 7 === 3 ? Infinity : rng.next() * 10, complexity: p.length, birth: rng.int(1000) };
  });
}

describe('worker protocol: members as flat typed arrays', () => {
  it('unpacks to the members it packed, empty lists and constant-free members included', () => {
    for (const n of [0, 1, 2, 50]) {
      const ms = members(n + 1, n);
      const p = packMembers(ms);
      expect(p.code).toBeInstanceOf(Int32Array);
      expect(p.consts).toBeInstanceOf(Float64Array);
      expect(p.code.length).toBe(ms.reduce((s, m) => s + m.code.length, 0));
      expect(p.extra).toBeUndefined();
      expect(unpackMembers(p)).toEqual(ms);
    }
  });

  it('carries a null loss (JSON for Infinity) as Infinity, -0 and NaN constants exactly, and fields it does not know', () => {
    const ms = members(9, 3);
    ms[0] = { ...ms[0], loss: null as unknown as number };
    ms[1] = { ...ms[1], consts: [-0, NaN, 1e308], code: [0, 0, 0, 1, 2, 0, 0, 2, 2, 0] };
    ms[2] = { ...ms[2], scale: [2, -1] } as SerializedMember;
    const back = unpackMembers(packMembers(ms));
    expect(back[0].loss).toBe(Infinity);
    expect(Object.is(back[1].consts[0], -0)).toBe(true);
    expect(back[1].consts[1]).toBeNaN();
    expect(back[1]).toEqual(ms[1]);
    expect(back[2]).toEqual(ms[2]);
  });

  it('round-trips a task and a result; the buffers to transfer are the packed lists\' own', () => {
    const state = { version: 1, islandId: 3, generation: 40, rng: [1, 2, 3, 4], members: members(1, 30), hallOfFame: members(2, 8), frequency: [0.5, 0.5], optimized: ['a|1'], bestLoss: 0.25 };
    const task: IslandTask = { islandId: 3, state, generations: 10, migrants: members(3, 5), options: {} as IslandTask['options'], stopAtEpochMs: 123 };
    const packed = packTask(task);
    expect(packed.state.state.members).toEqual([]);
    expect(unpackTask(structuredClone(packed))).toEqual(task);
    const buffers = transferables(packed.state.members, packed.state.hallOfFame, packed.migrants);
    expect(new Set(buffers).size).toBe(15);
    const result: IslandTaskResult = { islandId: 3, state: { ...state, members: members(4, 30) }, hallOfFame: members(5, 6), evaluations: 999 };
    expect(unpackResult(structuredClone(packResult(result)))).toEqual(result);
  });
});
