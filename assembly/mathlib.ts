// The engine's transcendental functions: scalar and f64x2 versions of the algorithms in
// src/sr/eval/mathlib.ts, with the same constants and the same order of operations (no fused multiply-add),
// so the kernel's two paths and the TypeScript reference agree to the last bit. See that file for the methods.

const INV_LN2_32: f64 = 46.16624130844683;
const LN2_32_HI: f64 = 0.02166084938653512;
const LN2_32_LO: f64 = 5.9631716539705866e-12;
// 2^(j/32), j = 0..31, correctly rounded (the same table as src/sr/eval/mathlib.ts)
const EXP_TABLE = memory.data<f64>([
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
const SIGN: i64 = -9223372036854775807 - 1;

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

// Beyond |x| >= 2^19 the three-part reduction by pi/2 is no longer exact; such arguments (rare in symbolic
// regression) go to the host's Math.sin / Math.cos, which the reference evaluator calls too.
@external("env", "hostSin") declare function hostSin(x: f64): f64;
@external("env", "hostCos") declare function hostCos(x: f64): f64;

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
  if (!(Math.abs(x) < TRIG_LIMIT)) return hostSin(x);
  const k = Math.floor(x * TWO_OVER_PI + 0.5);
  const r = x - k * PIO2_1 - k * PIO2_2 - k * PIO2_3;
  const q = k - 4.0 * Math.floor(k * 0.25);
  const s = kernelSinS(r);
  const c = kernelCosS(r);
  return q == 0.0 ? s : q == 1.0 ? c : q == 2.0 ? -s : -c;
}

export function cosS(x: f64): f64 {
  if (!(Math.abs(x) < TRIG_LIMIT)) return hostCos(x);
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

// Vector constants live in memory: V8 rebuilds a v128.const inside a loop every iteration (several
// instructions each), while a load from this table is one instruction.
const VK = memory.data<f64>([
  C1, C1, // K_C1
  C2, C2, // K_C2
  C3, C3, // K_C3
  C4, C4, // K_C4
  C5, C5, // K_C5
  C6, C6, // K_C6
  EXPM1_SMALL, EXPM1_SMALL, // K_EXPM1_SMALL
  709.0, 709.0, // K_EXP_HI
  -708.0, -708.0, // K_EXP_LO
  F10, F10, // K_F10
  F11, F11, // K_F11
  F12, F12, // K_F12
  F13, F13, // K_F13
  F14, F14, // K_F14
  F2, F2, // K_F2
  F3, F3, // K_F3
  F4, F4, // K_F4
  F5, F5, // K_F5
  F6, F6, // K_F6
  F7, F7, // K_F7
  F8, F8, // K_F8
  F9, F9, // K_F9
  4.0, 4.0, // K_FOUR
  0.5, 0.5, // K_HALF
  Infinity, Infinity, // K_INF
  INV_LN2_32, INV_LN2_32, // K_INV_LN2_32
  LG1, LG1, // K_LG1
  LG2, LG2, // K_LG2
  LG3, LG3, // K_LG3
  LG4, LG4, // K_LG4
  LG5, LG5, // K_LG5
  LG6, LG6, // K_LG6
  LG7, LG7, // K_LG7
  LN2_32_HI, LN2_32_HI, // K_LN2_32_HI
  LN2_32_LO, LN2_32_LO, // K_LN2_32_LO
  LN2_HI, LN2_HI, // K_LN2_HI
  LN2_LO, LN2_LO, // K_LN2_LO
  6755399441055744.0, 6755399441055744.0, // K_MAGIC
  -54.0, -54.0, // K_MINUS54
  MIN_NORMAL, MIN_NORMAL, // K_MIN_NORMAL
  NaN, NaN, // K_NAN
  -Infinity, -Infinity, // K_NEG_INF
  1.0, 1.0, // K_ONE
  PIO2_1, PIO2_1, // K_PIO2_1
  PIO2_2, PIO2_2, // K_PIO2_2
  PIO2_3, PIO2_3, // K_PIO2_3
  0.25, 0.25, // K_QUARTER
  S1, S1, // K_S1
  S2, S2, // K_S2
  S3, S3, // K_S3
  S4, S4, // K_S4
  S5, S5, // K_S5
  S6, S6, // K_S6
  3.0, 3.0, // K_THREE
  TRIG_LIMIT, TRIG_LIMIT, // K_TRIG_LIMIT
  22.0, 22.0, // K_TWENTY_TWO
  2.0, 2.0, // K_TWO
  TWO54, TWO54, // K_TWO54
  TWO_OVER_PI, TWO_OVER_PI, // K_TWO_OVER_PI
  0.0, 0.0, // K_ZERO
]);
const K_C1: i32 = 0;
const K_C2: i32 = 1;
const K_C3: i32 = 2;
const K_C4: i32 = 3;
const K_C5: i32 = 4;
const K_C6: i32 = 5;
const K_EXPM1_SMALL: i32 = 6;
const K_EXP_HI: i32 = 7;
const K_EXP_LO: i32 = 8;
const K_F10: i32 = 9;
const K_F11: i32 = 10;
const K_F12: i32 = 11;
const K_F13: i32 = 12;
const K_F14: i32 = 13;
const K_F2: i32 = 14;
const K_F3: i32 = 15;
const K_F4: i32 = 16;
const K_F5: i32 = 17;
const K_F6: i32 = 18;
const K_F7: i32 = 19;
const K_F8: i32 = 20;
const K_F9: i32 = 21;
const K_FOUR: i32 = 22;
const K_HALF: i32 = 23;
const K_INF: i32 = 24;
const K_INV_LN2_32: i32 = 25;
const K_LG1: i32 = 26;
const K_LG2: i32 = 27;
const K_LG3: i32 = 28;
const K_LG4: i32 = 29;
const K_LG5: i32 = 30;
const K_LG6: i32 = 31;
const K_LG7: i32 = 32;
const K_LN2_32_HI: i32 = 33;
const K_LN2_32_LO: i32 = 34;
const K_LN2_HI: i32 = 35;
const K_LN2_LO: i32 = 36;
const K_MAGIC: i32 = 37;
const K_MINUS54: i32 = 38;
const K_MIN_NORMAL: i32 = 39;
const K_NAN: i32 = 40;
const K_NEG_INF: i32 = 41;
const K_ONE: i32 = 42;
const K_PIO2_1: i32 = 43;
const K_PIO2_2: i32 = 44;
const K_PIO2_3: i32 = 45;
const K_QUARTER: i32 = 46;
const K_S1: i32 = 47;
const K_S2: i32 = 48;
const K_S3: i32 = 49;
const K_S4: i32 = 50;
const K_S5: i32 = 51;
const K_S6: i32 = 52;
const K_THREE: i32 = 53;
const K_TRIG_LIMIT: i32 = 54;
const K_TWENTY_TWO: i32 = 55;
const K_TWO: i32 = 56;
const K_TWO54: i32 = 57;
const K_TWO_OVER_PI: i32 = 58;
const K_ZERO: i32 = 59;
const VI = memory.data<i64>([
  0x100000, 0x100000, // I_100000
  1023, 1023, // I_1023
  31, 31, // I_31
  0x3ff00000, 0x3ff00000, // I_3FF00000
  0x95f64, 0x95f64, // I_95F64
  0xffffffff, 0xffffffff, // I_LOW32
  0x4338000000000000, 0x4338000000000000, // I_MAGIC
  0x000fffff, 0x000fffff, // I_MANT
  SIGN, SIGN, // I_SIGN
  0x000fffffffffffff, 0x000fffffffffffff, // I_MANT52
  0x00095f6400000000, 0x00095f6400000000, // I_95F64_HI
  0x0010000000000000, 0x0010000000000000, // I_100000_HI
  0x3ff0000000000000, 0x3ff0000000000000, // I_3FF00000_HI
  0x4337fffffffffc01, 0x4337fffffffffc01, // I_MAGIC_MINUS_1023
]);
const I_100000: i32 = 0;
const I_1023: i32 = 1;
const I_31: i32 = 2;
const I_3FF00000: i32 = 3;
const I_95F64: i32 = 4;
const I_LOW32: i32 = 5;
const I_MAGIC: i32 = 6;
const I_MANT: i32 = 7;
const I_SIGN: i32 = 8;
const I_MANT52: i32 = 9;
const I_95F64_HI: i32 = 10;
const I_100000_HI: i32 = 11;
const I_3FF00000_HI: i32 = 12;
const I_MAGIC_MINUS_1023: i32 = 13;
@inline function vk(i: i32): v128 { return v128.load(VK + (<usize>i << 4)); }
@inline function vi(i: i32): v128 { return v128.load(VI + (<usize>i << 4)); }


@inline function splat(x: f64): v128 { return f64x2.splat(x); }

/** 2^n for integer-valued lanes n in [-1022, 1023]. */
@inline function pow2V(n: v128): v128 {
  // n + 1.5 * 2^52 puts the integer n in the low mantissa bits; subtracting the magic's bits gives n as i64
  const magic = vk(K_MAGIC);
  const ni = i64x2.sub(f64x2.add(n, magic), vi(I_MAGIC));
  return i64x2.shl(i64x2.add(ni, vi(I_1023)), 52);
}

/** exp of both lanes: table-driven in f64x2 when both lanes lie in [-708, 709] (normal results, so adding
 *  to the exponent field is the exact scaling), otherwise lane by lane through expS. */
@inline export function expV(x: v128): v128 {
  const inRange = v128.and(f64x2.ge(x, vk(K_EXP_LO)), f64x2.le(x, vk(K_EXP_HI)));
  if (!i64x2.all_true(inRange)) {
    return f64x2.replace_lane(f64x2.splat(expS(f64x2.extract_lane(x, 0))), 1, expS(f64x2.extract_lane(x, 1)));
  }
  const k = f64x2.floor(f64x2.add(f64x2.mul(x, vk(K_INV_LN2_32)), vk(K_HALF)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, vk(K_LN2_32_HI))), f64x2.mul(k, vk(K_LN2_32_LO)));
  let p = f64x2.add(vk(K_F5), f64x2.mul(r, vk(K_F6)));
  p = f64x2.add(vk(K_F4), f64x2.mul(r, p));
  p = f64x2.add(vk(K_F3), f64x2.mul(r, p));
  p = f64x2.add(vk(K_F2), f64x2.mul(r, p));
  p = f64x2.add(vk(K_ONE), f64x2.mul(r, p));
  p = f64x2.add(vk(K_ONE), f64x2.mul(r, p));
  // k as a small integer in each i64 lane, through the 1.5 * 2^52 magic
  const ki = i64x2.sub(f64x2.add(k, vk(K_MAGIC)), vi(I_MAGIC));
  const j = v128.and(ki, vi(I_31));
  const t0 = load<f64>(EXP_TABLE + (<usize>i64x2.extract_lane(j, 0) << 3));
  const t1 = load<f64>(EXP_TABLE + (<usize>i64x2.extract_lane(j, 1) << 3));
  const t = f64x2.mul(f64x2.replace_lane(f64x2.splat(t0), 1, t1), p);
  return i64x2.add(t, i64x2.shl(i64x2.shr_s(ki, 5), 52));
}

@inline function expm1NonNegV(x: v128): v128 {
  let p = f64x2.add(vk(K_F13), f64x2.mul(x, vk(K_F14)));
  p = f64x2.add(vk(K_F12), f64x2.mul(x, p));
  p = f64x2.add(vk(K_F11), f64x2.mul(x, p));
  p = f64x2.add(vk(K_F10), f64x2.mul(x, p));
  p = f64x2.add(vk(K_F9), f64x2.mul(x, p));
  p = f64x2.add(vk(K_F8), f64x2.mul(x, p));
  p = f64x2.add(vk(K_F7), f64x2.mul(x, p));
  p = f64x2.add(vk(K_F6), f64x2.mul(x, p));
  p = f64x2.add(vk(K_F5), f64x2.mul(x, p));
  p = f64x2.add(vk(K_F4), f64x2.mul(x, p));
  p = f64x2.add(vk(K_F3), f64x2.mul(x, p));
  p = f64x2.add(vk(K_F2), f64x2.mul(x, p));
  p = f64x2.add(vk(K_ONE), f64x2.mul(x, p));
  const small = f64x2.mul(x, p);
  const large = f64x2.sub(expV(x), vk(K_ONE));
  return v128.bitselect(small, large, f64x2.lt(x, vk(K_EXPM1_SMALL)));
}

/** log of both lanes: in f64x2 when both are positive, normal and finite, otherwise lane by lane through logS.
 *  The bit manipulation is fdlibm's high-word one, done on whole 64-bit lanes. */
@inline export function logV(x: v128): v128 {
  const normal = v128.and(f64x2.ge(x, vk(K_MIN_NORMAL)), f64x2.lt(x, vk(K_INF)));
  if (!i64x2.all_true(normal)) {
    return f64x2.replace_lane(f64x2.splat(logS(f64x2.extract_lane(x, 0))), 1, logS(f64x2.extract_lane(x, 1)));
  }
  const m = v128.and(x, vi(I_MANT52));
  const i = v128.and(i64x2.add(m, vi(I_95F64_HI)), vi(I_100000_HI));
  const mant = v128.or(m, v128.xor(i, vi(I_3FF00000_HI)));
  // k = exponent - 1023 + (i >> 52), as f64 through the 1.5 * 2^52 magic
  const kBits = i64x2.add(i64x2.add(i64x2.shr_u(x, 52), i64x2.shr_u(i, 52)), vi(I_MAGIC_MINUS_1023));
  const k = f64x2.sub(kBits, vk(K_MAGIC));
  const f = f64x2.sub(mant, vk(K_ONE));
  const s = f64x2.div(f, f64x2.add(vk(K_TWO), f));
  const z = f64x2.mul(s, s);
  const w = f64x2.mul(z, z);
  const t1 = f64x2.mul(w, f64x2.add(vk(K_LG2), f64x2.mul(w, f64x2.add(vk(K_LG4), f64x2.mul(w, vk(K_LG6))))));
  const t2 = f64x2.mul(z, f64x2.add(vk(K_LG1), f64x2.mul(w, f64x2.add(vk(K_LG3), f64x2.mul(w, f64x2.add(vk(K_LG5), f64x2.mul(w, vk(K_LG7))))))));
  const R = f64x2.add(t2, t1);
  const hfsq = f64x2.mul(f64x2.mul(vk(K_HALF), f), f);
  const inner = f64x2.sub(f64x2.sub(hfsq, f64x2.add(f64x2.mul(s, f64x2.add(hfsq, R)), f64x2.mul(k, vk(K_LN2_LO)))), f);
  return f64x2.sub(f64x2.mul(k, vk(K_LN2_HI)), inner);
}

@inline function kernelSinV(x: v128): v128 {
  const z = f64x2.mul(x, x);
  const v = f64x2.mul(z, x);
  const r = f64x2.add(vk(K_S2), f64x2.mul(z, f64x2.add(vk(K_S3), f64x2.mul(z, f64x2.add(vk(K_S4), f64x2.mul(z, f64x2.add(vk(K_S5), f64x2.mul(z, vk(K_S6)))))))));
  return f64x2.add(x, f64x2.mul(v, f64x2.add(vk(K_S1), f64x2.mul(z, r))));
}

@inline function kernelCosV(x: v128): v128 {
  const z = f64x2.mul(x, x);
  const w = f64x2.mul(z, z);
  const a = f64x2.mul(z, f64x2.add(vk(K_C1), f64x2.mul(z, f64x2.add(vk(K_C2), f64x2.mul(z, vk(K_C3))))));
  const b = f64x2.mul(f64x2.mul(w, w), f64x2.add(vk(K_C4), f64x2.mul(z, f64x2.add(vk(K_C5), f64x2.mul(z, vk(K_C6))))));
  const r = f64x2.add(a, b);
  const hz = f64x2.mul(vk(K_HALF), z);
  const one = f64x2.sub(vk(K_ONE), hz);
  return f64x2.add(one, f64x2.add(f64x2.sub(f64x2.sub(vk(K_ONE), one), hz), f64x2.mul(z, r)));
}

/** sin (cosine = false) or cos (cosine = true) of both lanes. The quadrant q = k mod 4 is read off the
 *  integer k: bit 0 picks the cosine kernel for sin (the sine kernel for cos), the sign comes from bit 1 (for
 *  cos: bit 1 xor bit 0), applied by flipping the sign bit. */
@inline export function sinCosV(x: v128, cosine: bool): v128 {
  const k = f64x2.floor(f64x2.add(f64x2.mul(x, vk(K_TWO_OVER_PI)), vk(K_HALF)));
  const r = f64x2.sub(f64x2.sub(f64x2.sub(x, f64x2.mul(k, vk(K_PIO2_1))), f64x2.mul(k, vk(K_PIO2_2))), f64x2.mul(k, vk(K_PIO2_3)));
  const ki = i64x2.sub(f64x2.add(k, vk(K_MAGIC)), vi(I_MAGIC));
  const s = kernelSinV(r);
  const c = kernelCosV(r);
  const odd = i64x2.shr_s(i64x2.shl(ki, 63), 63);
  let res: v128;
  let sign: v128;
  if (cosine) {
    res = v128.bitselect(s, c, odd);
    sign = v128.and(i64x2.shl(v128.xor(ki, i64x2.shr_u(ki, 1)), 63), vi(I_SIGN));
  } else {
    res = v128.bitselect(c, s, odd);
    sign = v128.and(i64x2.shl(ki, 62), vi(I_SIGN));
  }
  res = v128.xor(res, sign);
  if (!i64x2.all_true(f64x2.lt(f64x2.abs(x), vk(K_TRIG_LIMIT)))) {
    const x0 = f64x2.extract_lane(x, 0);
    const x1 = f64x2.extract_lane(x, 1);
    if (!(Math.abs(x0) < TRIG_LIMIT)) res = f64x2.replace_lane(res, 0, cosine ? hostCos(x0) : hostSin(x0));
    if (!(Math.abs(x1) < TRIG_LIMIT)) res = f64x2.replace_lane(res, 1, cosine ? hostCos(x1) : hostSin(x1));
  }
  return res;
}


@inline export function tanhV(x: v128): v128 {
  const a = f64x2.abs(x);
  const t = expm1NonNegV(f64x2.mul(vk(K_TWO), a));
  let r = f64x2.div(t, f64x2.add(t, vk(K_TWO)));
  r = v128.bitselect(vk(K_ONE), r, f64x2.gt(a, vk(K_TWENTY_TWO)));
  return v128.or(r, v128.and(x, vi(I_SIGN)));
}

@inline export function cbrtV(x: v128): v128 {
  const a = f64x2.abs(x);
  let y = expV(f64x2.div(logV(a), vk(K_THREE)));
  y = f64x2.sub(y, f64x2.div(f64x2.sub(y, f64x2.div(a, f64x2.mul(y, y))), vk(K_THREE)));
  const res = v128.or(y, v128.and(x, vi(I_SIGN)));
  const keep = v128.or(f64x2.eq(x, vk(K_ZERO)), v128.not(f64x2.lt(a, vk(K_INF))));
  return v128.bitselect(x, res, keep);
}

export function powV(x: v128, y: v128): v128 {
  const r0 = powS(f64x2.extract_lane(x, 0), f64x2.extract_lane(y, 0));
  const r1 = powS(f64x2.extract_lane(x, 1), f64x2.extract_lane(y, 1));
  return f64x2.replace_lane(f64x2.splat(r0), 1, r1);
}
