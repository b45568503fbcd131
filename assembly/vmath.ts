// f64x2 versions of the scalar functions in assembly/mathlib.ts: same constants, same order of operations, so
// each lane gets exactly the scalar result.
//
// Each function has a fast path for the arguments it can do lane-parallel without special cases, and a
// `...Special(x)` mask of the lanes that need the scalar function instead (out of range, NaN, subnormal...).
// The evaluation loop records such lanes and redoes them after the loop: a call inside the hot loop would make
// V8 spill vector registers on every iteration.
import {
  EXP_TABLE, EXPM1_SMALL, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12, F13, F14,
  INV_LN2_32, LG1, LG2, LG3, LG4, LG5, LG6, LG7, LN2_32_HI, LN2_32_LO, LN2_HI, LN2_LO, MIN_NORMAL, INV_PI, PI_1,
  PI_2, PI_3, T3, T5, T7, T9, T11, T13, T15, T17, T19, T21, TRIG_LIMIT, powS, PIO2_HI, PIO2_LO, PIO4_HI, PI,
  PS0, PS1, PS2, PS3, PS4, PS5, QS1, QS2, QS3, QS4, ASIN_NEAR_ONE,
} from './mathlib';

// Constants live in memory: V8 rebuilds a v128.const inside a loop on every iteration (several instructions),
// while a load from this table is one.
const VK = memory.data<f64>([
  1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 0.5, 0.5, 22.0, 22.0, Infinity, Infinity, 6755399441055744.0, 6755399441055744.0,
  -708.0, -708.0, 709.0, 709.0, INV_LN2_32, INV_LN2_32, LN2_32_HI, LN2_32_HI, LN2_32_LO, LN2_32_LO,
  F2, F2, F3, F3, F4, F4, F5, F5, F6, F6, F7, F7, F8, F8, F9, F9, F10, F10, F11, F11, F12, F12, F13, F13, F14, F14,
  EXPM1_SMALL, EXPM1_SMALL, MIN_NORMAL, MIN_NORMAL, LG1, LG1, LG2, LG2, LG3, LG3, LG4, LG4, LG5, LG5, LG6, LG6,
  LG7, LG7, LN2_HI, LN2_HI, LN2_LO, LN2_LO, INV_PI, INV_PI, PI_1, PI_1, PI_2, PI_2, PI_3, PI_3,
  TRIG_LIMIT, TRIG_LIMIT, T3, T3, T5, T5, T7, T7, T9, T9, T11, T11, T13, T13, T15, T15, T17, T17, T19, T19, T21, T21,
  0.0, 0.0, PIO2_HI, PIO2_HI, PIO2_LO, PIO2_LO, PIO4_HI, PIO4_HI, PI, PI, PS0, PS0, PS1, PS1, PS2, PS2, PS3, PS3,
  PS4, PS4, PS5, PS5, QS1, QS1, QS2, QS2, QS3, QS3, QS4, QS4, ASIN_NEAR_ONE, ASIN_NEAR_ONE,
]);
const K_ONE = 0, K_TWO = 1, K_THREE = 2, K_HALF = 3, K_22 = 4, K_INF = 5, K_MAGIC = 6, K_EXP_LO = 7, K_EXP_HI = 8;
const K_INV_LN2_32 = 9, K_LN2_32_HI = 10, K_LN2_32_LO = 11;
const K_F2 = 12, K_F3 = 13, K_F4 = 14, K_F5 = 15, K_F6 = 16, K_F7 = 17, K_F8 = 18, K_F9 = 19, K_F10 = 20;
const K_F11 = 21, K_F12 = 22, K_F13 = 23, K_F14 = 24, K_EXPM1_SMALL = 25, K_MIN_NORMAL = 26;
const K_LG1 = 27, K_LG2 = 28, K_LG3 = 29, K_LG4 = 30, K_LG5 = 31, K_LG6 = 32, K_LG7 = 33, K_LN2_HI = 34;
const K_LN2_LO = 35, K_INV_PI = 36, K_PI_1 = 37, K_PI_2 = 38, K_PI_3 = 39, K_TRIG_LIMIT = 40;
const K_T3 = 41, K_T5 = 42, K_T7 = 43, K_T9 = 44, K_T11 = 45, K_T13 = 46, K_T15 = 47, K_T17 = 48, K_T19 = 49;
const K_T21 = 50, K_ZERO = 51, K_PIO2_HI = 52, K_PIO2_LO = 53, K_PIO4_HI = 54, K_PI = 55, K_PS0 = 56, K_PS1 = 57;
const K_PS2 = 58, K_PS3 = 59, K_PS4 = 60, K_PS5 = 61, K_QS1 = 62, K_QS2 = 63, K_QS3 = 64, K_QS4 = 65;
const K_ASIN_NEAR_ONE = 66;

const VI = memory.data<i64>([
  0x4338000000000000, 0x4338000000000000, // I_MAGIC: the bits of 1.5 * 2^52
  0x4337fffffffffc01, 0x4337fffffffffc01, // I_MAGIC_M1023: I_MAGIC - 1023
  31, 31, 1, 1, 65536, 65536,
  -9223372036854775807 - 1, -9223372036854775807 - 1, // I_SIGN
  0x000fffffffffffff, 0x000fffffffffffff, // I_MANT: mantissa bits
  0x00095f6400000000, 0x00095f6400000000, // fdlibm's 0x95f64, in the high word
  0x0010000000000000, 0x0010000000000000, // fdlibm's 0x100000, in the high word
  0x3ff0000000000000, 0x3ff0000000000000, // fdlibm's 0x3ff00000, in the high word
  0xffffffff00000000, 0xffffffff00000000, // the high word (asin's s with its low word cleared)
]);
const I_MAGIC = 0, I_MAGIC_M1023 = 1, I_31 = 2, I_ONE = 3, I_2_16 = 4, I_SIGN = 5, I_MANT = 6, I_95F64 = 7;
const I_100000 = 8, I_3FF00000 = 9, I_HIGH_WORD = 10;

@inline function vk(i: i32): v128 { return v128.load(VK + (<usize>i << 4)); }
@inline function vi(i: i32): v128 { return v128.load(VI + (<usize>i << 4)); }

// ---------------------------------------------------------------- exp

/** Lanes outside [-708, 709] (or NaN): results that are not normal numbers, done by expS. */
@inline export function expSpecial(x: v128): v128 {
  return v128.not(v128.and(f64x2.ge(x, vk(K_EXP_LO)), f64x2.le(x, vk(K_EXP_HI))));
}

/** exp for lanes in [-708, 709]: the result is normal, so adding m to the exponent field scales exactly. */
@inline export function expFast(x: v128): v128 {
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
  // m = floor(k / 32): (k + 2^16) >> 5 is m + 2^11 with a logical shift (x64 has no arithmetic 64-bit shift,
  // V8 emulates it), and (2^11 << 52) = 2^63 goes away modulo 2^64 by adding the sign bit
  const mBiased = i64x2.shr_u(i64x2.add(ki, vi(I_2_16)), 5);
  return i64x2.add(t, i64x2.add(i64x2.shl(mBiased, 52), vi(I_SIGN)));
}

// ---------------------------------------------------------------- log

/** Lanes that are not positive, normal and finite, done by logS. */
@inline export function logSpecial(x: v128): v128 {
  return v128.not(v128.and(f64x2.ge(x, vk(K_MIN_NORMAL)), f64x2.lt(x, vk(K_INF))));
}

/** fdlibm's log for positive normal finite lanes, its high-word bit manipulation done on whole 64-bit lanes. */
@inline export function logFast(x: v128): v128 {
  const m = v128.and(x, vi(I_MANT));
  const i = v128.and(i64x2.add(m, vi(I_95F64)), vi(I_100000));
  const mant = v128.or(m, v128.xor(i, vi(I_3FF00000)));
  // k = exponent - 1023 + (i >> 52), to f64 through the magic
  const kBits = i64x2.add(i64x2.add(i64x2.shr_u(x, 52), i64x2.shr_u(i, 52)), vi(I_MAGIC_M1023));
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

// ---------------------------------------------------------------- sin, cos

/** Lanes with |x| >= 2^19 (or NaN): done by sinS / cosS (the host's functions). */
@inline export function trigSpecial(x: v128): v128 {
  return v128.not(f64x2.lt(f64x2.abs(x), vk(K_TRIG_LIMIT)));
}

@inline function sinPoly(r: v128): v128 {
  const z = f64x2.mul(r, r);
  let p = f64x2.add(vk(K_T19), f64x2.mul(z, vk(K_T21)));
  p = f64x2.add(vk(K_T17), f64x2.mul(z, p));
  p = f64x2.add(vk(K_T15), f64x2.mul(z, p));
  p = f64x2.add(vk(K_T13), f64x2.mul(z, p));
  p = f64x2.add(vk(K_T11), f64x2.mul(z, p));
  p = f64x2.add(vk(K_T9), f64x2.mul(z, p));
  p = f64x2.add(vk(K_T7), f64x2.mul(z, p));
  p = f64x2.add(vk(K_T5), f64x2.mul(z, p));
  p = f64x2.add(vk(K_T3), f64x2.mul(z, p));
  return f64x2.mul(r, f64x2.add(vk(K_ONE), f64x2.mul(z, p)));
}

/** sin (cosine = false) or cos (cosine = true) for |x| < 2^19: reduced by multiples of pi to [-pi/2, pi/2],
 *  one polynomial, and the sign bit flipped by the parity of k (read off its integer bits). */
@inline export function sinCosFast(x: v128, cosine: bool): v128 {
  let k: v128;
  let h: v128;
  if (cosine) {
    k = f64x2.floor(f64x2.mul(x, vk(K_INV_PI)));
    h = f64x2.add(k, vk(K_HALF));
  } else {
    k = f64x2.floor(f64x2.add(f64x2.mul(x, vk(K_INV_PI)), vk(K_HALF)));
    h = k;
  }
  const r = f64x2.sub(f64x2.sub(f64x2.sub(x, f64x2.mul(h, vk(K_PI_1))), f64x2.mul(h, vk(K_PI_2))), f64x2.mul(h, vk(K_PI_3)));
  const s = sinPoly(r);
  // bit 0 of k (as an integer) moved to the sign bit: odd k flips the sign of sin, even k that of cos
  const parity = i64x2.shl(i64x2.sub(f64x2.add(k, vk(K_MAGIC)), vi(I_MAGIC)), 63);
  return v128.xor(s, cosine ? v128.xor(parity, vi(I_SIGN)) : parity);
}

// ---------------------------------------------------------------- asin, acos

/** Lanes with |x| >= 1 (or NaN): done by asinS / acosS (±1 exactly, NaN beyond). */
@inline export function asinSpecial(x: v128): v128 {
  return v128.not(f64x2.lt(f64x2.abs(x), vk(K_ONE)));
}

/** z = x^2 where |x| < 1/2, else (1 - |x|) / 2 (the lanes of `big`), and R(z) = P(z) / Q(z). */
@inline function asinZ(x: v128, a: v128, big: v128): v128 {
  return v128.bitselect(f64x2.mul(f64x2.sub(vk(K_ONE), a), vk(K_HALF)), f64x2.mul(x, x), big);
}

@inline function asinR(z: v128): v128 {
  let p = f64x2.add(vk(K_PS4), f64x2.mul(z, vk(K_PS5)));
  p = f64x2.add(vk(K_PS3), f64x2.mul(z, p));
  p = f64x2.add(vk(K_PS2), f64x2.mul(z, p));
  p = f64x2.add(vk(K_PS1), f64x2.mul(z, p));
  p = f64x2.mul(z, f64x2.add(vk(K_PS0), f64x2.mul(z, p)));
  let q = f64x2.add(vk(K_QS3), f64x2.mul(z, vk(K_QS4)));
  q = f64x2.add(vk(K_QS2), f64x2.mul(z, q));
  q = f64x2.add(vk(K_QS1), f64x2.mul(z, q));
  q = f64x2.add(vk(K_ONE), f64x2.mul(z, q));
  return f64x2.div(p, q);
}

/** asin for |x| < 1: both of asinS's branches computed, each lane takes its own. */
@inline export function asinFast(x: v128): v128 {
  const a = f64x2.abs(x);
  const big = f64x2.ge(a, vk(K_HALF));
  const z = asinZ(x, a, big);
  const r = asinR(z);
  const small = f64x2.add(x, f64x2.mul(x, r));
  const two = vk(K_TWO);
  const s = f64x2.sqrt(z);
  const nearOne = f64x2.sub(vk(K_PIO2_HI), f64x2.sub(f64x2.mul(two, f64x2.add(s, f64x2.mul(s, r))), vk(K_PIO2_LO)));
  const w = v128.and(s, vi(I_HIGH_WORD));
  const c = f64x2.div(f64x2.sub(z, f64x2.mul(w, w)), f64x2.add(s, w));
  const p = f64x2.sub(f64x2.mul(f64x2.mul(two, s), r), f64x2.sub(vk(K_PIO2_LO), f64x2.mul(two, c)));
  const q = f64x2.sub(vk(K_PIO4_HI), f64x2.mul(two, w));
  const middle = f64x2.sub(vk(K_PIO4_HI), f64x2.sub(p, q));
  const t = v128.bitselect(nearOne, middle, f64x2.ge(a, vk(K_ASIN_NEAR_ONE)));
  return v128.bitselect(v128.or(t, v128.and(x, vi(I_SIGN))), small, big);
}

/** acos for |x| < 1, like asinFast. */
@inline export function acosFast(x: v128): v128 {
  const a = f64x2.abs(x);
  const big = f64x2.ge(a, vk(K_HALF));
  const z = asinZ(x, a, big);
  const r = asinR(z);
  const small = f64x2.sub(vk(K_PIO2_HI), f64x2.sub(x, f64x2.sub(vk(K_PIO2_LO), f64x2.mul(x, r))));
  const two = vk(K_TWO);
  const s = f64x2.sqrt(z);
  const negative = f64x2.sub(vk(K_PI), f64x2.mul(two, f64x2.add(s, f64x2.sub(f64x2.mul(r, s), vk(K_PIO2_LO)))));
  const df = v128.and(s, vi(I_HIGH_WORD));
  const c = f64x2.div(f64x2.sub(z, f64x2.mul(df, df)), f64x2.add(s, df));
  const positive = f64x2.mul(two, f64x2.add(df, f64x2.add(f64x2.mul(r, s), c)));
  const t = v128.bitselect(negative, positive, f64x2.lt(x, vk(K_ZERO)));
  return v128.bitselect(t, small, big);
}

// ---------------------------------------------------------------- tanh, cbrt, pow

/** exp(x) - 1 for 0 <= x <= 44 (the fast exp covers it). */
@inline function expm1NonNeg(x: v128): v128 {
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
  const large = f64x2.sub(expFast(x), vk(K_ONE));
  return v128.bitselect(small, large, f64x2.lt(x, vk(K_EXPM1_SMALL)));
}

/** tanh of both lanes, complete: |x| > 22 gives ±1, NaN stays NaN (those lanes' expm1 is garbage, replaced). */
@inline export function tanhV(x: v128): v128 {
  const a = f64x2.abs(x);
  const t = expm1NonNeg(f64x2.mul(vk(K_TWO), a));
  let r = f64x2.div(t, f64x2.add(t, vk(K_TWO)));
  r = v128.bitselect(vk(K_ONE), r, f64x2.gt(a, vk(K_22)));
  r = v128.or(r, v128.and(x, vi(I_SIGN)));
  return v128.bitselect(x, r, f64x2.ne(x, x));
}

/** Lanes that are zero, subnormal, infinite or NaN: done by cbrtS. */
@inline export function cbrtSpecial(x: v128): v128 {
  return logSpecial(f64x2.abs(x));
}

@inline export function cbrtFast(x: v128): v128 {
  const a = f64x2.abs(x);
  let y = expFast(f64x2.div(logFast(a), vk(K_THREE)));
  y = f64x2.sub(y, f64x2.div(f64x2.sub(y, f64x2.div(a, f64x2.mul(y, y))), vk(K_THREE)));
  return v128.or(y, v128.and(x, vi(I_SIGN)));
}

// pow: powS's two common cases lane-parallel, the rest by powS itself.
//   integer exponents |y| <= 64: repeated squaring over the exponent's 7 bits (the same products as powIntS, whose
//     extra squarings after the last bit never reach the result), 1 / result for negative exponents;
//   positive normal finite x, other finite y, y log x in [-708, 709]: expFast(y logFast(x)), as expS(y logS(x)).

/** Lanes of powFast that are the integer-exponent case. */
@inline export function powIntLanes(y: v128): v128 {
  return v128.and(f64x2.eq(f64x2.floor(y), y), f64x2.le(f64x2.abs(y), f64x2.splat(64.0)));
}

/** Lanes that neither case covers (done by powS): NaN, infinities, zero, negative or subnormal bases, overflow... */
@inline export function powSpecial(x: v128, y: v128, t: v128, intLanes: v128): v128 {
  const expCase = v128.and(
    v128.and(f64x2.ge(x, vk(K_MIN_NORMAL)), f64x2.lt(x, vk(K_INF))),
    v128.and(f64x2.ge(t, vk(K_EXP_LO)), f64x2.le(t, vk(K_EXP_HI))),
  );
  return v128.not(v128.or(intLanes, expCase));
}

/** y log x, for powSpecial and powFast (garbage in lanes that are not the exp case). */
@inline export function powExponent(x: v128, y: v128): v128 { return f64x2.mul(y, logFast(x)); }

/** x^n by repeated squaring for integer n, |n| <= 64 (the lanes of powIntLanes). */
@inline function powIntV(x: v128, y: v128): v128 {
  const one = vk(K_ONE);
  const half = vk(K_HALF);
  let m = f64x2.abs(y);
  let result = one;
  let base = x;
  for (let bit = 0; bit < 7; bit++) {
    const h = f64x2.floor(f64x2.mul(m, half));
    const odd = f64x2.ne(f64x2.sub(m, f64x2.add(h, h)), vk(K_ZERO));
    result = v128.bitselect(f64x2.mul(result, base), result, odd);
    m = h;
    base = f64x2.mul(base, base);
  }
  return v128.bitselect(f64x2.div(one, result), result, f64x2.lt(y, vk(K_ZERO)));
}

/** pow of the lanes powSpecial does not flag (each case computed only when some lane needs it). */
@inline export function powFast(x: v128, y: v128, t: v128, intLanes: v128): v128 {
  if (!v128.any_true(intLanes)) return expFast(t);
  if (v128.all_true<i64>(intLanes)) return powIntV(x, y);
  return v128.bitselect(powIntV(x, y), expFast(t), intLanes);
}

/** pow lane by lane, by powS (for the lanes powFast does not cover). */
export function powV(x: v128, y: v128): v128 {
  const r0 = powS(f64x2.extract_lane(x, 0), f64x2.extract_lane(y, 0));
  const r1 = powS(f64x2.extract_lane(x, 1), f64x2.extract_lane(y, 1));
  return f64x2.replace_lane(f64x2.splat(r0), 1, r1);
}

/** The zero vector, from the table (for accumulators). */
@inline export function zeroV(): v128 { return vk(K_ZERO); }
