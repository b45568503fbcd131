/** A small derivative-free minimiser for the empirical-Bayes spreads (series effects and crossed effects). */

/** Nelder-Mead on a few variables (minimises f); deterministic. */
export function nelderMead(f: (x: number[]) => number, start: number[], step: number, iterations: number): number[] {
  const n = start.length;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))].map((x) => ({ x, f: f(x) }));
  for (let it = 0; it < iterations; it++) {
    simplex.sort((a, b) => a.f - b.f);
    if (Math.abs(simplex[n].f - simplex[0].f) < 1e-10 * (1 + Math.abs(simplex[0].f))) break;
    const centroid = start.map((_, j) => simplex.slice(0, n).reduce((a, p) => a + p.x[j], 0) / n);
    const along = (t: number): number[] => centroid.map((c, j) => c + t * (simplex[n].x[j] - c));
    const reflected = along(-1);
    const fr = f(reflected);
    if (fr < simplex[0].f) {
      const expanded = along(-2);
      const fe = f(expanded);
      simplex[n] = fe < fr ? { x: expanded, f: fe } : { x: reflected, f: fr };
    } else if (fr < simplex[n - 1].f) {
      simplex[n] = { x: reflected, f: fr };
    } else {
      const contracted = fr < simplex[n].f ? along(-0.5) : along(0.5);
      const fc = f(contracted);
      if (fc < Math.min(fr, simplex[n].f)) simplex[n] = { x: contracted, f: fc };
      else simplex = simplex.map((p, i) => (i === 0 ? p : { x: p.x.map((v, j) => simplex[0].x[j] + 0.5 * (v - simplex[0].x[j])), f: Number.NaN }))
        .map((p) => (Number.isNaN(p.f) ? { x: p.x, f: f(p.x) } : p));
    }
  }
  simplex.sort((a, b) => a.f - b.f);
  return simplex[0].x;
}
