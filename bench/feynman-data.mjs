// The Feynman problems of ../shared/data/sr-benchmarks/feynman-public.csv for bench:feynman: reading the file,
// sampling rows uniformly in each variable's range (seeded), evaluating the true formula, and choosing which
// problems a run measures (a development half and a held-out half, by file order).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'csv-parse/sync';
import { checkFeatureNames, createRng } from '../dist/index.js';

const { create, all } = createRequire(import.meta.url)('mathjs');
const math = create(all, { number: 'number' });

/** A variable name the engine accepts as a feature name: the same name, or the name with `_v` appended. */
export function engineName(name) {
  try {
    checkFeatureNames([name]);
    return name;
  } catch {
    return `${name}_v`;
  }
}

/**
 * The problems in file order: { name, index, formula, variables: [{ name, feature, low, high }], truth(row) }.
 * `truth` evaluates the formula (SymPy syntax) with mathjs, the variables renamed v0, v1, ... first so that no
 * variable name (gamma, E, ...) is read as a mathjs function or constant.
 */
export function readFeynman(file) {
  const rows = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true });
  return rows.map((r, index) => {
    const n = Number(r['# variables']);
    const variables = Array.from({ length: n }, (_, i) => ({
      name: r[`v${i + 1}_name`], low: Number(r[`v${i + 1}_low`]), high: Number(r[`v${i + 1}_high`]),
    })).map((v) => ({ ...v, feature: engineName(v.name) }));
    for (const [i, v] of variables.entries()) {
      if (!v.name || !Number.isFinite(v.low) || !Number.isFinite(v.high) || !(v.low < v.high)) {
        throw new Error(`${file}, row ${index + 2}, column v${i + 1}: expected a name and a range low < high, got ${JSON.stringify(v)}`);
      }
    }
    const position = new Map(variables.map((v, i) => [v.name, i]));
    const text = r.Formula.replace(/\*\*/g, '^').replace(/[A-Za-z_][A-Za-z0-9_]*/g, (id, at, whole) => {
      if (whole[at + id.length] === '(') return { ln: 'log', arcsin: 'asin', arccos: 'acos', arctan: 'atan' }[id] ?? id;
      if (position.has(id)) return `v${position.get(id)}`;
      if (id === 'pi') return 'pi';
      throw new Error(`${file}, row ${index + 2}, column Formula: unknown name "${id}" in ${r.Formula}`);
    });
    const compiled = math.compile(text);
    const truth = (row) => compiled.evaluate(Object.fromEntries(row.map((v, i) => [`v${i}`, v])));
    return { name: r.Filename, index, output: r.Output, formula: r.Formula, variables, truth };
  });
}

/** `nRows` rows uniform in each variable's range, and the formula's value on each; rows where it is not finite are drawn again. */
export function sampleProblem(problem, nRows, seed) {
  const rng = createRng(seed);
  const X = [];
  const y = [];
  for (let tries = 0; X.length < nRows; tries++) {
    if (tries > 100 * nRows) throw new Error(`${problem.name}: the formula is not finite on the sampled ranges`);
    const row = problem.variables.map((v) => v.low + (v.high - v.low) * rng.next());
    const value = problem.truth(row);
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    X.push(row);
    y.push(value);
  }
  return { X, y };
}

/**
 * Which problems to run. `half`: 'dev' (file positions 0, 2, 4, ...: tune on these), 'heldout' (1, 3, 5, ...)
 * or 'all'. `problems`: a comma-separated list of names, or a count N (N problems of the half drawn with `seed`,
 * kept in file order), or undefined for every problem of the half.
 */
export function chooseProblems(all, { half = 'all', problems, seed = 1 }) {
  if (!['dev', 'heldout', 'all'].includes(half)) throw new Error(`--half must be dev, heldout or all, got ${half}`);
  let pool = all.filter((p) => half === 'all' || (half === 'dev') === (p.index % 2 === 0));
  if (problems === undefined) return pool;
  if (/^\d+$/.test(problems)) {
    const count = Number(problems);
    const rng = createRng(seed ^ 0x5f3759df);
    const order = pool.map((p) => [rng.next(), p]).sort((a, b) => a[0] - b[0]).slice(0, count).map(([, p]) => p);
    return order.sort((a, b) => a.index - b.index);
  }
  const names = problems.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !all.some((p) => p.name === n));
  if (unknown.length) throw new Error(`--problems: unknown problem(s) ${unknown.join(', ')}`);
  pool = all.filter((p) => names.includes(p.name));
  return pool;
}
