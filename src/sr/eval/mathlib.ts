/**
 * The engine's transcendental functions, in plain TypeScript.
 *
 * assembly/mathlib.ts implements the very same algorithms (same constants, same operation order, no fused
 * multiply-add) for the WASM kernel, lane-wise in f64x2; so the kernel and the reference evaluator agree to the
 * last bit, and both stay within about 1e-15 relative of the platform's Math.* (test/unit/sr/eval/mathlib.test.ts).
 *
 * - exp: k = floor(x 32/ln2 + 1/2), Cody-Waite reduction by ln2/32 in two parts, degree-6 Taylor polynomial,
 *   times a table of 2^(j/32), scaled by 2^(k/32) in two steps (so gradual underflow is right).
 * - log: fdlibm's decomposition x = 2^k (1 + f), s = f / (2 + f), degree-14 polynomial in s.
 * - sin, cos: reduction by multiples of pi in three parts (exact while |x| < 2^19) to [-pi/2, pi/2], one odd
 *   Taylor polynomial of degree 21 there (one polynomial for both, so the vector code evaluates one, not two);
 *   beyond 2^19 the platform's Math.sin/Math.cos (the kernel imports the same functions).
 * - tanh: t = expm1(2|x|), tanh = t / (t + 2), ±1 beyond |x| > 22.
 * - cbrt: exp(log|x| / 3) and one Newton step.
 * - pow: integer exponents up to 64 by repeated squaring (exact as far as products are), otherwise
 *   exp(y log x); negative bases only with integer exponents (otherwise NaN).
 * - asin, acos: fdlibm's rational approximation R(z) = P(z) / Q(z) of (asin(sqrt z) - sqrt z) / sqrt z,
 *   z = x^2 for |x| < 1/2, else z = (1 - |x|) / 2 and asin |x| = pi/2 - 2 asin(sqrt z) (sqrt z split in a high
 *   part with a zero low word and a correction, below |x| = 0.975); |x| > 1 and NaN give NaN.
 */

const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const EXP_OVERFLOW = 709.782712893384;
const EXP_UNDERFLOW = -745.1332191019412;

// 1/n! for the exp and expm1 polynomials
const F2 = 1 / 2, F3 = 1 / 6, F4 = 1 / 24, F5 = 1 / 120, F6 = 1 / 720, F7 = 1 / 5040, F8 = 1 / 40320;

const F9 = 1 / 362880, F10 = 1 / 3628800, F11 = 1 / 39916800, F12 = 1 / 479001600, F13 = 1 / 6227020800;
const F14 = 1 / 87178291200;

const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer); // little-endian: words[1] is the high word

/** 2^n for integer n in [-1022, 1023], exactly. */
function pow2(n: number): number {
  words[0] = 0;
  words[1] = ((n + 1023) << 20) >>> 0;
  return scratch[0];
}

/** 2^(j/32), j = 0..31, correctly rounded. */
const EXP_TABLE = [
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
];
const INV_LN2_32 = 46.16624130844683; // 32 / ln 2
const LN2_32_HI = 0.02166084938653512; // LN2_HI / 32 (exact)
const LN2_32_LO = 5.9631716539705866e-12; // LN2_LO / 32 (exact)

export function exp(x: number): number {
  if (!(x < EXP_OVERFLOW)) return x !== x ? x : Infinity;
  if (x < EXP_UNDERFLOW) return 0;
  const k = Math.floor(x * INV_LN2_32 + 0.5);
  const r = x - k * LN2_32_HI - k * LN2_32_LO;
  const p = 1 + r * (1 + r * (F2 + r * (F3 + r * (F4 + r * (F5 + r * F6)))));
  const m = Math.floor(k / 32);
  const t = EXP_TABLE[k - 32 * m] * p;
  const m1 = Math.floor(m * 0.5);
  return t * pow2(m1) * pow2(m - m1);
}

/** exp(x) - 1 for x >= 0, accurate near 0. */
function expm1NonNeg(x: number): number {
  if (x < 0.34657359027997264) {
    return x * (1 + x * (F2 + x * (F3 + x * (F4 + x * (F5 + x * (F6 + x * (F7 + x * (F8 + x * (F9 + x * (F10 + x * (F11 + x * (F12 + x * (F13 + x * F14)))))))))))));
  }
  return exp(x) - 1;
}

const LG1 = 6.666666666666735130e-1, LG2 = 3.999999999940941908e-1, LG3 = 2.857142874366239149e-1;
const LG4 = 2.222219843214978396e-1, LG5 = 1.818357216161805012e-1, LG6 = 1.531383769920937332e-1;
const LG7 = 1.479819860511658591e-1;
const TWO54 = 18014398509481984;

export function log(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return x;
  let k = 0;
  if (x < 2.2250738585072014e-308) { x *= TWO54; k = -54; }
  scratch[0] = x;
  let hx = words[1];
  k += (hx >>> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  words[1] = (hx | (i ^ 0x3ff00000)) >>> 0;
  k += i >>> 20;
  const f = scratch[0] - 1;
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const R = t2 + t1;
  const hfsq = 0.5 * f * f;
  return k * LN2_HI - ((hfsq - (s * (hfsq + R) + k * LN2_LO)) - f);
}

const INV_PI = 0.3183098861837907;
// pi in three parts, the first two of 33 bits (twice fdlibm's pi/2 parts), so k * PI_1 and k * PI_2 are exact
// for |k| < 2^19
const PI_1 = 3.1415926534682512;
const PI_2 = 1.2154201012607932e-10;
const PI_3 = 4.044532497422333e-21;
export const TRIG_REDUCTION_LIMIT = 524288; // 2^19
const T3 = -1 / 6, T5 = 1 / 120, T7 = -1 / 5040, T9 = 1 / 362880, T11 = -1 / 39916800;
const T13 = 1 / 6227020800, T15 = -1 / 1307674368000, T17 = 1 / 355687428096000;
const T19 = -1 / 121645100408832000, T21 = 1 / 51090942171709440000;

/** sin(r) for |r| <= pi/2: Taylor series to degree 21 (truncation below 2e-18). */
function sinPoly(r: number): number {
  const z = r * r;
  const p = T3 + z * (T5 + z * (T7 + z * (T9 + z * (T11 + z * (T13 + z * (T15 + z * (T17 + z * (T19 + z * T21))))))));
  return r * (1 + z * p);
}

/** sin x = (-1)^k sin(x - k pi), k = round(x / pi). */
export function sin(x: number): number {
  if (!(Math.abs(x) < TRIG_REDUCTION_LIMIT)) return Math.sin(x);
  const k = Math.floor(x * INV_PI + 0.5);
  const s = sinPoly(x - k * PI_1 - k * PI_2 - k * PI_3);
  return k - 2 * Math.floor(k * 0.5) === 1 ? -s : s;
}

/** cos x = -(-1)^k sin(x - (k + 1/2) pi), k = floor(x / pi). */
export function cos(x: number): number {
  if (!(Math.abs(x) < TRIG_REDUCTION_LIMIT)) return Math.cos(x);
  const k = Math.floor(x * INV_PI);
  const h = k + 0.5;
  const s = sinPoly(x - h * PI_1 - h * PI_2 - h * PI_3);
  return k - 2 * Math.floor(k * 0.5) === 1 ? s : -s;
}

export function tanh(x: number): number {
  const a = Math.abs(x);
  if (a > 22) return x > 0 ? 1 : -1;
  const t = expm1NonNeg(2 * a);
  const r = t / (t + 2);
  return x < 0 || Object.is(x, -0) ? -r : r;
}

export function cbrt(x: number): number {
  if (x === 0 || !(Math.abs(x) < Infinity)) return x;
  const a = Math.abs(x);
  let y = exp(log(a) / 3);
  y = y - (y - a / (y * y)) / 3;
  return x < 0 ? -y : y;
}

/** x^n for integer n with |n| <= 64, by repeated squaring (the order the kernel uses). */
function powInt(x: number, n: number): number {
  let m = Math.abs(n);
  let result = 1;
  let base = x;
  while (m > 0) {
    if (m & 1) result *= base;
    m >>= 1;
    if (m > 0) base *= base;
  }
  return n < 0 ? 1 / result : result;
}

export function pow(x: number, y: number): number {
  if (y === 0) return 1;
  if (x !== x || y !== y) return NaN;
  const yIsInt = Math.floor(y) === y;
  if (yIsInt && Math.abs(y) <= 64) return powInt(x, y);
  if (Math.abs(y) === Infinity) {
    const ax = Math.abs(x);
    if (ax === 1) return NaN;
    return (ax > 1) === (y > 0) ? Infinity : 0;
  }
  if (x === 0) return y > 0 ? 0 : Infinity;
  if (x < 0) {
    if (!yIsInt) return NaN;
    const odd = Math.abs(y) < 9007199254740992 && y - 2 * Math.floor(y * 0.5) === 1;
    const r = exp(y * log(-x));
    return odd ? -r : r;
  }
  if (x === Infinity) return y > 0 ? Infinity : 0;
  return exp(y * log(x));
}

// fdlibm's e_asin.c / e_acos.c constants
const PIO2_HI = 1.57079632679489655800e+00;
const PIO2_LO = 6.12323399573676603587e-17;
const PIO4_HI = 7.85398163397448278999e-01;
const PI = 3.14159265358979311600e+00;
const PS0 = 1.66666666666666657415e-01, PS1 = -3.25565818622400915405e-01, PS2 = 2.01212532134862925881e-01;
const PS3 = -4.00555345006794114027e-02, PS4 = 7.91534994289814532176e-04, PS5 = 3.47933107596021167570e-05;
const QS1 = -2.40339491173441421878e+00, QS2 = 2.02094576023350569471e+00, QS3 = -6.88283971605453293030e-01;
const QS4 = 7.70381505559019352791e-02;
/** Above this |x|, asin uses pi/2 - 2(s + s R) directly (fdlibm's 0x3FEF3333 high word, rounded). */
export const ASIN_NEAR_ONE = 0.975;

/** R(z) = P(z) / Q(z), fdlibm's rational approximation for asin and acos. */
function asinR(z: number): number {
  const p = z * (PS0 + z * (PS1 + z * (PS2 + z * (PS3 + z * (PS4 + z * PS5)))));
  const q = 1 + z * (QS1 + z * (QS2 + z * (QS3 + z * QS4)));
  return p / q;
}

/** s with the low 32 bits of its significand cleared (exactly representable square). */
function highPart(s: number): number {
  scratch[0] = s;
  words[0] = 0;
  return scratch[0];
}

export function asin(x: number): number {
  const a = Math.abs(x);
  if (!(a < 1)) return a === 1 ? x * PIO2_HI + x * PIO2_LO : NaN;
  if (a < 0.5) return x + x * asinR(x * x);
  const z = (1 - a) * 0.5;
  const r = asinR(z);
  const s = Math.sqrt(z);
  let t: number;
  if (a >= ASIN_NEAR_ONE) {
    t = PIO2_HI - (2 * (s + s * r) - PIO2_LO);
  } else {
    const w = highPart(s);
    const c = (z - w * w) / (s + w);
    const p = 2 * s * r - (PIO2_LO - 2 * c);
    const q = PIO4_HI - 2 * w;
    t = PIO4_HI - (p - q);
  }
  return x < 0 ? -t : t;
}

export function acos(x: number): number {
  const a = Math.abs(x);
  if (!(a < 1)) return a === 1 ? (x > 0 ? 0 : PI + 2 * PIO2_LO) : NaN;
  if (a < 0.5) return PIO2_HI - (x - (PIO2_LO - x * asinR(x * x)));
  const z = (1 - a) * 0.5;
  const r = asinR(z);
  const s = Math.sqrt(z);
  if (x < 0) return PI - 2 * (s + (r * s - PIO2_LO));
  const df = highPart(s);
  const c = (z - df * df) / (s + df);
  return 2 * (df + (r * s + c));
}

export const min = Math.min;
export const max = Math.max;
