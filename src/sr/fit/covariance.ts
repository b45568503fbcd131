/**
 * The covariance of fitted parameters from the Gauss-Newton normal matrix A = J^T W J, honest when A is singular.
 *
 * A plain inverse of a (numerically) singular A is noise: variances come out negative or tiny, and a parameter the
 * data cannot separate from another (two constant factors on the same term, say) would be reported as known to the
 * last digit. Here A is first scaled to unit diagonal (B = S A S, S = diag(A)^-1/2), so the test does not depend on
 * the parameters' magnitudes. When a Cholesky factorisation of B has every pivot above a relative tolerance, the
 * covariance is the inverse as before. Otherwise the covariance is the pseudo-inverse over the directions the data
 * determine (eigenvalues of B below the tolerance dropped): predictions' intervals stay right, since
 * a prediction's gradient lies in the same span; and each dropped direction names a group of parameters that are
 * confounded: only a combination of them is determined, and none of them has a standard error on its own.
 *
 * The eigenvectors come from a cyclic Jacobi method (below) rather than mathjs's `eigs`: the matrices are small (one
 * row per free parameter), and loading mathjs takes 0.5-2 s, more than a whole fit of the physics structure.
 */
import { invertMatrix } from '../search/constants.js';

/** eigenvalues (of the unit-diagonal matrix) below this fraction of the largest are treated as zero */
export const RANK_TOLERANCE = 1e-9;
/** a parameter belongs to a confounded group when its share of a dropped direction exceeds this */
const LOADING = 0.05;

export interface ParameterCovariance {
  /** F x F, row-major, already multiplied by the residual variance */
  covariance: Float64Array;
  /** per free parameter: null when the data do not determine it on its own */
  standardErrors: (number | null)[];
  /** groups of free-parameter positions (0..F-1) of which only a combination is determined; empty when A has full rank */
  confounded: number[][];
}

/**
 * In-place Cholesky factor of a symmetric n x n matrix (row-major; the lower triangle is overwritten with L, the
 * upper is left as it was): false when a pivot is not above `minPivot` (not positive definite, or, with a positive
 * `minPivot`, numerically rank-deficient).
 */
export function choleskyInPlace(a: Float64Array, n: number, minPivot = 0): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > minPivot)) return false;
    const root = Math.sqrt(d);
    a[j * n + j] = root;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / root;
    }
  }
  return true;
}

const fullRank = (B: Float64Array, F: number): boolean => choleskyInPlace(B.slice(), F, RANK_TOLERANCE);

/**
 * Covariance s2 * A^+ of the F free parameters. Returns null only when A has no information at all (every diagonal
 * entry zero or not finite).
 */
export function parameterCovariance(A: Float64Array, F: number, s2: number): ParameterCovariance | null {
  const scale = new Float64Array(F);
  for (let k = 0; k < F; k++) {
    const d = A[k * F + k];
    scale[k] = d > 0 && Number.isFinite(d) ? 1 / Math.sqrt(d) : 0;
  }
  if (scale.every((s) => s === 0)) return null;
  const B = new Float64Array(F * F);
  for (let a = 0; a < F; a++) for (let b = 0; b < F; b++) B[a * F + b] = A[a * F + b] * scale[a] * scale[b];
  const moving = Array.from(scale, (s) => s > 0);
  if (moving.every(Boolean) && fullRank(B, F)) {
    const inv = invertMatrix(A, F);
    if (inv && inv.every(Number.isFinite)) {
      const covariance = inv.map((x) => x * s2);
      const standardErrors = Array.from({ length: F }, (_, k) => (covariance[k * F + k] > 0 ? Math.sqrt(covariance[k * F + k]) : null));
      return { covariance, standardErrors, confounded: [] };
    }
  }
  const eigenvectors = symmetricEigen(B, F);
  const largest = Math.max(...eigenvectors.map((e) => e.value));
  const pinv = new Float64Array(F * F);
  const confounded: number[][] = [];
  const undetermined = moving.map((m) => !m);
  for (const { value, vector } of eigenvectors) {
    if (value > RANK_TOLERANCE * largest) {
      for (let a = 0; a < F; a++) for (let b = 0; b < F; b++) pinv[a * F + b] += (vector[a] * vector[b]) / value;
      continue;
    }
    const group = vector.map((v, k) => (moving[k] && Math.abs(v) > LOADING ? k : -1)).filter((k) => k >= 0);
    for (const k of group) undetermined[k] = true;
    if (group.length > 0) confounded.push(group);
  }
  const covariance = new Float64Array(F * F);
  for (let a = 0; a < F; a++) for (let b = 0; b < F; b++) covariance[a * F + b] = s2 * pinv[a * F + b] * scale[a] * scale[b];
  const standardErrors = Array.from({ length: F }, (_, k) => (undetermined[k] || !(covariance[k * F + k] > 0) ? null : Math.sqrt(covariance[k * F + k])));
  return { covariance, standardErrors, confounded: mergeGroups(confounded) };
}

/** Overlapping groups joined (two null directions sharing a parameter are one confounded set). */
function mergeGroups(groups: number[][]): number[][] {
  const out: Set<number>[] = [];
  for (const g of groups) {
    const hits = out.filter((s) => g.some((k) => s.has(k)));
    const merged = new Set<number>(g);
    for (const s of hits) { for (const k of s) merged.add(k); out.splice(out.indexOf(s), 1); }
    out.push(merged);
  }
  return out.map((s) => [...s].sort((a, b) => a - b));
}

/**
 * Eigenvalues and eigenvectors of a symmetric n x n matrix (row-major) by cyclic Jacobi rotations: each rotation
 * zeroes one off-diagonal pair; sweeps repeat until the off-diagonal mass is negligible against the diagonal.
 */
export function symmetricEigen(A: Float64Array, n: number): { value: number; vector: number[] }[] {
  const a = A.slice();
  const V = new Float64Array(n * n);
  for (let k = 0; k < n; k++) V[k * n + k] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += a[p * n + p] * a[p * n + p];
      for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    }
    if (!(off > 1e-32 * diag)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, k) => ({ value: a[k * n + k], vector: Array.from({ length: n }, (_, r) => V[r * n + k]) }));
}
