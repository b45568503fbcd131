// The engine's transcendental functions: scalar and f64x2 versions of the algorithms in
// src/sr/eval/mathlib.ts, with the same constants and the same order of operations (no fused multiply-add),
// so the kernel's two paths and the TypeScript reference agree to the last bit. See that file for the methods.

const LOG2E: f64 = 1.4426950408889634;
const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const EXP_OVERFLOW: f64 = 709.782712893384;
const EXP_UNDERFLOW: f64 = -745.1332191019412;
const EXPM1_SMALL: f64 = 0.34657359027997264;

const F2: f64 = 1.0 / 2.0;
const F3: f64 = 1.0 / 6.0;
const F4: f64 = 1.0 / 24.0;
const F5: f64 = 1.0 / 120.0;
const F6: f64 = 1.0 / 720.0;
const F7: f64 = 1.0 / 5040.0;
const F8: f64 = 1.0 / 40320.0;
const F9: f64 = 1.0 / 362880.0;
const F10: f64 = 1.0 / 3628800.0;
const F11: f64 = 1.0 / 39916800.0;
const F12: f64 = 1.0 / 479001600.0;
const F13: f64 = 1.0 / 6227020800.0;
const F14: f64 = 1.0 / 87178291200.0;

const LG1: f64 = 6.666666666666735130e-1;
const LG2: f64 = 3.999999999940941908e-1;
const LG3: f64 = 2.857142874366239149e-1;
const LG4: f64 = 2.222219843214978396e-1;
const LG5: f64 = 1.818357216161805012e-1;
const LG6: f64 = 1.531383769920937332e-1;
const LG7: f64 = 1.479819860511658591e-1;
const TWO54: f64 = 18014398509481984.0;
const MIN_NORMAL: f64 = 2.2250738585072014e-308;

const TWO_OVER_PI: f64 = 6.36619772367581382433e-1;
const PIO2_1: f64 = 1.57079632673412561417e+0;
const PIO2_2: f64 = 6.07710050630396597660e-11;
const PIO2_3: f64 = 2.02226624871116645580e-21;
const TRIG_LIMIT: f64 = 524288.0;

const S1: f64 = -1.66666666666666324348e-1;
const S2: f64 = 8.33333333332248946124e-3;
const S3: f64 = -1.98412698298579493134e-4;
const S4: f64 = 2.75573137070700676789e-6;
const S5: f64 = -2.50507602534068634195e-8;
const S6: f64 = 1.58969099521155010221e-10;
const C1: f64 = 4.16666666666666019037e-2;
const C2: f64 = -1.38888888888741095749e-3;
const C3: f64 = 2.48015872894767294178e-5;
const C4: f64 = -2.75573143513906633035e-7;
const C5: f64 = 2.08757232129817482790e-9;
const C6: f64 = -1.13596475577881948265e-11;

// ---------------------------------------------------------------- scalar

@inline function pow2(n: f64): f64 {
  return reinterpret<f64>((<i64>n + 1023) << 52);
}

export function expS(x: f64): f64 {
  if (!(x < EXP_OVERFLOW)) return x != x ? x : Infinity;
  if (x < EXP_UNDERFLOW) return 0.0;
  const k = Math.floor(x * LOG2E + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  const p = 1.0 + r * (1.0 + r * (F2 + r * (F3 + r * (F4 + r * (F5 + r * (F6 + r * (F7 + r * (F8 + r * (F9 + r * (F10 + r * (F11 + r * (F12 + r * F13))))))))))));
  const k1 = Math.floor(k * 0.5);
  return p * pow2(k1) * pow2(k - k1);
}

function expm1NonNegS(x: f64): f64 {
  if (x < EXPM1_SMALL) {
    return x * (1.0 + x * (F2 + x * (F3 + x * (F4 + x * (F5 + x * (F6 + x * (F7 + x * (F8 + x * (F9 + x * (F10 + x * (F11 + x * (F12 + x * (F13 + x * F14)))))))))))));
  }
  return expS(x) - 1.0;
}

export function logS(x: f64): f64 {
  if (!(x > 0.0)) return x == 0.0 ? -Infinity : NaN;
  if (x == Infinity) return x;
  let k: i32 = 0;
  if (x < MIN_NORMAL) { x *= TWO54; k = -54; }
  const bits = reinterpret<u64>(x);
  let hx = <u32>(bits >> 32);
  k += <i32>(hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  const m = reinterpret<f64>((<u64>(hx | (i ^ 0x3ff00000)) << 32) | (bits & 0xffffffff));
  k += <i32>(i >> 20);
  const f = m - 1.0;
  const s = f / (2.0 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const R = t2 + t1;
  const hfsq = 0.5 * f * f;
  const kf = <f64>k;
  return kf * LN2_HI - ((hfsq - (s * (hfsq + R) + kf * LN2_LO)) - f);
}

@inline function kernelSinS(x: f64): f64 {
  const z = x * x;
  const v = z * x;
  const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  return x + v * (S1 + z * r);
}

@inline function kernelCosS(x: f64): f64 {
  const z = x * x;
  const w = z * z;
  const r = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
  const hz = 0.5 * z;
  const one = 1.0 - hz;
  return one + (((1.0 - one) - hz) + z * r);
}

export function sinS(x: f64): f64 {
  if (!(Math.abs(x) < TRIG_LIMIT)) return Math.sin(x);
  const k = Math.floor(x * TWO_OVER_PI + 0.5);
  const r = x - k * PIO2_1 - k * PIO2_2 - k * PIO2_3;
  const q = k - 4.0 * Math.floor(k * 0.25);
  const s = kernelSinS(r);
  const c = kernelCosS(r);
  return q == 0.0 ? s : q == 1.0 ? c : q == 2.0 ? -s : -c;
}

export function cosS(x: f64): f64 {
  if (!(Math.abs(x) < TRIG_LIMIT)) return Math.cos(x);
  const k = Math.floor(x * TWO_OVER_PI + 0.5);
  const r = x - k * PIO2_1 - k * PIO2_2 - k * PIO2_3;
  const q = k - 4.0 * Math.floor(k * 0.25);
  const s = kernelSinS(r);
  const c = kernelCosS(r);
  return q == 0.0 ? c : q == 1.0 ? -s : q == 2.0 ? -c : s;
}

export function tanhS(x: f64): f64 {
  const a = Math.abs(x);
  if (a > 22.0) return x > 0.0 ? 1.0 : -1.0;
  const t = expm1NonNegS(2.0 * a);
  const r = t / (t + 2.0);
  return (reinterpret<i64>(x) < 0) ? -r : r;
}

export function cbrtS(x: f64): f64 {
  if (x == 0.0 || !(Math.abs(x) < Infinity)) return x;
  const a = Math.abs(x);
  let y = expS(logS(a) / 3.0);
  y = y - (y - a / (y * y)) / 3.0;
  return x < 0.0 ? -y : y;
}

function powIntS(x: f64, n: f64): f64 {
  let m = <i32>Math.abs(n);
  let result: f64 = 1.0;
  let base = x;
  while (m > 0) {
    if (m & 1) result *= base;
    m >>= 1;
    if (m > 0) base *= base;
  }
  return n < 0.0 ? 1.0 / result : result;
}

export function powS(x: f64, y: f64): f64 {
  if (y == 0.0) return 1.0;
  if (x != x || y != y) return NaN;
  const yIsInt = Math.floor(y) == y;
  if (yIsInt && Math.abs(y) <= 64.0) return powIntS(x, y);
  if (Math.abs(y) == Infinity) {
    const ax = Math.abs(x);
    if (ax == 1.0) return NaN;
    return (ax > 1.0) == (y > 0.0) ? Infinity : 0.0;
  }
  if (x == 0.0) return y > 0.0 ? 0.0 : Infinity;
  if (x < 0.0) {
    if (!yIsInt) return NaN;
    const odd = Math.abs(y) < 9007199254740992.0 && y - 2.0 * Math.floor(y * 0.5) == 1.0;
    const r = expS(y * logS(-x));
    return odd ? -r : r;
  }
  if (x == Infinity) return y > 0.0 ? Infinity : 0.0;
  return expS(y * logS(x));
}

// ---------------------------------------------------------------- f64x2

@inline function splat(x: f64): v128 { return f64x2.splat(x); }

/** 2^n for integer-valued lanes n in [-1022, 1023]. */
@inline function pow2V(n: v128): v128 {
  // n + 1.5 * 2^52 puts the integer n in the low mantissa bits; subtracting the magic's bits gives n as i64
  const magic = splat(6755399441055744.0);
  const ni = i64x2.sub(f64x2.add(n, magic), i64x2.splat(0x4338000000000000));
  return i64x2.shl(i64x2.add(ni, i64x2.splat(1023)), 52);
}

export function expV(x: v128): v128 {
  const k = f64x2.floor(f64x2.add(f64x2.mul(x, splat(LOG2E)), splat(0.5)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, splat(LN2_HI))), f64x2.mul(k, splat(LN2_LO)));
  let p = f64x2.add(splat(F12), f64x2.mul(r, splat(F13)));
  p = f64x2.add(splat(F11), f64x2.mul(r, p));
  p = f64x2.add(splat(F10), f64x2.mul(r, p));
  p = f64x2.add(splat(F9), f64x2.mul(r, p));
  p = f64x2.add(splat(F8), f64x2.mul(r, p));
  p = f64x2.add(splat(F7), f64x2.mul(r, p));
  p = f64x2.add(splat(F6), f64x2.mul(r, p));
  p = f64x2.add(splat(F5), f64x2.mul(r, p));
  p = f64x2.add(splat(F4), f64x2.mul(r, p));
  p = f64x2.add(splat(F3), f64x2.mul(r, p));
  p = f64x2.add(splat(F2), f64x2.mul(r, p));
  p = f64x2.add(splat(1.0), f64x2.mul(r, p));
  p = f64x2.add(splat(1.0), f64x2.mul(r, p));
  // keep k inside the table range for lanes the selects below replace anyway
  const kc = f64x2.min(f64x2.max(k, splat(-1100.0)), splat(1100.0));
  const k1 = f64x2.floor(f64x2.mul(kc, splat(0.5)));
  let res = f64x2.mul(f64x2.mul(p, pow2V(k1)), pow2V(f64x2.sub(kc, k1)));
  res = v128.bitselect(splat(Infinity), res, f64x2.ge(x, splat(EXP_OVERFLOW)));
  res = v128.bitselect(splat(0.0), res, f64x2.lt(x, splat(EXP_UNDERFLOW)));
  return v128.bitselect(x, res, f64x2.ne(x, x));
}

function expm1NonNegV(x: v128): v128 {
  let p = f64x2.add(splat(F13), f64x2.mul(x, splat(F14)));
  p = f64x2.add(splat(F12), f64x2.mul(x, p));
  p = f64x2.add(splat(F11), f64x2.mul(x, p));
  p = f64x2.add(splat(F10), f64x2.mul(x, p));
  p = f64x2.add(splat(F9), f64x2.mul(x, p));
  p = f64x2.add(splat(F8), f64x2.mul(x, p));
  p = f64x2.add(splat(F7), f64x2.mul(x, p));
  p = f64x2.add(splat(F6), f64x2.mul(x, p));
  p = f64x2.add(splat(F5), f64x2.mul(x, p));
  p = f64x2.add(splat(F4), f64x2.mul(x, p));
  p = f64x2.add(splat(F3), f64x2.mul(x, p));
  p = f64x2.add(splat(F2), f64x2.mul(x, p));
  p = f64x2.add(splat(1.0), f64x2.mul(x, p));
  const small = f64x2.mul(x, p);
  const large = f64x2.sub(expV(x), splat(1.0));
  return v128.bitselect(small, large, f64x2.lt(x, splat(EXPM1_SMALL)));
}

export function logV(x0: v128): v128 {
  const tiny = f64x2.lt(x0, splat(MIN_NORMAL));
  const x = v128.bitselect(f64x2.mul(x0, splat(TWO54)), x0, tiny);
  const kAdj = v128.and(splat(-54.0), tiny);
  const hx = i64x2.shr_u(x, 32);
  const e = i64x2.shr_u(hx, 20);
  const m = v128.and(hx, i64x2.splat(0x000fffff));
  const i = v128.and(i64x2.add(m, i64x2.splat(0x95f64)), i64x2.splat(0x100000));
  const high = v128.or(m, v128.xor(i, i64x2.splat(0x3ff00000)));
  const mant = v128.or(i64x2.shl(high, 32), v128.and(x, i64x2.splat(0xffffffff)));
  const kInt = i64x2.add(i64x2.sub(e, i64x2.splat(1023)), i64x2.shr_u(i, 20));
  // small integer (i64) to f64 through the 1.5 * 2^52 magic
  const kf0 = f64x2.sub(i64x2.add(kInt, i64x2.splat(0x4338000000000000)), splat(6755399441055744.0));
  const k = f64x2.add(kf0, kAdj);
  const f = f64x2.sub(mant, splat(1.0));
  const s = f64x2.div(f, f64x2.add(splat(2.0), f));
  const z = f64x2.mul(s, s);
  const w = f64x2.mul(z, z);
  const t1 = f64x2.mul(w, f64x2.add(splat(LG2), f64x2.mul(w, f64x2.add(splat(LG4), f64x2.mul(w, splat(LG6))))));
  const t2 = f64x2.mul(z, f64x2.add(splat(LG1), f64x2.mul(w, f64x2.add(splat(LG3), f64x2.mul(w, f64x2.add(splat(LG5), f64x2.mul(w, splat(LG7))))))));
  const R = f64x2.add(t2, t1);
  const hfsq = f64x2.mul(f64x2.mul(splat(0.5), f), f);
  const inner = f64x2.sub(f64x2.sub(hfsq, f64x2.add(f64x2.mul(s, f64x2.add(hfsq, R)), f64x2.mul(k, splat(LN2_LO)))), f);
  let res = f64x2.sub(f64x2.mul(k, splat(LN2_HI)), inner);
  res = v128.bitselect(splat(Infinity), res, f64x2.eq(x0, splat(Infinity)));
  res = v128.bitselect(splat(-Infinity), res, f64x2.eq(x0, splat(0.0)));
  return v128.bitselect(splat(NaN), res, v128.not(f64x2.ge(x0, splat(0.0))));
}

@inline function kernelSinV(x: v128): v128 {
  const z = f64x2.mul(x, x);
  const v = f64x2.mul(z, x);
  const r = f64x2.add(splat(S2), f64x2.mul(z, f64x2.add(splat(S3), f64x2.mul(z, f64x2.add(splat(S4), f64x2.mul(z, f64x2.add(splat(S5), f64x2.mul(z, splat(S6)))))))));
  return f64x2.add(x, f64x2.mul(v, f64x2.add(splat(S1), f64x2.mul(z, r))));
}

@inline function kernelCosV(x: v128): v128 {
  const z = f64x2.mul(x, x);
  const w = f64x2.mul(z, z);
  const a = f64x2.mul(z, f64x2.add(splat(C1), f64x2.mul(z, f64x2.add(splat(C2), f64x2.mul(z, splat(C3))))));
  const b = f64x2.mul(f64x2.mul(w, w), f64x2.add(splat(C4), f64x2.mul(z, f64x2.add(splat(C5), f64x2.mul(z, splat(C6))))));
  const r = f64x2.add(a, b);
  const hz = f64x2.mul(splat(0.5), z);
  const one = f64x2.sub(splat(1.0), hz);
  return f64x2.add(one, f64x2.add(f64x2.sub(f64x2.sub(splat(1.0), one), hz), f64x2.mul(z, r)));
}

/** sin (cosine = false) or cos (cosine = true) of both lanes. */
export function sinCosV(x: v128, cosine: bool): v128 {
  const k = f64x2.floor(f64x2.add(f64x2.mul(x, splat(TWO_OVER_PI)), splat(0.5)));
  const r = f64x2.sub(f64x2.sub(f64x2.sub(x, f64x2.mul(k, splat(PIO2_1))), f64x2.mul(k, splat(PIO2_2))), f64x2.mul(k, splat(PIO2_3)));
  const q = f64x2.sub(k, f64x2.mul(splat(4.0), f64x2.floor(f64x2.mul(k, splat(0.25)))));
  const s = kernelSinV(r);
  const c = kernelCosV(r);
  const odd = v128.or(f64x2.eq(q, splat(1.0)), f64x2.eq(q, splat(3.0)));
  let base: v128;
  let neg: v128;
  if (cosine) {
    base = v128.bitselect(s, c, odd);
    neg = v128.or(f64x2.eq(q, splat(1.0)), f64x2.eq(q, splat(2.0)));
  } else {
    base = v128.bitselect(c, s, odd);
    neg = f64x2.ge(q, splat(2.0));
  }
  let res = v128.bitselect(f64x2.neg(base), base, neg);
  const big = v128.not(f64x2.lt(f64x2.abs(x), splat(TRIG_LIMIT)));
  if (v128.any_true(big)) {
    if (f64x2.extract_lane(big, 0) != 0) {
      const x0 = f64x2.extract_lane(x, 0);
      res = f64x2.replace_lane(res, 0, cosine ? Math.cos(x0) : Math.sin(x0));
    }
    if (f64x2.extract_lane(big, 1) != 0) {
      const x1 = f64x2.extract_lane(x, 1);
      res = f64x2.replace_lane(res, 1, cosine ? Math.cos(x1) : Math.sin(x1));
    }
  }
  return res;
}

const SIGN: i64 = <i64>1 << 63;

export function tanhV(x: v128): v128 {
  const a = f64x2.abs(x);
  const t = expm1NonNegV(f64x2.mul(splat(2.0), a));
  let r = f64x2.div(t, f64x2.add(t, splat(2.0)));
  r = v128.bitselect(splat(1.0), r, f64x2.gt(a, splat(22.0)));
  return v128.or(r, v128.and(x, i64x2.splat(SIGN)));
}

export function cbrtV(x: v128): v128 {
  const a = f64x2.abs(x);
  let y = expV(f64x2.div(logV(a), splat(3.0)));
  y = f64x2.sub(y, f64x2.div(f64x2.sub(y, f64x2.div(a, f64x2.mul(y, y))), splat(3.0)));
  const res = v128.or(y, v128.and(x, i64x2.splat(SIGN)));
  const keep = v128.or(f64x2.eq(x, splat(0.0)), v128.not(f64x2.lt(a, splat(Infinity))));
  return v128.bitselect(x, res, keep);
}

export function powV(x: v128, y: v128): v128 {
  const r0 = powS(f64x2.extract_lane(x, 0), f64x2.extract_lane(y, 0));
  const r1 = powS(f64x2.extract_lane(x, 1), f64x2.extract_lane(y, 1));
  return f64x2.replace_lane(f64x2.splat(r0), 1, r1);
}
