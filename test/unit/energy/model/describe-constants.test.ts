// The plain words of a discovered correction's constants: a term that is not a single power law is shown with its
// constants as c, whatever number they hold (a multiple of pi included).
import { describe, expect, it } from 'vitest';
import { describeConstants } from '../../../../src/energy/model/discovery/candidates.js';
import { CORRECTION_FEATURES } from '../../../../src/energy/model/discovery/index.js';
import { parseExpression } from '../../../../src/sr/index.js';

describe('describeConstants', () => {
  it('writes every constant of a compound term as c, pi multiples included', () => {
    const names = CORRECTION_FEATURES.map((c) => c.name);
    const columns = names.map((_, j) => j);
    const tree = parseExpression('0.5 * (log_tp + 6.283185307179586 * log_batch)', names);
    const words = describeConstants(tree, columns, 'decode');
    expect(words).toHaveLength(2);
    for (const w of words) expect(w.text).toBe('coefficient in the decode-energy term c * (log(tp) + c * log(batch))');
  });
});
