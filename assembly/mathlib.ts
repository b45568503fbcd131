// The engine's transcendental functions, scalar (assembly/vmath.ts has the f64x2 versions): the algorithms of
// src/sr/eval/mathlib.ts, with the same constants and the same order of operations (no fused multiply-add),
// so the kernel's two paths and the TypeScript reference agree to the last bit. See that file for the methods.

export const INV_LN2_32: f64 = 46.16624130844683;
export const LN2_32_HI: f64 = 0.02166084938653512;
export const LN2_32_LO: f64 = 5.9631716539705866e-12;
// 2^(j/32), j = 0..31, correctly rounded (the same table as src/sr/eval/mathlib.ts)
export const EXP_TABLE = memory.data<f64>([
  1.0,
  1.0218971486541166,
  1.0442737824274138,
  1.0671404006768237,
  1.0905077326652577,
  1.1143867425958924,
  1.1387886347566916,
  1.1637248587775775,
  1.189207115002721,
  1.215247359980469,
  1.241857812073484,
  1.2690509571917332,
  1.2968395546510096,
  1.3252366431597413,
  1.3542555469368927,
  1.383909881963832,
  1.4142135623730951,
  1.4451808069770467,
  1.4768261459394993,
  1.5091644275934228,
  1.5422108254079407,
  1.5759808451078865,
  1.6104903319492543,
  1.645755478153965,
  1.681792830507429,
  1.718619298122478,
  1.7562521603732995,
  1.7947090750031072,
  1.8340080864093424,
  1.8741676341103,
  1.9152065613971474,
  1.9571441241754002,
]);
export const LN2_HI: f64 = 6.93147180369123816490e-1;
export const LN2_LO: f64 = 1.90821492927058770002e-10;
const EXP_OVERFLOW: f64 = 709.782712893384;
const EXP_UNDERFLOW: f64 = -745.1332191019412;
export const EXPM1_SMALL: f64 = 0.34657359027997264;

export const F2: f64 = 1.0 / 2.0;
export const F3: f64 = 1.0 / 6.0;
export const F4: f64 = 1.0 / 24.0;
export const F5: f64 = 1.0 / 120.0;
export const F6: f64 = 1.0 / 720.0;
export const F7: f64 = 1.0 / 5040.0;
export const F8: f64 = 1.0 / 40320.0;
export const F9: f64 = 1.0 / 362880.0;
export const F10: f64 = 1.0 / 3628800.0;
export const F11: f64 = 1.0 / 39916800.0;
export const F12: f64 = 1.0 / 479001600.0;
export const F13: f64 = 1.0 / 6227020800.0;
export const F14: f64 = 1.0 / 87178291200.0;

export const LG1: f64 = 6.666666666666735130e-1;
export const LG2: f64 = 3.999999999940941908e-1;
export const LG3: f64 = 2.857142874366239149e-1;
export const LG4: f64 = 2.222219843214978396e-1;
export const LG5: f64 = 1.818357216161805012e-1;
export const LG6: f64 = 1.531383769920937332e-1;
export const LG7: f64 = 1.479819860511658591e-1;
const TWO54: f64 = 18014398509481984.0;
export const MIN_NORMAL: f64 = 2.2250738585072014e-308;

export const INV_PI: f64 = 0.3183098861837907;
export const PI_1: f64 = 3.1415926534682512;
export const PI_2: f64 = 1.2154201012607932e-10;
export const PI_3: f64 = 4.044532497422333e-21;
export const TRIG_LIMIT: f64 = 524288.0;
export const T3: f64 = -1.0 / 6.0;
export const T5: f64 = 1.0 / 120.0;
export const T7: f64 = -1.0 / 5040.0;
export const T9: f64 = 1.0 / 362880.0;
export const T11: f64 = -1.0 / 39916800.0;
export const T13: f64 = 1.0 / 6227020800.0;
export const T15: f64 = -1.0 / 1307674368000.0;
export const T17: f64 = 1.0 / 355687428096000.0;
export const T19: f64 = -1.0 / 121645100408832000.0;
export const T21: f64 = 1.0 / 51090942171709440000.0;

// fdlibm's e_asin.c / e_acos.c
export const PIO2_HI: f64 = 1.57079632679489655800e+00;
export const PIO2_LO: f64 = 6.12323399573676603587e-17;
export const PIO4_HI: f64 = 7.85398163397448278999e-01;
export const PI: f64 = 3.14159265358979311600e+00;
export const PS0: f64 = 1.66666666666666657415e-01;
export const PS1: f64 = -3.25565818622400915405e-01;
export const PS2: f64 = 2.01212532134862925881e-01;
export const PS3: f64 = -4.00555345006794114027e-02;
export const PS4: f64 = 7.91534994289814532176e-04;
export const PS5: f64 = 3.47933107596021167570e-05;
export const QS1: f64 = -2.40339491173441421878e+00;
export const QS2: f64 = 2.02094576023350569471e+00;
export const QS3: f64 = -6.88283971605453293030e-01;
export const QS4: f64 = 7.70381505559019352791e-02;
export const ASIN_NEAR_ONE: f64 = 0.975;

// Beyond |x| >= 2^19 the three-part reduction by pi/2 is no longer exact; such arguments (rare in symbolic
// regression) go to the host's Math.sin / Math.cos, which the reference evaluator calls too.
@external("env", "hostSin") export declare function hostSin(x: f64): f64;
@external("env", "hostCos") export declare function hostCos(x: f64): f64;

// ---------------------------------------------------------------- scalar

@inline function pow2(n: f64): f64 {
  return reinterpret<f64>((<i64>n + 1023) << 52);
}

export function expS(x: f64): f64 {
  if (!(x < EXP_OVERFLOW)) return x != x ? x : Infinity;
  if (x < EXP_UNDERFLOW) return 0.0;
  const k = Math.floor(x * INV_LN2_32 + 0.5);
  const r = x - k * LN2_32_HI - k * LN2_32_LO;
  const p = 1.0 + r * (1.0 + r * (F2 + r * (F3 + r * (F4 + r * (F5 + r * F6)))));
  const m = Math.floor(k / 32.0);
  const t = load<f64>(EXP_TABLE + (<usize>(k - 32.0 * m) << 3)) * p;
  const m1 = Math.floor(m * 0.5);
  return t * pow2(m1) * pow2(m - m1);
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

@inline function sinPolyS(r: f64): f64 {
  const z = r * r;
  const p = T3 + z * (T5 + z * (T7 + z * (T9 + z * (T11 + z * (T13 + z * (T15 + z * (T17 + z * (T19 + z * T21))))))));
  return r * (1.0 + z * p);
}

export function sinS(x: f64): f64 {
  if (!(Math.abs(x) < TRIG_LIMIT)) return hostSin(x);
  const k = Math.floor(x * INV_PI + 0.5);
  const s = sinPolyS(x - k * PI_1 - k * PI_2 - k * PI_3);
  return k - 2.0 * Math.floor(k * 0.5) == 1.0 ? -s : s;
}

export function cosS(x: f64): f64 {
  if (!(Math.abs(x) < TRIG_LIMIT)) return hostCos(x);
  const k = Math.floor(x * INV_PI);
  const h = k + 0.5;
  const s = sinPolyS(x - h * PI_1 - h * PI_2 - h * PI_3);
  return k - 2.0 * Math.floor(k * 0.5) == 1.0 ? s : -s;
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

@inline function asinRS(z: f64): f64 {
  const p = z * (PS0 + z * (PS1 + z * (PS2 + z * (PS3 + z * (PS4 + z * PS5)))));
  const q = 1.0 + z * (QS1 + z * (QS2 + z * (QS3 + z * QS4)));
  return p / q;
}

@inline function highPartS(s: f64): f64 {
  return reinterpret<f64>(reinterpret<u64>(s) & 0xffffffff00000000);
}

export function asinS(x: f64): f64 {
  const a = Math.abs(x);
  if (!(a < 1.0)) return a == 1.0 ? x * PIO2_HI + x * PIO2_LO : NaN;
  if (a < 0.5) return x + x * asinRS(x * x);
  const z = (1.0 - a) * 0.5;
  const r = asinRS(z);
  const s = Math.sqrt(z);
  let t: f64;
  if (a >= ASIN_NEAR_ONE) {
    t = PIO2_HI - (2.0 * (s + s * r) - PIO2_LO);
  } else {
    const w = highPartS(s);
    const c = (z - w * w) / (s + w);
    const p = 2.0 * s * r - (PIO2_LO - 2.0 * c);
    const q = PIO4_HI - 2.0 * w;
    t = PIO4_HI - (p - q);
  }
  return x < 0.0 ? -t : t;
}

export function acosS(x: f64): f64 {
  const a = Math.abs(x);
  if (!(a < 1.0)) return a == 1.0 ? (x > 0.0 ? 0.0 : PI + 2.0 * PIO2_LO) : NaN;
  if (a < 0.5) return PIO2_HI - (x - (PIO2_LO - x * asinRS(x * x)));
  const z = (1.0 - a) * 0.5;
  const r = asinRS(z);
  const s = Math.sqrt(z);
  if (x < 0.0) return PI - 2.0 * (s + (r * s - PIO2_LO));
  const df = highPartS(s);
  const c = (z - df * df) / (s + df);
  return 2.0 * (df + (r * s + c));
}
