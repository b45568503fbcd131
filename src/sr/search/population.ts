/** Population members, their costs, tournament selection and (de)serialisation. */
import { compile, decompile } from '../expression/compile.js';
import type { Node } from '../expression/node.js';
import type { Rng } from '../util/rng.js';
import type { SearchOptions } from './options.js';
import type { SerializedMember } from './runner.js';
import { complexity } from './tree-ops.js';

export { selectionCost } from './parsimony.js';

export interface Member {
  tree: Node;
  loss: number;
  complexity: number;
  /** generation in which it was born */
  birth: number;
}

export function serializeMember(m: Member): SerializedMember {
  const p = compile(m.tree);
  return { code: Array.from(p.code), consts: Array.from(p.consts), loss: m.loss, complexity: m.complexity, birth: m.birth };
}

export function deserializeMember(s: SerializedMember): Member {
  const code = Int32Array.from(s.code);
  const tree = decompile({ code, consts: Float64Array.from(s.consts), length: code.length / 2, maxStack: 0, nFeaturesUsed: 0 });
  // a loss that went through JSON (checkpoints) comes back as null when it was Infinity
  const loss = typeof s.loss === 'number' && Number.isFinite(s.loss) ? s.loss : Infinity;
  return { tree, loss, complexity: s.complexity, birth: s.birth };
}

export function makeMember(tree: Node, loss: number, birth: number, o: SearchOptions): Member {
  return { tree, loss: Number.isFinite(loss) ? loss : Infinity, complexity: complexity(tree, o), birth };
}

/** Tournament: `tournamentSize` members at random; the best wins with probability p, the next with p(1-p), ... */
export function tournament(members: readonly Member[], costs: readonly number[], o: SearchOptions, rng: Rng): Member {
  const k = Math.min(o.tournamentSize, members.length);
  const picks: number[] = [];
  for (let i = 0; i < k; i++) picks.push(rng.int(members.length));
  picks.sort((a, b) => costs[a] - costs[b]);
  for (let i = 0; i < picks.length - 1; i++) if (rng.next() < o.tournamentProbability) return members[picks[i]];
  return members[picks[picks.length - 1]];
}
