// A structure carrying a discovered correction, made by hand so the tests of the stack rule need no search.
import { PHYSICS_STRUCTURE, type Structure } from '../../../../src/energy/model/index.js';

/** physics x batch^d1: a hand-made "discovered" correction, so the test needs no search */
export const CORRECTED: Structure = {
  ...PHYSICS_STRUCTURE, name: 'physics+discovered', description: 'physics x exp(d1 log batch)',
  expressions: { ...PHYSICS_STRUCTURE.expressions, energy: `(${PHYSICS_STRUCTURE.expressions.energy}) * exp(d1 * log(batch))` },
  // tau_a2a held (no experts here), so at most twelve are free
  parameters: [...PHYSICS_STRUCTURE.parameters.map((p) => (p.name === 'tau_a2a' ? { ...p, held: { value: p.start, reason: 'no expert parallelism' } } : p)), { name: 'd1', meaning: 'power of the batch', unit: '1', start: 0, lower: -2, upper: 2, phase: 'both', origin: 'discovered' }],
};
