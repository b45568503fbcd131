/**
 * The kriging series model in a model file (the series section's `kriging`): the kernel and every series' points and
 * log residuals under the shared structure (with its residual trees, if any), so `predict` forms a series' posterior
 * and `fit --base` grows a series by adding the user's records as points. Optional: a file without it (or a reader
 * that ignores it) gets the series effects, as before.
 */
import { layoutKeyOf, type RecordLike, type SeriesBy } from './series-effects.js';
import type { AppliedSeriesEffect } from './series-posteriors.js';
import { KRIGING_FEATURES, krigingAt, krigingPoint, krigingPosterior, type KrigingFeature, type KrigingKernel, type KrigingPoint, type KrigingPosterior, type KrigingSeries } from './series-kriging.js';

/** One series' points, column by column. */
export interface KrigingSeriesSection {
  key: string;
  /** centred log batch of each point */
  c: number[];
  /** each point's setting key */
  setting: string[];
  /** each point's log features, in the kernel's order */
  z: number[][];
  /** each point's log residual under the shared structure */
  r: number[];
}

export interface KrigingSection {
  kernel: KrigingKernel;
  series: KrigingSeriesSection[];
}

export function packKriging(kernel: KrigingKernel, series: Iterable<KrigingSeries>): KrigingSection {
  return {
    kernel: { ...kernel, features: [...kernel.features], lengths: [...kernel.lengths] },
    series: [...series].map((s) => ({ key: s.key, c: s.points.map((p) => p.c), setting: s.points.map((p) => p.setting), z: s.points.map((p) => [...p.z]), r: [...s.residuals] })),
  };
}

/** A stored series' points (`by`: the model's grouping, whose setting columns name each point's layout). */
export function unpackKrigingSeries(s: KrigingSeriesSection, by: SeriesBy): KrigingSeries {
  return { key: s.key, points: s.c.map((c, i): KrigingPoint => ({ c, setting: s.setting[i], layout: layoutKeyOf(s.setting[i], by), z: s.z[i] })), residuals: s.r };
}

/** Checks the section's shape (a hand-edited or truncated file gets a message naming the field). */
export function validateKriging(x: unknown, bad: (what: string) => never): void {
  const k = x as Partial<KrigingSection> | null;
  if (typeof k !== 'object' || k === null) bad('series.kriging is not an object');
  const kern = k.kernel as Partial<KrigingKernel> | undefined;
  if (typeof kern !== 'object' || kern === null) bad('series.kriging.kernel is missing');
  for (const f of ['level', 'slope', 'setting', 'spread', 'sigma'] as const) {
    if (typeof kern[f] !== 'number' || !(kern[f] > 0) || !Number.isFinite(kern[f])) bad(`series.kriging.kernel.${f} must be a positive number`);
  }
  if (kern.residualDof !== undefined && !(typeof kern.residualDof === 'number' && kern.residualDof > 0 && Number.isFinite(kern.residualDof))) bad('series.kriging.kernel.residualDof, when present, must be a positive number');
  if (kern.layout !== undefined && !(typeof kern.layout === 'number' && kern.layout > 0 && Number.isFinite(kern.layout))) bad('series.kriging.kernel.layout, when present, must be a positive number');
  if (typeof kern.center !== 'number' || !Number.isFinite(kern.center)) bad('series.kriging.kernel.center must be a finite number');
  if (!Array.isArray(kern.features) || !kern.features.every((f) => (KRIGING_FEATURES as readonly string[]).includes(f))) bad(`series.kriging.kernel.features must list features among ${KRIGING_FEATURES.join(', ')}`);
  const d = kern.features.length;
  if (!Array.isArray(kern.lengths) || kern.lengths.length !== d || !kern.lengths.every((v) => typeof v === 'number' && v > 0 && Number.isFinite(v))) bad(`series.kriging.kernel.lengths must hold one positive length per feature (${d})`);
  if (!Array.isArray(k.series)) bad('series.kriging.series must be a list');
  const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  k.series.forEach((s, i) => {
    const n = Array.isArray(s?.r) ? s.r.length : -1;
    if (typeof s?.key !== 'string') bad(`series.kriging.series[${i}].key must be the series' key`);
    if (n < 0 || !s.r.every(finite)) bad(`series.kriging.series[${i}].r must list finite log residuals`);
    if (!Array.isArray(s.c) || s.c.length !== n || !s.c.every(finite)) bad(`series.kriging.series[${i}].c must hold one finite centred log batch per residual (${n})`);
    if (!Array.isArray(s.setting) || s.setting.length !== n || !s.setting.every((v) => typeof v === 'string')) bad(`series.kriging.series[${i}].setting must hold one setting key per residual (${n})`);
    if (!Array.isArray(s.z) || s.z.length !== n || !s.z.every((z) => Array.isArray(z) && z.length === d && z.every(finite))) bad(`series.kriging.series[${i}].z must hold ${d} finite log features per residual (${n})`);
  });
}

const posteriors = new WeakMap<KrigingSection, Map<string, KrigingPosterior | undefined>>();

/** A series' posterior under the section (computed once per section and series; undefined: no point of it). */
export function krigingPosteriorOf(section: KrigingSection, key: string, by: SeriesBy): KrigingPosterior | undefined {
  let m = posteriors.get(section);
  if (!m) { m = new Map(); posteriors.set(section, m); }
  if (!m.has(key)) {
    const s = section.series.find((x) => x.key === key);
    m.set(key, s && s.r.length > 0 ? krigingPosterior(section.kernel, unpackKrigingSeries(s, by)) : undefined);
  }
  return m.get(key);
}

/** h's shift and predictive sd at a point of series `key` (undefined: the section has no point of that series). */
export function krigingShift(section: KrigingSection, key: string, point: KrigingPoint, by: SeriesBy): { shift: number; sd: number; effectSd: number } | undefined {
  const post = krigingPosteriorOf(section, key, by);
  return post ? krigingAt(section.kernel, post, point) : undefined;
}

const Z95 = 1.959963984540054;

/**
 * A record's series effect (series-posteriors.ts applySeriesEffect) with the kriging posterior in its place when the
 * model's series section has points of the record's series: the shift, its predictive sd and the applied factor.
 */
export function withKrigingEffect<E extends { applied: AppliedSeriesEffect; shift: number; sd: number; uninformed: boolean }>(record: RecordLike, series: { kriging?: KrigingSection; by: SeriesBy }, effect: E): E {
  const section = series.kriging;
  if (!section || !effect.applied.seen) return effect;
  const g = krigingShift(section, effect.applied.series, krigingPoint(record, section.kernel.features, section.kernel.center, series.by), series.by);
  if (!g) return effect;
  return {
    ...effect, shift: g.shift, sd: g.sd,
    applied: { ...effect.applied, factor: Math.exp(g.shift), factorLow: Math.exp(g.shift - Z95 * g.effectSd), factorHigh: Math.exp(g.shift + Z95 * g.effectSd) },
  };
}

export type { KrigingFeature };
