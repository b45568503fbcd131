import { describe, expect, it } from 'vitest';
import { compile } from '../../../../src/sr/expression/compile.js';
import { constant, feature, op } from '../../../../src/sr/expression/node.js';
import { OP_CONST } from '../../../../src/sr/expression/operators.js';
import { resolveOptions } from '../../../../src/sr/search/options.js';
import { deserializeMember, makeMember, memberKey, serializeMember } from '../../../../src/sr/search/population.js';

const o = resolveOptions({});
const tree = op('+', op('*', constant(1.5), feature(1)), op('sin', op('-', feature(0), constant(-2))));

describe('members carry their program, compiled once', () => {
  it('serialise from the program and come back with the same program, key and tree', () => {
    const p = compile(tree);
    const m = makeMember(tree, p, 0.25, 3, o);
    const s = serializeMember(m);
    expect(s.code).toEqual(Array.from(p.code));
    expect(s.consts).toEqual([1.5, -2]);
    const back = deserializeMember(JSON.parse(JSON.stringify(s)));
    expect(back.program).toEqual(p);
    expect(memberKey(back.program)).toBe(memberKey(p));
    expect(memberKey(p)).toBe(`${Array.from(p.code).join(',')}|1.5,-2`);
    expect(compile(back.tree)).toEqual(p);
    expect([back.loss, back.complexity, back.birth]).toEqual([0.25, m.complexity, 3]);
  });

  it('recompile serialised code whose constants are not numbered in postfix order, so the program matches the tree', () => {
    const p = compile(tree);
    const code = Array.from(p.code);
    // swap the two constant indices and their values: the same expression, numbered the other way round
    const at = code.flatMap((v, i) => (i % 2 === 0 && v === OP_CONST ? [i + 1] : []));
    [code[at[0]], code[at[1]]] = [1, 0];
    const back = deserializeMember({ code, consts: [-2, 1.5], loss: 1, complexity: 7, birth: 0 });
    expect(back.program).toEqual(p);
    expect(compile(back.tree)).toEqual(p);
  });
});
