/**
 * Functional series effects with a learnt covariance: each series' log residuals under the shared structure are a
 * regression on a small basis of record features whose coefficients are drawn from one unstructured Gaussian,
 *
 *   r_j = x_j' b_g + w_{g,l} + e_j,   b_g ~ N(0, Sigma),   w_{g,l} ~ N(0, tauSetting^2),   e_j ~ N(0, sigma^2)
 *
 * with x_j = (1, log batch - centre, its square, an indicator per workload, log GPUs, log TP, log lengths ...), the
 * features that vary in the training records. Sigma, tauSetting and sigma are estimated from the training series by
 * EM (maximum marginal likelihood, the coefficients integrated out), optionally with Sigma's correlations shrunk
 * towards zero. Where the independent effects (series-effects.ts) give each part of a series its own spread, Sigma
 * also learns how they move together (a series high on one workload is high on another; its slope goes with its
 * level), so a new series' few records inform the settings they do not cover.
 *
 * Everything runs on per-series sufficient statistics of the design A = [X | Z] (Z: the series' setting indicators).
 */
import { groupKey, type RecordLike, type SeriesBy } from './series-effects.js';

/** A basis feature: the log batch (centred), its square, workload indicators, log GPUs, log TP, log lengths. */
export type CovFeature = 'batch' | 'batch2' | 'workload' | 'gpus' | 'tp' | 'input' | 'output';

export const DEFAULT_COV_FEATURES: readonly CovFeature[] = ['batch', 'batch2', 'workload', 'gpus', 'tp'];

export interface CovBasis {
  /** the features kept (those that vary in the training records), in order */
  features: CovFeature[];
  /** the centre of log batch (the series effects' centre) */
  center: number;
  /** workloads with an indicator each, in order (empty without `workload`) */
  workloads: string[];
  /** centres of log GPUs, TP, input and output lengths (training means) */
  centers: { gpus: number; tp: number; input: number; output: number };
  /** the name of each coefficient: `level`, then per feature */
  names: string[];
}

export interface CovEffects {
  basis: CovBasis;
  /** the coefficients' covariance, row-major d x d (d = basis.names.length) */
  cov: number[];
  tauSetting: number;
  sigma: number;
}

/** A series' sufficient statistics under the design A = [X | Z]. */
export interface CovSeries {
  key: string;
  settings: string[];
  n: number;
  rr: number;
  /** A'r (length d + settings) */
  ar: number[];
  /** A'A, row-major */
  aa: number[];
}

export interface CovPosterior {
  settings: string[];
  mean: number[];
  /** row-major (d + settings)^2 */
  cov: number[];
}

function num(r: RecordLike, c: string): number {
  const v = (r as unknown as Record<string, unknown>)[c];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 1;
}

function str(r: RecordLike, c: string): string {
  const v = (r as unknown as Record<string, unknown> & { extra?: Record<string, string> });
  const x = v[c] ?? v.extra?.[c];
  return x === undefined || x === null ? '' : String(x);
}

const LOG_COLUMN: Record<'gpus' | 'tp' | 'input' | 'output', string> = { gpus: 'num_gpus', tp: 'tp', input: 'input_tokens', output: 'output_tokens' };

/** The basis of `features` that vary within some series of `records` (a feature constant in every series is the level). */
export function covBasisOf(records: readonly RecordLike[], center: number, features: readonly CovFeature[], keyOf: (r: RecordLike) => string): CovBasis {
  const groups = new Map<string, RecordLike[]>();
  for (const r of records) (groups.get(keyOf(r)) ?? groups.set(keyOf(r), []).get(keyOf(r))!).push(r);
  const varies = (f: (r: RecordLike) => string | number): boolean => [...groups.values()].some((g) => new Set(g.map(f)).size > 1);
  const mean = (f: (r: RecordLike) => number): number => (records.length ? records.reduce((a, r) => a + f(r), 0) / records.length : 0);
  const centers = { gpus: 0, tp: 0, input: 0, output: 0 };
  for (const k of ['gpus', 'tp', 'input', 'output'] as const) centers[k] = mean((r) => Math.log(num(r, LOG_COLUMN[k])));
  const kept: CovFeature[] = [];
  let workloads: string[] = [];
  for (const f of features) {
    if (f === 'batch' || f === 'batch2') { if (varies((r) => r.batch)) kept.push(f); continue; }
    if (f === 'workload') {
      const all = [...new Set(records.map((r) => str(r, 'workload')))].sort();
      if (all.length > 1 && varies((r) => str(r, 'workload'))) { kept.push(f); workloads = all; }
      continue;
    }
    if (varies((r) => num(r, LOG_COLUMN[f]))) kept.push(f);
  }
  const names = ['level', ...kept.flatMap((f) => (f === 'workload' ? workloads.map((w) => `workload=${w}`) : [f]))];
  return { features: kept, center, workloads, centers, names };
}

/** A record's basis row (the level's 1 first). A workload the basis lacks gets no indicator. */
export function covRow(basis: CovBasis, r: RecordLike): number[] {
  const out = [1];
  const c = Math.log(r.batch) - basis.center;
  for (const f of basis.features) {
    if (f === 'batch') out.push(c);
    else if (f === 'batch2') out.push(c * c);
    else if (f === 'workload') { const w = str(r, 'workload'); for (const x of basis.workloads) out.push(x === w ? 1 : 0); }
    else out.push(Math.log(num(r, LOG_COLUMN[f])) - basis.centers[f]);
  }
  return out;
}

/** Sufficient statistics per series of records' log residuals; `into` (optional) is extended, not changed. */
export function covSeriesStats(basis: CovBasis, by: SeriesBy, records: readonly RecordLike[], residuals: ArrayLike<number>, keyOf: (r: RecordLike, i: number) => string, into: readonly CovSeries[] = []): CovSeries[] {
  const rows = new Map<string, { settings: string[]; x: number[][]; s: number[]; r: number[] }>();
  records.forEach((rec, i) => {
    const key = keyOf(rec, i);
    const g = rows.get(key) ?? rows.set(key, { settings: [], x: [], s: [], r: [] }).get(key)!;
    const sk = groupKey(rec, by.setting);
    let s = g.settings.indexOf(sk);
    if (s < 0) { g.settings.push(sk); s = g.settings.length - 1; }
    g.x.push(covRow(basis, rec)); g.s.push(s); g.r.push(residuals[i]);
  });
  const d = basis.names.length;
  const out = into.map((s) => ({ ...s, settings: [...s.settings], ar: [...s.ar], aa: [...s.aa] }));
  for (const [key, g] of rows) {
    const old = out.find((s) => s.key === key);
    const settings = old ? [...old.settings] : [];
    for (const sk of g.settings) if (!settings.includes(sk)) settings.push(sk);
    const m = d + settings.length;
    const ar = new Array<number>(m).fill(0);
    const aa = new Array<number>(m * m).fill(0);
    let rr = 0;
    let n = 0;
    if (old) {
      const mo = d + old.settings.length;
      for (let a = 0; a < mo; a++) { ar[a] = old.ar[a]; for (let b = 0; b < mo; b++) aa[a * m + b] = old.aa[a * mo + b]; }
      rr = old.rr; n = old.n;
    }
    g.x.forEach((x, j) => {
      const a = [...x, ...settings.map((sk) => (sk === g.settings[g.s[j]] ? 1 : 0))];
      const r = g.r[j];
      rr += r * r; n += 1;
      for (let p = 0; p < m; p++) {
        if (a[p] === 0) continue;
        ar[p] += a[p] * r;
        for (let q = 0; q < m; q++) aa[p * m + q] += a[p] * a[q];
      }
    });
    const next = { key, settings, n, rr, ar, aa };
    if (old) out[out.indexOf(old)] = next; else out.push(next);
  }
  return out;
}

/** Cholesky factor (lower, row-major) of a symmetric positive definite m x m matrix, with a jitter when needed. */
function cholesky(a: readonly number[], m: number): number[] {
  for (let jitter = 0; ; jitter = jitter ? jitter * 10 : 1e-10) {
    const l = new Array<number>(m * m).fill(0);
    let ok = true;
    for (let i = 0; i < m && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let s = a[i * m + j] + (i === j ? jitter : 0);
        for (let k = 0; k < j; k++) s -= l[i * m + k] * l[j * m + k];
        if (i === j) { if (!(s > 0)) { ok = false; break; } l[i * m + i] = Math.sqrt(s); } else l[i * m + j] = s / l[j * m + j];
      }
    }
    if (ok) return l;
    if (jitter > 1) throw new Error('covariance: matrix not positive definite');
  }
}

/** The inverse of a symmetric positive definite matrix. */
function inverse(a: readonly number[], m: number): number[] {
  const l = cholesky(a, m);
  const inv = new Array<number>(m * m).fill(0);
  for (let col = 0; col < m; col++) {
    const y = new Array<number>(m).fill(0);
    for (let i = 0; i < m; i++) { let s = i === col ? 1 : 0; for (let k = 0; k < i; k++) s -= l[i * m + k] * y[k]; y[i] = s / l[i * m + i]; }
    for (let i = m - 1; i >= 0; i--) { let s = y[i]; for (let k = i + 1; k < m; k++) s -= l[k * m + i] * inv[k * m + col]; inv[i * m + col] = s / l[i * m + i]; }
  }
  return inv;
}

/** A series' posterior of (b, w) given its statistics, under the model's Sigma, tauSetting and sigma. */
export function covPosterior(model: Pick<CovEffects, 'cov' | 'tauSetting' | 'sigma'>, s: CovSeries, sigmaInverse?: number[]): CovPosterior {
  const d = Math.round(Math.sqrt(model.cov.length));
  const m = d + s.settings.length;
  const si = sigmaInverse ?? inverse(model.cov, d);
  const s2 = model.sigma ** 2;
  const prec = new Array<number>(m * m).fill(0);
  for (let p = 0; p < m; p++) for (let q = 0; q < m; q++) prec[p * m + q] = s.aa[p * m + q] / s2 + (p < d && q < d ? si[p * d + q] : 0) + (p === q && p >= d ? 1 / model.tauSetting ** 2 : 0);
  const cov = inverse(prec, m);
  const mean = new Array<number>(m).fill(0);
  for (let p = 0; p < m; p++) for (let q = 0; q < m; q++) mean[p] += cov[p * m + q] * s.ar[q] / s2;
  return { settings: s.settings, mean, cov };
}

export interface CovEstimateOptions {
  /** EM iterations at most (default 500) */
  iterations?: number;
  /** prior weight (in series) pulling Sigma's correlations towards zero: off-diagonals scaled by S / (S + shrink); default 0 */
  shrink?: number;
}

const MIN_VAR = 1e-6;

/**
 * Sigma, tauSetting and sigma by EM from the training series' statistics, starting from a diagonal Sigma of
 * `start.variances` (per coefficient) and the given tauSetting and sigma.
 */
export function estimateCovEffects(stats: readonly CovSeries[], basis: CovBasis, start: { variances: readonly number[]; tauSetting: number; sigma: number }, options: CovEstimateOptions = {}): CovEffects {
  const d = basis.names.length;
  let cov = new Array<number>(d * d).fill(0);
  start.variances.forEach((v, i) => { cov[i * d + i] = Math.max(v, MIN_VAR); });
  let tauSetting = Math.max(start.tauSetting, 1e-3);
  let sigma = Math.max(start.sigma, 1e-3);
  const S = stats.length;
  const shrink = options.shrink ?? 0;
  const totalN = stats.reduce((a, s) => a + s.n, 0);
  const totalL = stats.reduce((a, s) => a + s.settings.length, 0);
  for (let it = 0; it < (options.iterations ?? 500) && S > 0; it++) {
    const si = inverse(cov, d);
    const bb = new Array<number>(d * d).fill(0);
    let ww = 0;
    let ssr = 0;
    for (const s of stats) {
      const post = covPosterior({ cov, tauSetting, sigma }, s, si);
      const m = d + s.settings.length;
      for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) bb[p * d + q] += post.mean[p] * post.mean[q] + post.cov[p * m + q];
      for (let p = d; p < m; p++) ww += post.mean[p] ** 2 + post.cov[p * m + p];
      // E|r - A g|^2 = r'r - 2 g'A'r + tr(A'A (g g' + P))
      let e = s.rr;
      for (let p = 0; p < m; p++) {
        e -= 2 * post.mean[p] * s.ar[p];
        for (let q = 0; q < m; q++) e += s.aa[p * m + q] * (post.mean[p] * post.mean[q] + post.cov[q * m + p]);
      }
      ssr += e;
    }
    const next = bb.map((v) => v / S);
    for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) if (p !== q) next[p * d + q] *= S / (S + shrink);
    for (let p = 0; p < d; p++) next[p * d + p] = Math.max(next[p * d + p], MIN_VAR);
    const nextTau = totalL > 0 ? Math.max(Math.sqrt(ww / totalL), 1e-3) : tauSetting;
    const nextSigma = Math.max(Math.sqrt(Math.max(ssr, 0) / totalN), 1e-3);
    const change = Math.max(...next.map((v, i) => Math.abs(v - cov[i])), Math.abs(nextTau - tauSetting), Math.abs(nextSigma - sigma));
    cov = next; tauSetting = nextTau; sigma = nextSigma;
    if (change < 1e-7) break;
  }
  return { basis, cov, tauSetting, sigma };
}

/** The effect at a record: its mean shift in log energy and predictive sd (no posterior: the prior, a new series). */
export function covEffectAt(model: CovEffects, post: CovPosterior | undefined, record: RecordLike, by: SeriesBy): { shift: number; sd: number } {
  const x = covRow(model.basis, record);
  const d = x.length;
  if (!post) {
    let v = model.tauSetting ** 2 + model.sigma ** 2;
    for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) v += x[p] * model.cov[p * d + q] * x[q];
    return { shift: 0, sd: Math.sqrt(v) };
  }
  const s = post.settings.indexOf(groupKey(record, by.setting));
  const a = [...x, ...post.settings.map((_, i) => (i === s ? 1 : 0))];
  const m = a.length;
  let shift = 0;
  let v = model.sigma ** 2 + (s < 0 ? model.tauSetting ** 2 : 0);
  for (let p = 0; p < m; p++) { shift += a[p] * post.mean[p]; for (let q = 0; q < m; q++) v += a[p] * post.cov[p * m + q] * a[q]; }
  return { shift, sd: Math.sqrt(Math.max(v, 0)) };
}
