// Forward-mode derivatives of a program's predictions with respect to its constants, for Levenberg-Marquardt.
// Row by row, scalar (the WASM scalar path; assembly/jacobian.ts is the SIMD path): each stack slot carries its
// value and one tangent per constant.
// Each slot also carries the range [lo, hi) of the constant indices its subtree reads (a constant leaf: [k, k+1),
// a feature: empty, an operator: the smallest range holding its operands' ranges). A tangent outside its slot's
// range is exactly +0 and never computed; inside, the rules below apply, an operand's tangent outside its own range
// counting as +0. (A compiled program numbers its constants in postfix order, so a subtree's range holds exactly its
// own constants.)
// Rules (the reference evaluator uses the same): v is the operator's value, ta/tb the operands' tangents.
//   + : ta + tb          - : ta - tb          * : ta*b + a*tb        / : (ta - v*tb) / b
//   ^ : ta*(b*a^(b-1)) [if ta != 0] + tb*(v*log a) [if tb != 0 and v != 0]
//   min: a <= b ? ta : tb       max: a >= b ? ta : tb
//   unary: t * g (0 when t is 0, even if g is infinite) with g = neg -1, square 2a, cube 3(a*a), sqrt 0.5/v, cbrt 1/(3(v*v)), exp v, log 1/a,
//          abs sign(a) (0 at 0), inv -(v*v), sin cos(a), cos -sin(a), tanh 1 - v*v,
//          asin 1/sqrt((1-a)(1+a)), acos -(1/sqrt((1-a)(1+a))) (Infinity at a = ±1, NaN beyond)
import {
  OP_CONST, OP_FEATURE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_MIN, OP_MAX, OP_NEG, OP_SQUARE, OP_CUBE,
  OP_SQRT, OP_CBRT, OP_EXP, OP_LOG, OP_ABS, OP_INV, OP_SIN, OP_COS, OP_TANH,
  OP_ASIN, OP_ACOS,
} from './opcodes';
import { dataX, stride, nRows, MAX_STACK } from './data';
import { foldUnary, foldBinary } from './eval';
import { sinS, cosS, logS, powS } from './mathlib';

function unaryFactor(opc: i32, a: f64, v: f64): f64 {
  switch (opc) {
    case OP_NEG: return -1.0;
    case OP_SQUARE: return 2.0 * a;
    case OP_CUBE: return 3.0 * (a * a);
    case OP_SQRT: return 0.5 / v;
    case OP_CBRT: return 1.0 / (3.0 * (v * v));
    case OP_EXP: return v;
    case OP_LOG: return 1.0 / a;
    case OP_ABS: return a > 0.0 ? 1.0 : a < 0.0 ? -1.0 : 0.0;
    case OP_INV: return -(v * v);
    case OP_SIN: return cosS(a);
    case OP_COS: return -sinS(a);
    case OP_TANH: return 1.0 - v * v;
    case OP_ASIN: return 1.0 / Math.sqrt((1.0 - a) * (1.0 + a));
    case OP_ACOS: return -(1.0 / Math.sqrt((1.0 - a) * (1.0 + a)));
    default: return NaN;
  }
}

// constant index range of each stack slot
export const SLOT_LO = memory.data(MAX_STACK * 4);
export const SLOT_HI = memory.data(MAX_STACK * 4);
@inline export function loAt(i: i32): i32 { return load<i32>(SLOT_LO + (<usize>i << 2)); }
@inline export function hiAt(i: i32): i32 { return load<i32>(SLOT_HI + (<usize>i << 2)); }
@inline export function setRange(i: i32, lo: i32, hi: i32): void {
  store<i32>(SLOT_LO + (<usize>i << 2), lo);
  store<i32>(SLOT_HI + (<usize>i << 2), hi);
}
/** The smallest range holding the ranges of slots ia and ib (an empty range holds nothing). */
@inline export function setUnion(ia: i32, ib: i32): void {
  const la = loAt(ia), ha = hiAt(ia), lb = loAt(ib), hb = hiAt(ib);
  if (la >= ha) setRange(ia, lb, hb);
  else if (lb < hb) setRange(ia, min(la, lb), max(ha, hb));
}

/**
 * Predictions to outPred[r], derivatives to outJac[c * nRows + r]. scratch needs (maxStack * (1 + nConsts)) f64.
 * Returns 1 when every value is finite, 0 otherwise.
 */
export function jacobianScalar(code: usize, consts: usize, len: i32, nConsts: i32, scratch: usize, outPred: usize, outJac: usize): i32 {
  const nc = <usize>nConsts;
  const slotBytes: usize = (1 + nc) << 3; // value, then nConsts tangents
  let allFinite = true;
  for (let r: i32 = 0; r < nRows; r++) {
    let sp: i32 = 0;
    for (let ip: i32 = 0; ip < len; ip++) {
      const at = code + (<usize>ip << 3);
      const opc = load<i32>(at);
      const arg = load<i32>(at, 4);
      if (opc == OP_CONST || opc == OP_FEATURE) {
        const s = scratch + <usize>sp * slotBytes;
        const v = opc == OP_CONST
          ? load<f64>(consts + (<usize>arg << 3))
          : load<f64>(dataX + ((<usize>arg * <usize>stride + <usize>r) << 3));
        store<f64>(s, v);
        if (opc == OP_CONST) {
          store<f64>(s + ((<usize>arg + 1) << 3), 1.0);
          setRange(sp, arg, arg + 1);
        } else {
          setRange(sp, 0, 0);
        }
        sp++;
      } else if (opc >= OP_NEG) {
        const s = scratch + <usize>(sp - 1) * slotBytes;
        const a = load<f64>(s);
        const v = foldUnary(opc, a);
        const g = unaryFactor(opc, a, v);
        store<f64>(s, v);
        for (let k = <usize>loAt(sp - 1); k < <usize>hiAt(sp - 1); k++) {
          const p = s + ((k + 1) << 3);
          const t = load<f64>(p);
          store<f64>(p, t == 0.0 ? 0.0 : t * g); // 0 x Infinity (sqrt, log, inv at 0) is 0
        }
      } else {
        const sa = scratch + <usize>(sp - 2) * slotBytes;
        const sb = sa + slotBytes;
        const ia = sp - 2;
        const ib = sp - 1;
        sp--;
        const a = load<f64>(sa);
        const b = load<f64>(sb);
        const v = foldBinary(opc, a, b);
        store<f64>(sa, v);
        const la = loAt(ia), ha = hiAt(ia), lb = loAt(ib), hb = hiAt(ib);
        setUnion(ia, ib);
        for (let k = loAt(ia); k < hiAt(ia); k++) {
          const pa = sa + (<usize>(k + 1) << 3);
          const ta = k >= la && k < ha ? load<f64>(pa) : 0.0;
          const tb = k >= lb && k < hb ? load<f64>(sb + (<usize>(k + 1) << 3)) : 0.0;
          let t: f64 = 0.0;
          switch (opc) {
            case OP_ADD: t = ta + tb; break;
            case OP_SUB: t = ta - tb; break;
            case OP_MUL: t = ta * b + a * tb; break;
            case OP_DIV: t = (ta - v * tb) / b; break;
            case OP_POW: {
              if (ta != 0.0) t += ta * (b * powS(a, b - 1.0));
              if (tb != 0.0 && v != 0.0) t += tb * (v * logS(a)); // d/db a^b is 0 where a^b is 0
              break;
            }
            case OP_MIN: t = a <= b ? ta : tb; break;
            case OP_MAX: t = a >= b ? ta : tb; break;
          }
          store<f64>(pa, t);
        }
      }
    }
    const v = load<f64>(scratch);
    store<f64>(outPred + (<usize>r << 3), v);
    if (!(v - v == 0.0)) allFinite = false;
    const lo = <usize>loAt(0), hi = <usize>hiAt(0);
    for (let k: usize = 0; k < nc; k++) {
      const d = k >= lo && k < hi ? load<f64>(scratch + ((k + 1) << 3)) : 0.0;
      store<f64>(outJac + ((k * <usize>nRows + <usize>r) << 3), d);
      if (!(d - d == 0.0)) allFinite = false;
    }
  }
  return allFinite ? 1 : 0;
}
