/** Linear scaling's closed form, shared by the reference evaluator's 'mse-scaled' loss and the search. */
import type { Dataset } from './types.js';

/** The a and b of the weighted least-squares line y ~ a * p + b; a = 0 when p has no spread. */
export function scalingCoefficients(p: Float64Array, data: Pick<Dataset, 'y' | 'weights'>): { a: number; b: number } {
  const w = (r: number): number => (data.weights ? data.weights[r] : 1);
  let sw = 0;
  let mp = 0;
  let my = 0;
  for (let r = 0; r < p.length; r++) {
    sw += w(r);
    mp += w(r) * p[r];
    my += w(r) * data.y[r];
  }
  mp /= sw;
  my /= sw;
  let cpp = 0;
  let cpy = 0;
  for (let r = 0; r < p.length; r++) {
    cpp += w(r) * (p[r] - mp) ** 2;
    cpy += w(r) * (p[r] - mp) * (data.y[r] - my);
  }
  const a = cpp > 1e-24 * mp * mp * sw && cpp > 1e-300 ? cpy / cpp : 0;
  return { a, b: my - a * mp };
}
