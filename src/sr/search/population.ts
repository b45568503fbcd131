/**
 * Population members, their costs, tournament selection and (de)serialisation.
 *
 * A member carries its tree (what mutation and crossover edit) and its program (the tree compiled once, when the
 * member is made): the program is what the kernel scores, what Levenberg-Marquardt fits, what serialisation
 * copies and what the member's key is made of. Programs are never changed in place (new constants make a new
 * program), so members may share them.
 */
import { compile, decompile, type Program, type ProgramArena } from '../expression/compile.js';
import { plainSlice } from '../util/plain-slice.js';
import type { Node } from '../expression/node.js';
import { OP_CONST, OP_FEATURE, operatorByOpcode } from '../expression/operators.js';
import type { Rng } from '../util/rng.js';
import type { SearchOptions } from './options.js';
import type { SerializedMember } from './runner.js';
import { complexity } from './tree-ops.js';

export { selectionCost } from './parsimony.js';

export interface Member {
  tree: Node;
  /** `compile(tree)`, made once */
  program: Program;
  loss: number;
  complexity: number;
  /** generation in which it was born */
  birth: number;
  /**
   * with options.ageLayers: the generation in which its oldest ancestor was drawn at random (its age is the
   * island's generation minus this); absent otherwise
   */
  origin?: number;
}

/** The key of a member's expression (postfix code and constants), as kept in IslandState.optimized. */
export function memberKey(p: Program): string {
  let key = keys.get(p);
  if (key === undefined) {
    key = `${p.code.subarray(0, 2 * p.length).join(',')}|${p.consts.join(',')}`;
    keys.set(p, key);
  }
  return key;
}
/** Keys made, by program (programs are never changed in place, so a program's key never changes). */
const keys = new WeakMap<Program, string>();

export function serializeMember(m: Member): SerializedMember {
  const p = m.program;
  const s: SerializedMember = { code: plainSlice(p.code, 0, 2 * p.length), consts: plainSlice(p.consts, 0, p.consts.length), loss: m.loss, complexity: m.complexity, birth: m.birth };
  if (m.origin !== undefined) s.origin = m.origin;
  return s;
}

/**
 * The program of serialised code whose tree is `tree`: the code itself when it is what `compile(tree)` gives
 * (constants numbered in postfix order, operators with argument 0), else `compile(tree)` (in `arena` when given).
 */
function programOf(code: Int32Array, consts: Float64Array, tree: Node, arena: ProgramArena | null): Program {
  const recompile = (): Program => (arena ? arena.compile(tree) : compile(tree));
  const length = code.length / 2;
  let depth = 0;
  let maxStack = 0;
  let nFeaturesUsed = 0;
  let nextConst = 0;
  for (let i = 0; i < length; i++) {
    const opc = code[2 * i];
    const arg = code[2 * i + 1];
    if (opc === OP_CONST) {
      if (arg !== nextConst++) return recompile();
      depth++;
    } else if (opc === OP_FEATURE) {
      depth++;
      if (arg + 1 > nFeaturesUsed) nFeaturesUsed = arg + 1;
    } else {
      if (arg !== 0) return recompile();
      depth -= (operatorByOpcode(opc)?.arity ?? 1) - 1;
    }
    if (depth > maxStack) maxStack = depth;
  }
  if (nextConst !== consts.length) return recompile();
  return { code, consts, length, maxStack, nFeaturesUsed };
}

export function deserializeMember(s: SerializedMember): Member {
  return readMember(s, null);
}

/**
 * deserializeMember with the program's arrays in `arena` (a search task's members, which never leave it unserialised);
 * null: arrays of their own.
 */
export function readMember(s: SerializedMember, arena: ProgramArena | null): Member {
  const { code, consts } = arena ? arena.copy(s.code, s.consts) : { code: Int32Array.from(s.code), consts: Float64Array.from(s.consts) };
  const tree = decompile({ code, consts, length: code.length / 2, maxStack: 0, nFeaturesUsed: 0 });
  // a loss that went through JSON (checkpoints) comes back as null when it was Infinity
  const loss = typeof s.loss === 'number' && Number.isFinite(s.loss) ? s.loss : Infinity;
  const m: Member = { tree, program: programOf(code, consts, tree, arena), loss, complexity: s.complexity, birth: s.birth };
  if (typeof s.origin === 'number') m.origin = s.origin;
  return m;
}

/**
 * A member of `tree`, whose compiled program is `program` (pass what `compile(tree)` gave; it is not compiled again),
 * with its lineage's origin when ages are kept (options.ageLayers).
 */
export function makeMember(tree: Node, program: Program, loss: number, birth: number, o: SearchOptions, origin?: number): Member {
  const m: Member = { tree, program, loss: Number.isFinite(loss) ? loss : Infinity, complexity: complexity(tree, o), birth };
  if (origin !== undefined) m.origin = origin;
  return m;
}

/** Tournament: `tournamentSize` members at random; the best wins with probability p, the next with p(1-p), ... */
export function tournament(members: readonly Member[], costs: readonly number[], o: SearchOptions, rng: Rng): Member {
  const k = Math.min(o.tournamentSize, members.length);
  const picks: number[] = [];
  for (let i = 0; i < k; i++) picks.push(rng.int(members.length));
  // in order of cost, ties in draw order: a stable insertion sort, which orders as Array.prototype.sort does
  // whenever the costs are ordered (no NaN), without the work array sort allocates on every call
  let ordered = true;
  for (const p of picks) if (Number.isNaN(costs[p])) ordered = false;
  if (!ordered) picks.sort((a, b) => costs[a] - costs[b]);
  else {
    for (let i = 1; i < k; i++) {
      const v = picks[i];
      const cv = costs[v];
      let j = i - 1;
      for (; j >= 0 && costs[picks[j]] > cv; j--) picks[j + 1] = picks[j];
      picks[j + 1] = v;
    }
  }
  for (let i = 0; i < picks.length - 1; i++) if (rng.next() < o.tournamentProbability) return members[picks[i]];
  return members[picks[picks.length - 1]];
}
