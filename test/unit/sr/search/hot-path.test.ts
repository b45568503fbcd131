// The search's hot-path plumbing at small row counts gives exactly what the plain paths give: programs compiled into
// an arena's slabs, members read into it, the one-pass constraint check, the mutation draw read once per context,
// and the packed members' plain arrays.
import { describe, expect, it } from 'vitest';
import { compile, ProgramArena, type Program } from '../../../../src/sr/expression/compile.js';
import { depth, type Node } from '../../../../src/sr/expression/node.js';
import { operatorByName } from '../../../../src/sr/expression/operators.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { randomTree } from '../../../../src/sr/expression/random.js';
import { createRng } from '../../../../src/sr/util/rng.js';
import { mutate, mutationContext, mutationDraw } from '../../../../src/sr/search/mutate.js';
import { resolveOptions, type SearchOptions } from '../../../../src/sr/search/options.js';
import { deserializeMember, readMember, serializeMember, makeMember } from '../../../../src/sr/search/population.js';
import { complexity, satisfiesConstraints } from '../../../../src/sr/search/tree-ops.js';
import { packMembers, unpackMembers } from '../../../../src/sr/workers/protocol.js';

const OPS = ['+', '-', '*', '/', 'sin', 'cos', 'exp', 'log', 'sqrt', 'square'];
const trees = (seed: number, n: number, constProbability = 0.3): Node[] => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => randomTree(rng, { size: 1 + rng.int(40), nFeatures: 3, operators: OPS, constProbability }));
};
const plain = (p: Program) => ({ code: Array.from(p.code), consts: Array.from(p.consts), length: p.length, maxStack: p.maxStack, nFeaturesUsed: p.nFeaturesUsed });

describe('ProgramArena', () => {
  it('compiles every tree to what compile gives, constants bit for bit, across slabs', () => {
    const arena = new ProgramArena();
    const all = trees(1, 3000); // more than one slab's worth
    const programs = all.map((t) => arena.compile(t));
    all.forEach((t, i) => {
      expect(plain(programs[i])).toEqual(plain(compile(t)));
      expect(programs[i].consts.every((v, k) => Object.is(v, compile(t).consts[k]))).toBe(true);
    });
    // earlier programs are not overwritten by later ones
    expect(plain(programs[0])).toEqual(plain(compile(all[0])));
  });
  it('copies code and constants as Int32Array.from and Float64Array.from would', () => {
    const arena = new ProgramArena();
    const out = arena.copy([1, 0, 0, 0, 2, 0], [0.1, Number.NaN, -0]);
    expect(Array.from(out.code)).toEqual([1, 0, 0, 0, 2, 0]);
    expect(Array.from(out.consts)).toEqual([0.1, Number.NaN, -0]);
    expect(Array.from(arena.copy([1, 0, 2], []).code)).toEqual([1, 0, 2]); // not pairs: copied all the same
  });
  it('throws what compile throws', () => {
    const arena = new ProgramArena();
    expect(() => arena.compile({ kind: 'feature', index: -1 })).toThrow(/not a non-negative integer/);
    expect(() => arena.compile({ kind: 'op', op: 'nope' as never, children: [] })).toThrow(/unknown operator/);
    // operands nested on the right: postfix keeps every left operand on the stack (71 > 64)
    let stacky: Node = { kind: 'feature', index: 0 };
    for (let i = 0; i < 70; i++) stacky = { kind: 'op', op: '+', children: [{ kind: 'feature', index: 0 }, stacky] };
    expect(() => compile(stacky)).toThrow(/stack of 71/);
    expect(() => arena.compile(stacky)).toThrow(/stack of 71/);
    // nested on the left: a stack of 2, compiled alike
    let flat: Node = { kind: 'feature', index: 0 };
    for (let i = 0; i < 70; i++) flat = { kind: 'op', op: '+', children: [flat, { kind: 'feature', index: 1 }] };
    expect(plain(arena.compile(flat))).toEqual(plain(compile(flat)));
    expect(arena.compile(flat).maxStack).toBe(2);
  });
});

describe('readMember', () => {
  it('reads into an arena what deserializeMember reads', () => {
    const o = resolveOptions({ maxGenerations: 1 });
    const arena = new ProgramArena();
    for (const t of trees(2, 300)) {
      const s = serializeMember(makeMember(t, compile(t), 0.5, 3, o));
      const a = readMember(s, arena);
      const b = deserializeMember(s);
      expect(a.tree).toEqual(b.tree);
      expect(plain(a.program)).toEqual(plain(b.program));
      expect([a.loss, a.complexity, a.birth]).toEqual([b.loss, b.complexity, b.birth]);
    }
    // code that is not compile's own numbering is compiled again, in the arena too
    const odd = { code: [1, 0, 0, 1, 2, 0], consts: [7, 5], loss: 1, complexity: 3, birth: 0 };
    expect(plain(readMember(odd, arena).program)).toEqual(plain(deserializeMember(odd).program));
  });
});

/** The three checks satisfiesConstraints made before it became one pass. */
function reference(tree: Node, o: SearchOptions): boolean {
  const masks = new Map<number, number>();
  for (const [outer, inner] of o.forbiddenNestings) {
    const a = operatorByName(outer);
    const b = operatorByName(inner);
    if (a && b) masks.set(a.opcode, (masks.get(a.opcode) ?? 0) | (1 << b.opcode));
  }
  const nesting = (t: Node): number => {
    if (t.kind !== 'op') return 0;
    let below = 0;
    for (const c of t.children) {
      const m = nesting(c);
      if (m === -1) return -1;
      below |= m;
    }
    const opcode = operatorByName(t.op)!.opcode;
    if ((below & (masks.get(opcode) ?? 0)) !== 0) return -1;
    return below | (1 << opcode);
  };
  return complexity(tree, o) <= o.maxSize && depth(tree) <= o.maxDepth && !(o.forbiddenNestings.length > 0 && nesting(tree) === -1);
}

describe('satisfiesConstraints', () => {
  it('agrees with complexity, depth and nesting checked one by one', () => {
    const settings: Partial<SearchOptions>[] = [
      {},
      { maxSize: 12, maxDepth: 5 },
      { forbiddenNestings: [], maxSize: 25 },
      { operatorComplexity: { sin: 3, '/': 2.5 }, featureComplexity: [1, 2, 0.5], maxSize: 20, forbiddenNestings: [['exp', 'log'], ['sin', '*'], ['sqrt', 'sqrt']] },
    ];
    let kept = 0;
    let refused = 0;
    for (const [k, partial] of settings.entries()) {
      const o = resolveOptions({ maxGenerations: 1, operators: OPS, ...partial });
      for (const t of trees(10 + k, 800)) {
        const want = reference(t, o);
        expect(satisfiesConstraints(t, o)).toBe(want);
        if (want) kept++; else refused++;
      }
    }
    expect(kept).toBeGreaterThan(500); // both answers were tested
    expect(refused).toBeGreaterThan(500);
  });
  it('refuses a forbidden nesting deep below, and allows it elsewhere', () => {
    const o = resolveOptions({ maxGenerations: 1, forbiddenNestings: [['exp', 'log']] });
    expect(satisfiesConstraints(parseExpression('exp(x0 + 2 * log(x1))'), o)).toBe(false);
    expect(satisfiesConstraints(parseExpression('log(x0 + 2 * exp(x1))'), o)).toBe(true);
  });
});

describe('the mutation draw', () => {
  it('is what the options give, and a context made by hand draws the same mutations', () => {
    const o = resolveOptions({ maxGenerations: 1, operators: OPS });
    const draw = mutationDraw(o.mutationWeights, false)!;
    expect(draw.names).not.toContain('simplify');
    expect(draw.names.every((n) => o.mutationWeights[n] > 0)).toBe(true);
    expect(mutationDraw({ ...o.mutationWeights, ...Object.fromEntries(draw.names.map((n) => [n, 0])) }, false)).toBeNull();
    for (const t of trees(4, 200)) {
      const a = mutationContext(o, 3, createRng(complexity(t, o)));
      const b = { ...mutationContext(o, 3, createRng(complexity(t, o))), draw: undefined };
      expect(mutate(t, a)).toEqual(mutate(t, b));
      expect(a.rng.getState()).toEqual(b.rng.getState());
    }
  });
});

describe('packed members', () => {
  it('unpack to the members packed, extra fields included', () => {
    const members = [
      { code: [1, 0, 1, 1, 2, 0], consts: [], loss: 0.25, complexity: 3, birth: 2 },
      { code: [0, 0], consts: [1.5], loss: Infinity, complexity: 1, birth: 0, note: 'kept' },
    ];
    const back = unpackMembers(packMembers(members));
    expect(back).toEqual(members);
    expect(packMembers(members.slice(0, 1)).extra).toBeUndefined();
  });
});
