// The f32x4 path (precision 'f32'): postfix program evaluation over one block of rows, four rows per lane group,
// on f32 copies of the feature columns. The structure is that of assembly/eval.ts (slots, folding constants in
// f64, the same non-finite checks at the same operators, with f32 overflow counting as non-finite).
//
// + - * / min max neg square cube sqrt abs inv are native f32x4 operations (IEEE single, correctly rounded).
// exp, log, sin, cos, cbrt, tanh and pow are computed by the f64x2 functions of assembly/vmath.ts on the values
// widened to f64, then rounded to f32: error at most half an f32 ulp beyond that of the f64 function (about 1 ulp).
// The loss (assembly/loss.ts) widens the predictions to f64 and accumulates in f64.
import {
  OP_CONST, OP_FEATURE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_MIN, OP_MAX, OP_NEG, OP_SQUARE, OP_CUBE,
  OP_SQRT, OP_ABS, OP_INV,
} from './opcodes';
import { dataX32, stride32, BLOCK, MAX_STACK } from './data';
import { foldUnary, foldBinary, unaryV, binaryV } from './eval';

const KIND_VEC: i32 = 0;
const KIND_CONST: i32 = 1;
const SLOT_KIND = memory.data(MAX_STACK * 4);
const SLOT_PTR = memory.data(MAX_STACK * 8);
const SLOT_VAL = memory.data(MAX_STACK * 8);
const BLOCK32_BYTES: usize = <usize>BLOCK << 2;
const BLOCK64_BYTES: usize = <usize>BLOCK << 3;

// the result of the last evaluation: a constant (f64) or a block of f32
export let result32IsConst: bool = false;
export let result32Ptr: usize = 0;
export let result32Val: f64 = 0.0;

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
@inline function checkV(bad: v128, x: v128): v128 { return f32x4.add(bad, f32x4.mul(x, f32x4.splat(0.0))); }
@inline function clean(bad: v128): bool { return !v128.any_true(f32x4.ne(bad, f32x4.splat(0.0))); }

/** Widens nb32 bytes of f32 at src to f64 at out. */
export function widen(src: usize, out: usize, nb32: usize): void {
  for (let i: usize = 0; i < nb32; i += 16) {
    const v = v128.load(src + i);
    v128.store(out + (i << 1), f64x2.promote_low_f32x4(v));
    v128.store(out + (i << 1) + 16, f64x2.promote_low_f32x4(i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)));
  }
}

/** Rounds the f64 at src to f32 at out (nb32 bytes of output). */
function narrow(src: usize, out: usize, nb32: usize): void {
  for (let i: usize = 0; i < nb32; i += 16) {
    const lo = f32x4.demote_f64x2_zero(v128.load(src + (i << 1)));
    const hi = f32x4.demote_f64x2_zero(v128.load(src + (i << 1) + 16));
    v128.store(out + i, i8x16.shuffle(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
  }
}

function unary32(opc: i32, src: usize, out: usize, nb: usize, check: bool, tmp: usize): bool {
  let bad = f32x4.splat(0.0);
  switch (opc) {
    case OP_NEG: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f32x4.neg(v128.load(src + i))); break;
    case OP_SQUARE: for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(src + i); v128.store(out + i, f32x4.mul(a, a)); } break;
    case OP_CUBE: for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(src + i); v128.store(out + i, f32x4.mul(f32x4.mul(a, a), a)); } break;
    case OP_SQRT: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f32x4.sqrt(v128.load(src + i))); break;
    case OP_ABS: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f32x4.abs(v128.load(src + i))); break;
    case OP_INV: {
      const one = f32x4.splat(1.0);
      for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(src + i); bad = checkV(bad, a); v128.store(out + i, f32x4.div(one, a)); }
      break;
    }
    default: {
      // exp, log, sin, cos, cbrt, tanh: in f64 (with its checks), rounded to f32
      widen(src, tmp, nb);
      const ok = unaryV(opc, tmp, tmp, nb << 1, check);
      narrow(tmp, out, nb);
      return ok;
    }
  }
  return !check || clean(bad);
}

function binary32(opc: i32, pa: usize, pb: usize, c: f64, aIsConst: bool, bIsConst: bool, out: usize, nb: usize, check: bool, tmp: usize): bool {
  let bad = f32x4.splat(0.0);
  const cf = <f32>c;
  const cv = f32x4.splat(cf);
  if (opc == OP_POW) {
    // in f64 on the widened operands (a constant operand rounded to f32 first), rounded to f32
    const tmpB = tmp + (nb << 1);
    if (!aIsConst) widen(pa, tmp, nb);
    if (!bIsConst) widen(pb, tmpB, nb);
    const ok = binaryV(OP_POW, tmp, tmpB, <f64>cf, aIsConst, bIsConst, tmp, nb << 1, check);
    narrow(tmp, out, nb);
    return ok;
  }
  if (!aIsConst && !bIsConst) {
    switch (opc) {
      case OP_ADD: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f32x4.add(v128.load(pa + i), v128.load(pb + i))); break;
      case OP_SUB: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f32x4.sub(v128.load(pa + i), v128.load(pb + i))); break;
      case OP_MUL: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f32x4.mul(v128.load(pa + i), v128.load(pb + i))); break;
      case OP_DIV: for (let i: usize = 0; i < nb; i += 16) { const b = v128.load(pb + i); bad = checkV(bad, b); v128.store(out + i, f32x4.div(v128.load(pa + i), b)); } break;
      case OP_MIN: for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(pa + i); const b = v128.load(pb + i); bad = checkV(checkV(bad, a), b); v128.store(out + i, f32x4.min(a, b)); } break;
      case OP_MAX: for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(pa + i); const b = v128.load(pb + i); bad = checkV(checkV(bad, a), b); v128.store(out + i, f32x4.max(a, b)); } break;
    }
  } else {
    // the constant, rounded to f32, must be finite in f32
    if (check && !finite(<f64>cf)) return false;
    if (bIsConst) {
      switch (opc) {
        case OP_ADD: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f32x4.add(v128.load(pa + i), cv)); break;
        case OP_SUB: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f32x4.sub(v128.load(pa + i), cv)); break;
        case OP_MUL: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f32x4.mul(v128.load(pa + i), cv)); break;
        case OP_DIV: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f32x4.div(v128.load(pa + i), cv)); break;
        case OP_MIN: for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(pa + i); bad = checkV(bad, a); v128.store(out + i, f32x4.min(a, cv)); } break;
        case OP_MAX: for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(pa + i); bad = checkV(bad, a); v128.store(out + i, f32x4.max(a, cv)); } break;
      }
    } else {
      switch (opc) {
        case OP_ADD: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f32x4.add(cv, v128.load(pb + i))); break;
        case OP_SUB: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f32x4.sub(cv, v128.load(pb + i))); break;
        case OP_MUL: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f32x4.mul(cv, v128.load(pb + i))); break;
        case OP_DIV: for (let i: usize = 0; i < nb; i += 16) { const b = v128.load(pb + i); bad = checkV(bad, b); v128.store(out + i, f32x4.div(cv, b)); } break;
        case OP_MIN: for (let i: usize = 0; i < nb; i += 16) { const b = v128.load(pb + i); bad = checkV(bad, b); v128.store(out + i, f32x4.min(cv, b)); } break;
        case OP_MAX: for (let i: usize = 0; i < nb; i += 16) { const b = v128.load(pb + i); bad = checkV(bad, b); v128.store(out + i, f32x4.max(cv, b)); } break;
      }
    }
  }
  return !check || clean(bad);
}

/**
 * Evaluate one program over rows [row0, row0 + nRowsBlock) (nRowsBlock a multiple of 4) in f32. scratch:
 * MAX_STACK x BLOCK f32 for the slots, then 2 x BLOCK f64 of temporaries. With `check`, returns false as soon as
 * a non-finite value is certain; the result is in result32IsConst / result32Ptr / result32Val.
 */
export function evalBlock32(code: usize, consts: usize, len: i32, row0: i32, nRowsBlock: i32, scratch: usize, check: bool): bool {
  let sp: i32 = 0;
  const nb: usize = <usize>nRowsBlock << 2;
  const tmp = scratch + <usize>MAX_STACK * BLOCK32_BYTES;
  for (let ip: i32 = 0; ip < len; ip++) {
    const at = code + (<usize>ip << 3);
    const opc = load<i32>(at);
    const arg = load<i32>(at, 4);
    if (opc == OP_CONST) {
      const v = load<f64>(consts + (<usize>arg << 3));
      if (check && !finite(v)) return false;
      setConst(sp++, v);
    } else if (opc == OP_FEATURE) {
      setVec(sp++, dataX32 + ((<usize>arg * <usize>stride32 + <usize>row0) << 2));
    } else if (opc >= OP_NEG) {
      const i = sp - 1;
      if (kindAt(i) == KIND_CONST) {
        const v = foldUnary(opc, valAt(i));
        if (check && !finite(v)) return false;
        setConst(i, v);
      } else {
        const out = scratch + <usize>i * BLOCK32_BYTES;
        if (!unary32(opc, ptrAt(i), out, nb, check, tmp)) return false;
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
        const out = scratch + <usize>ia * BLOCK32_BYTES;
        const c = aConst ? valAt(ia) : bConst ? valAt(ib) : 0.0;
        const pa: usize = aConst ? 0 : ptrAt(ia);
        const pb: usize = bConst ? 0 : ptrAt(ib);
        if (!binary32(opc, pa, pb, c, aConst, bConst, out, nb, check, tmp)) return false;
        setVec(ia, out);
      }
    }
  }
  result32IsConst = kindAt(0) == KIND_CONST;
  result32Ptr = result32IsConst ? 0 : ptrAt(0);
  result32Val = result32IsConst ? valAt(0) : 0.0;
  return true;
}

/** Where the loss widens a result block: after the temporaries of evalBlock32. */
export function widenBuffer(scratch: usize): usize {
  return scratch + <usize>MAX_STACK * BLOCK32_BYTES + 2 * BLOCK64_BYTES;
}
