import { describe, expect, it } from 'vitest';
import { HallOfFame, paretoFront, selectModel } from '../../../../src/sr/search/hall-of-fame.js';
import { deserializeMember } from '../../../../src/sr/search/population.js';
import type { SerializedMember } from '../../../../src/sr/search/runner.js';

const m = (complexity: number, loss: number, tag = 0): SerializedMember => ({ code: [1, tag], consts: [], loss, complexity, birth: 0 });

describe('HallOfFame', () => {
  it('keeps one member per complexity, the lowest loss, and copies what it keeps', () => {
    const h = new HallOfFame();
    const first = m(3, 2, 0);
    h.offer(first);
    first.code[1] = 9;
    expect(h.offer(m(3, 2, 1))).toBe(false); // ties keep the first
    expect(h.offer(m(3, 1, 2))).toBe(true);
    expect(h.members()).toEqual([m(3, 1, 2)]);
    expect(h.wouldKeep(3, 1)).toBe(false);
    expect(h.wouldKeep(3, 0.5)).toBe(true);
    expect(h.wouldKeep(4, Infinity)).toBe(false);
  });

  it('merging is order-independent', () => {
    const items = [m(1, 5, 1), m(2, 4, 2), m(2, 3, 3), m(5, 1, 4), m(5, 1, 5), m(7, 2, 6)];
    const a = new HallOfFame();
    a.merge(items);
    const b = new HallOfFame();
    b.merge([...items].reverse());
    expect(a.paretoFront().map((x) => [x.complexity, x.loss])).toEqual(b.paretoFront().map((x) => [x.complexity, x.loss]));
  });
});

describe('paretoFront', () => {
  it('keeps members that no simpler member beats, in order of complexity', () => {
    const front = paretoFront([m(9, 0.5), m(1, 10), m(3, 10), m(5, 1), m(7, 1.5), m(4, Infinity)]);
    expect(front.map((x) => x.complexity)).toEqual([1, 5, 9]);
    expect(front.every((x, i) => i === 0 || x.loss < front[i - 1].loss)).toBe(true);
  });
});

describe('selectModel ("best": steepest log-loss drop per unit complexity within 1.5x of the lowest loss)', () => {
  it('picks the knee of the front', () => {
    const front = paretoFront([m(1, 1), m(3, 0.5), m(5, 1e-6), m(7, 0.9e-6), m(11, 0.8e-6)]);
    expect(selectModel(front)?.complexity).toBe(5);
  });
  it('prefers an exact member over any noise-level improvement after it', () => {
    const front = paretoFront([m(1, 1), m(5, 0), m(9, 0)]);
    expect(selectModel(front)?.complexity).toBe(5);
  });
  it('only considers members within the loss factor of the lowest loss', () => {
    // the drop from 1 to 0.01 at complexity 3 is the steepest, but 0.01 is far above the lowest loss
    const front = paretoFront([m(1, 1), m(3, 0.01), m(20, 0.001)]);
    expect(selectModel(front)?.complexity).toBe(20);
    expect(selectModel(front, 20)?.complexity).toBe(3);
    expect(selectModel([])).toBeUndefined();
  });
});

describe('members through JSON', () => {
  it('an Infinity loss that became null comes back as Infinity', () => {
    const back = deserializeMember(JSON.parse(JSON.stringify({ ...m(1, Infinity), code: [1, 0] })));
    expect(back.loss).toBe(Infinity);
  });
});
