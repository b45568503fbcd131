// Postfix program evaluation over one block of rows.
//
// The operand stack holds slots: a vector (a pointer to BLOCK rows: a feature column of the dataset, or the
// scratch buffer of that stack position) or a scalar constant. Leaves cost nothing: a feature pushes a pointer,
// a constant pushes its value; operators on two scalars fold. Results go to the scratch buffer of the stack
// position they occupy.
//
// Non-finite detection (loss mode): every non-finite value either reaches the program's output or enters an
// operator that can turn it finite again (the divisor of `/`, inv, exp, tanh, min, max, pow); those inputs are
// checked, constants are checked when pushed and folded, and the output is checked by the loss. So a program
// has a non-finite intermediate on some row exactly when this evaluation reports it.
import {
  OP_CONST, OP_FEATURE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_MIN, OP_MAX, OP_NEG, OP_SQUARE, OP_CUBE,
  OP_SQRT, OP_CBRT, OP_EXP, OP_LOG, OP_ABS, OP_INV, OP_SIN, OP_COS, OP_TANH,
} from './opcodes';
import { dataX, stride, BLOCK_BYTES } from './data';
import { arithLoop, fusable, fusedV } from './fused';
import { expS, logS, sinS, cosS, tanhS, cbrtS, powS } from './mathlib';
import {
  expSpecial, expFast, logSpecial, logFast, trigSpecial, sinCosFast, tanhV, cbrtSpecial, cbrtFast, zeroV, powIntLanes,
  powExponent, powSpecial, powFast,
} from './vmath';

const KIND_VEC: i32 = 0;
const KIND_CONST: i32 = 1;
const SLOT_KIND = memory.data(64 * 4);
const SLOT_PTR = memory.data(64 * 8);
const SLOT_VAL = memory.data(64 * 8);
// lanes of the current unary loop that need the scalar function: pair offset and argument
const SIDE_OFF = memory.data(128 * 4);
const SIDE_X = memory.data(128 * 16);
const SIDE_Y = memory.data(128 * 16);

// the result of the last evaluation
export let resultIsConst: bool = false;
export let resultPtr: usize = 0;
export let resultVal: f64 = 0.0;

/** Sets the result of the last evaluation (the f32 path hands its widened result to the loss this way). */
export function setResult(isConst: bool, ptr: usize, val: f64): void {
  resultIsConst = isConst;
  resultPtr = ptr;
  resultVal = val;
}

@inline function kindAt(i: i32): i32 { return load<i32>(SLOT_KIND + (<usize>i << 2)); }
@inline function ptrAt(i: i32): usize { return load<usize>(SLOT_PTR + (<usize>i << 3)); }
@inline function valAt(i: i32): f64 { return load<f64>(SLOT_VAL + (<usize>i << 3)); }
@inline function setVec(i: i32, p: usize): void {
  store<i32>(SLOT_KIND + (<usize>i << 2), KIND_VEC);
  store<usize>(SLOT_PTR + (<usize>i << 3), p);
}
@inline function setConst(i: i32, v: f64): void {
  store<i32>(SLOT_KIND + (<usize>i << 2), KIND_CONST);
  store<f64>(SLOT_VAL + (<usize>i << 3), v);
}
@inline function finite(v: f64): bool { return v - v == 0.0; }

export function foldUnary(opc: i32, a: f64): f64 {
  switch (opc) {
    case OP_NEG: return -a;
    case OP_SQUARE: return a * a;
    case OP_CUBE: return a * a * a;
    case OP_SQRT: return Math.sqrt(a);
    case OP_CBRT: return cbrtS(a);
    case OP_EXP: return expS(a);
    case OP_LOG: return logS(a);
    case OP_ABS: return Math.abs(a);
    case OP_INV: return 1.0 / a;
    case OP_SIN: return sinS(a);
    case OP_COS: return cosS(a);
    case OP_TANH: return tanhS(a);
    default: return NaN;
  }
}

export function foldBinary(opc: i32, a: f64, b: f64): f64 {
  switch (opc) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return a / b;
    case OP_POW: return powS(a, b);
    case OP_MIN: return Math.min(a, b);
    case OP_MAX: return Math.max(a, b);
    default: return NaN;
  }
}

// ---------------------------------------------------------------- SIMD path

@inline function checkV(bad: v128, x: v128): v128 { return f64x2.add(bad, f64x2.mul(x, zeroV())); }

@inline function special(opc: i32, a: v128): v128 {
  if (opc == OP_EXP) return expSpecial(a);
  if (opc == OP_LOG) return logSpecial(a);
  if (opc == OP_CBRT) return cbrtSpecial(a);
  return trigSpecial(a);
}

@inline function fast(opc: i32, a: v128): v128 {
  if (opc == OP_EXP) return expFast(a);
  if (opc == OP_LOG) return logFast(a);
  if (opc == OP_CBRT) return cbrtFast(a);
  return sinCosFast(a, opc == OP_COS);
}

// exp, log, cbrt, sin, cos: the fast path in the loop; pairs with a special lane are noted and redone by the
// scalar function after the loop (nb <= BLOCK rows, so at most 128 pairs are noted)
@inline function transcendentalV(opc: i32, src: usize, out: usize, nb: usize, check: bool): bool {
  let bad = zeroV();
  let nSide: usize = 0;
  for (let i: usize = 0; i < nb; i += 16) {
    const a = v128.load(src + i);
    if (opc == OP_EXP) bad = checkV(bad, a);
    if (v128.any_true(special(opc, a))) {
      store<u32>(SIDE_OFF + (nSide << 2), <u32>i);
      v128.store(SIDE_X + (nSide << 4), a);
      nSide++;
    }
    v128.store(out + i, fast(opc, a));
  }
  for (let k: usize = 0; k < nSide; k++) {
    const o = out + <usize>load<u32>(SIDE_OFF + (k << 2));
    const a = SIDE_X + (k << 4);
    store<f64>(o, foldUnary(opc, load<f64>(a)));
    store<f64>(o, foldUnary(opc, load<f64>(a, 8)), 8);
  }
  if (!check) return true;
  return f64x2.extract_lane(bad, 0) == 0.0 && f64x2.extract_lane(bad, 1) == 0.0;
}

// pow: powFast in the loop, pairs with a special lane redone by powS after it (like transcendentalV)
@inline function powLoopV(pa: usize, pb: usize, cv: v128, aIsConst: bool, bIsConst: bool, out: usize, nb: usize, check: bool): bool {
  let bad = zeroV();
  let nSide: usize = 0;
  for (let i: usize = 0; i < nb; i += 16) {
    const a = aIsConst ? cv : v128.load(pa + i);
    const b = bIsConst ? cv : v128.load(pb + i);
    if (!aIsConst) bad = checkV(bad, a);
    if (!bIsConst) bad = checkV(bad, b);
    const intLanes = powIntLanes(b);
    const t = powExponent(a, b);
    if (v128.any_true(powSpecial(a, b, t, intLanes))) {
      store<u32>(SIDE_OFF + (nSide << 2), <u32>i);
      v128.store(SIDE_X + (nSide << 4), a);
      v128.store(SIDE_Y + (nSide << 4), b);
      nSide++;
    }
    v128.store(out + i, powFast(a, b, t, intLanes));
  }
  for (let k: usize = 0; k < nSide; k++) {
    const o = out + <usize>load<u32>(SIDE_OFF + (k << 2));
    const x = SIDE_X + (k << 4);
    const y = SIDE_Y + (k << 4);
    store<f64>(o, powS(load<f64>(x), load<f64>(y)));
    store<f64>(o, powS(load<f64>(x, 8), load<f64>(y, 8)), 8);
  }
  if (!check) return true;
  return f64x2.extract_lane(bad, 0) == 0.0 && f64x2.extract_lane(bad, 1) == 0.0;
}

export function unaryV(opc: i32, src: usize, out: usize, nb: usize, check: bool): bool {
  let bad = zeroV();
  switch (opc) {
    case OP_EXP: return transcendentalV(OP_EXP, src, out, nb, check);
    case OP_LOG: return transcendentalV(OP_LOG, src, out, nb, check);
    case OP_SIN: return transcendentalV(OP_SIN, src, out, nb, check);
    case OP_COS: return transcendentalV(OP_COS, src, out, nb, check);
    case OP_CBRT: return transcendentalV(OP_CBRT, src, out, nb, check);
    case OP_NEG: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f64x2.neg(v128.load(src + i))); break;
    case OP_SQUARE: for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(src + i); v128.store(out + i, f64x2.mul(a, a)); } break;
    case OP_CUBE: for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(src + i); v128.store(out + i, f64x2.mul(f64x2.mul(a, a), a)); } break;
    case OP_SQRT: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f64x2.sqrt(v128.load(src + i))); break;
    case OP_ABS: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f64x2.abs(v128.load(src + i))); break;
    case OP_INV: for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(src + i); bad = checkV(bad, a); v128.store(out + i, f64x2.div(f64x2.splat(1.0), a)); } break;
    case OP_TANH: for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(src + i); bad = checkV(bad, a); v128.store(out + i, tanhV(a)); } break;
  }
  if (!check) return true;
  return f64x2.extract_lane(bad, 0) == 0.0 && f64x2.extract_lane(bad, 1) == 0.0;
}

// a and b are vectors (pa, pb), or one of them is the scalar c (aIsConst / bIsConst)
export function binaryV(opc: i32, pa: usize, pb: usize, c: f64, aIsConst: bool, bIsConst: bool, out: usize, nb: usize, check: bool): bool {
  let bad = f64x2.splat(0.0);
  const cv = f64x2.splat(c);
  // a kind-specialised loop per operator: the operand kinds do not change inside the loop
  if (!aIsConst && !bIsConst) {
    switch (opc) {
      case OP_ADD: bad = arithLoop(OP_ADD, false, false, pa, pb, cv, out, nb); break;
      case OP_SUB: bad = arithLoop(OP_SUB, false, false, pa, pb, cv, out, nb); break;
      case OP_MUL: bad = arithLoop(OP_MUL, false, false, pa, pb, cv, out, nb); break;
      case OP_DIV: bad = arithLoop(OP_DIV, false, false, pa, pb, cv, out, nb); break;
      case OP_MIN: for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(pa + i); const b = v128.load(pb + i); bad = checkV(checkV(bad, a), b); v128.store(out + i, f64x2.min(a, b)); } break;
      case OP_MAX: for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(pa + i); const b = v128.load(pb + i); bad = checkV(checkV(bad, a), b); v128.store(out + i, f64x2.max(a, b)); } break;
      case OP_POW: return powLoopV(pa, pb, cv, false, false, out, nb, check);
    }
  } else if (bIsConst) {
    switch (opc) {
      case OP_ADD: bad = arithLoop(OP_ADD, false, true, pa, pb, cv, out, nb); break;
      case OP_SUB: bad = arithLoop(OP_SUB, false, true, pa, pb, cv, out, nb); break;
      case OP_MUL: bad = arithLoop(OP_MUL, false, true, pa, pb, cv, out, nb); break;
      case OP_DIV: bad = arithLoop(OP_DIV, false, true, pa, pb, cv, out, nb); break;
      case OP_MIN: for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(pa + i); bad = checkV(bad, a); v128.store(out + i, f64x2.min(a, cv)); } break;
      case OP_MAX: for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(pa + i); bad = checkV(bad, a); v128.store(out + i, f64x2.max(a, cv)); } break;
      case OP_POW: return powLoopV(pa, pb, cv, false, true, out, nb, check);
    }
  } else {
    switch (opc) {
      case OP_ADD: bad = arithLoop(OP_ADD, true, false, pa, pb, cv, out, nb); break;
      case OP_SUB: bad = arithLoop(OP_SUB, true, false, pa, pb, cv, out, nb); break;
      case OP_MUL: bad = arithLoop(OP_MUL, true, false, pa, pb, cv, out, nb); break;
      case OP_DIV: bad = arithLoop(OP_DIV, true, false, pa, pb, cv, out, nb); break;
      case OP_MIN: for (let i: usize = 0; i < nb; i += 16) { const b = v128.load(pb + i); bad = checkV(bad, b); v128.store(out + i, f64x2.min(cv, b)); } break;
      case OP_MAX: for (let i: usize = 0; i < nb; i += 16) { const b = v128.load(pb + i); bad = checkV(bad, b); v128.store(out + i, f64x2.max(cv, b)); } break;
      case OP_POW: return powLoopV(pa, pb, cv, true, false, out, nb, check);
    }
  }
  if (!check) return true;
  return f64x2.extract_lane(bad, 0) == 0.0 && f64x2.extract_lane(bad, 1) == 0.0;
}

// ---------------------------------------------------------------- scalar path

function unaryS(opc: i32, src: usize, out: usize, nb: usize, check: bool): bool {
  let bad: f64 = 0.0;
  const absorbing = opc == OP_INV || opc == OP_EXP || opc == OP_TANH;
  for (let i: usize = 0; i < nb; i += 8) {
    const a = load<f64>(src + i);
    if (absorbing) bad += a * 0.0;
    store<f64>(out + i, foldUnary(opc, a));
  }
  return !check || bad == 0.0;
}

function binaryS(opc: i32, pa: usize, pb: usize, c: f64, aIsConst: bool, bIsConst: bool, out: usize, nb: usize, check: bool): bool {
  let bad: f64 = 0.0;
  const checkA = opc == OP_MIN || opc == OP_MAX || opc == OP_POW;
  const checkB = checkA || opc == OP_DIV;
  for (let i: usize = 0; i < nb; i += 8) {
    const a = aIsConst ? c : load<f64>(pa + i);
    const b = bIsConst ? c : load<f64>(pb + i);
    if (checkA && !aIsConst) bad += a * 0.0;
    if (checkB && !bIsConst) bad += b * 0.0;
    store<f64>(out + i, foldBinary(opc, a, b));
  }
  return !check || bad == 0.0;
}

// ---------------------------------------------------------------- the interpreter

/**
 * Evaluate one program over rows [row0, row0 + nRowsBlock) of the dataset (nRowsBlock even on the SIMD path).
 * With `check`, returns false as soon as a non-finite value is certain; the result is in resultIsConst /
 * resultPtr / resultVal.
 */
export function evalBlock(code: usize, consts: usize, len: i32, row0: i32, nRowsBlock: i32, scratch: usize, simd: bool, check: bool): bool {
  let sp: i32 = 0;
  const nb: usize = <usize>nRowsBlock << 3;
  for (let ip: i32 = 0; ip < len; ip++) {
    const at = code + (<usize>ip << 3);
    const opc = load<i32>(at);
    const arg = load<i32>(at, 4);
    if (opc == OP_CONST) {
      const v = load<f64>(consts + (<usize>arg << 3));
      if (check && !finite(v)) return false;
      setConst(sp++, v);
    } else if (opc == OP_FEATURE) {
      setVec(sp++, dataX + ((<usize>arg * <usize>stride + <usize>row0) << 3));
    } else if (opc >= OP_NEG) {
      const i = sp - 1;
      if (kindAt(i) == KIND_CONST) {
        const v = foldUnary(opc, valAt(i));
        if (check && !finite(v)) return false;
        setConst(i, v);
      } else {
        const out = scratch + <usize>i * BLOCK_BYTES;
        const ok = simd ? unaryV(opc, ptrAt(i), out, nb, check) : unaryS(opc, ptrAt(i), out, nb, check);
        if (!ok) return false;
        setVec(i, out);
      }
    } else {
      const ia = sp - 2;
      const ib = sp - 1;
      sp--;
      const aConst = kindAt(ia) == KIND_CONST;
      const bConst = kindAt(ib) == KIND_CONST;
      if (aConst && bConst) {
        const v = foldBinary(opc, valAt(ia), valAt(ib));
        if (check && !finite(v)) return false;
        setConst(ia, v);
      } else {
        const out = scratch + <usize>ia * BLOCK_BYTES;
        const c = aConst ? valAt(ia) : bConst ? valAt(ib) : 0.0;
        const pa: usize = aConst ? 0 : ptrAt(ia);
        const pb: usize = bConst ? 0 : ptrAt(ib);
        // `a b op1 leaf op2` with arithmetic op1, op2: one fused loop (assembly/fused.ts)
        if (simd && ip + 2 < len && fusable(opc)) {
          const leafOpc = load<i32>(at, 8);
          const opc2 = load<i32>(at, 16);
          if ((leafOpc == OP_CONST || leafOpc == OP_FEATURE) && fusable(opc2)) {
            const leafArg = load<i32>(at, 12);
            const lConst = leafOpc == OP_CONST;
            const cl = lConst ? load<f64>(consts + (<usize>leafArg << 3)) : 0.0;
            if (check && lConst && !finite(cl)) return false;
            const pl: usize = lConst ? 0 : dataX + ((<usize>leafArg * <usize>stride + <usize>row0) << 3);
            if (!fusedV(opc, opc2, false, pa, pb, c, aConst, bConst, pl, cl, lConst, out, nb, check)) return false;
            setVec(ia, out);
            ip += 2;
            continue;
          }
        }
        // `l a b op1 op2` with arithmetic op1, op2: l op2 (a op1 b) in one loop, into l's slot
        if (simd && ia > 0 && ip + 1 < len && fusable(opc) && fusable(load<i32>(at, 8))) {
          const il = ia - 1;
          const lConst = kindAt(il) == KIND_CONST;
          const outL = scratch + <usize>il * BLOCK_BYTES;
          if (!fusedV(opc, load<i32>(at, 8), true, pa, pb, c, aConst, bConst, lConst ? 0 : ptrAt(il), lConst ? valAt(il) : 0.0, lConst, outL, nb, check)) return false;
          setVec(il, outL);
          sp--;
          ip += 1;
          continue;
        }
        const ok = simd
          ? binaryV(opc, pa, pb, c, aConst, bConst, out, nb, check)
          : binaryS(opc, pa, pb, c, aConst, bConst, out, nb, check);
        if (!ok) return false;
        setVec(ia, out);
      }
    }
  }
  resultIsConst = kindAt(0) == KIND_CONST;
  resultPtr = resultIsConst ? 0 : ptrAt(0);
  resultVal = resultIsConst ? valAt(0) : 0.0;
  return true;
}
