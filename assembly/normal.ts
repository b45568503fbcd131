// Levenberg-Marquardt's per-step sums for unit-weight residuals r = p - y, next to the predictions and the Jacobian
// the kernel has just written (so neither is copied out): the sum of squares, and the normal equations A = J^T J,
// g = J^T r. Each sum runs over the rows in order, one row after the other, exactly as the TypeScript it replaces
// (src/sr/search/constants.ts: sumOfSquares, normalEquationsInto), so every value is bit-identical to it.

/** sum over rows of (pred - y)^2, in row order. */
export function sumOfSquares(pred: usize, y: usize, n: i32): f64 {
  let s: f64 = 0.0;
  for (let i: i32 = 0; i < n; i++) {
    const off = <usize>i << 3;
    const d = load<f64>(pred + off) - load<f64>(y + off);
    s += d * d;
  }
  return s;
}

/**
 * r = pred - y (n f64 at r), then g (nC f64) and A (nC x nC, row-major, symmetric) after the sum of squares at out:
 * out = [sse, g, A]. jac: nC x n, constant-major. Returns the sum of squares (A and g are not written when it is
 * not finite).
 */
export function normalEquations(pred: usize, y: usize, jac: usize, nC: i32, n: i32, r: usize, out: usize): f64 {
  let sse: f64 = 0.0;
  for (let i: i32 = 0; i < n; i++) {
    const off = <usize>i << 3;
    const d = load<f64>(pred + off) - load<f64>(y + off);
    store<f64>(r + off, d);
    sse += d * d;
  }
  store<f64>(out, sse);
  if (!(sse - sse == 0.0)) return sse;
  const g = out + 8;
  const A = g + (<usize>nC << 3);
  const rowBytes = <usize>n << 3;
  // several sums per pass over the rows, each still in row order: independent chains of additions overlap
  for (let a: i32 = 0; a < nC; a++) {
    const ja = jac + <usize>a * rowBytes;
    let ga: f64 = 0.0;
    let aa: f64 = 0.0;
    for (let i: i32 = 0; i < n; i++) {
      const off = <usize>i << 3;
      const x = load<f64>(ja + off);
      ga += x * load<f64>(r + off);
      aa += x * x;
    }
    store<f64>(g + (<usize>a << 3), ga);
    store<f64>(A + (<usize>(a * nC + a) << 3), aa);
    let b = a + 1;
    for (; b + 1 < nC; b += 2) {
      const jb = jac + <usize>b * rowBytes;
      const jc = jb + rowBytes;
      let v0: f64 = 0.0;
      let v1: f64 = 0.0;
      for (let i: i32 = 0; i < n; i++) {
        const off = <usize>i << 3;
        const x = load<f64>(ja + off);
        v0 += x * load<f64>(jb + off);
        v1 += x * load<f64>(jc + off);
      }
      store<f64>(A + (<usize>(a * nC + b) << 3), v0);
      store<f64>(A + (<usize>(b * nC + a) << 3), v0);
      store<f64>(A + (<usize>(a * nC + b + 1) << 3), v1);
      store<f64>(A + (<usize>((b + 1) * nC + a) << 3), v1);
    }
    if (b < nC) {
      const jb = jac + <usize>b * rowBytes;
      let v: f64 = 0.0;
      for (let i: i32 = 0; i < n; i++) v += load<f64>(ja + (<usize>i << 3)) * load<f64>(jb + (<usize>i << 3));
      store<f64>(A + (<usize>(a * nC + b) << 3), v);
      store<f64>(A + (<usize>(b * nC + a) << 3), v);
    }
  }
  return sse;
}
