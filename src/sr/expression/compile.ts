/**
 * Tree -> postfix program. A program is a flat list of instructions `(opcode, arg)`:
 * `arg` is the feature index for OP_FEATURE, the constant index for OP_CONST, 0 otherwise.
 * Constants are numbered in postfix order, the order of `constantNodes(tree)`.
 */
import { SrError } from '../errors.js';
import { constantNodes, type Node } from './node.js';
import { OP_CONST, OP_FEATURE, operatorByName, operatorByOpcode } from './operators.js';
import { constant, feature, type Node as TreeNode } from './node.js';

/** Largest program the kernel accepts (instructions). */
export const MAX_PROGRAM_LENGTH = 1024;
/** Largest operand stack depth the kernel accepts. */
export const MAX_STACK_DEPTH = 64;

export interface Program {
  /** instruction pairs: code[2i] = opcode, code[2i+1] = arg */
  readonly code: Int32Array;
  readonly consts: Float64Array;
  /** number of instructions */
  readonly length: number;
  /** largest operand stack depth reached */
  readonly maxStack: number;
  /** number of features the program needs (largest feature index + 1) */
  readonly nFeaturesUsed: number;
}

// compile's postfix walk writes into these (grown when a tree needs more), so a compile makes no number[] and
// no array per node: only the program's own arrays, or views of an arena's slab (ProgramArena)
let codeScratch = new Int32Array(256);
let constScratch = new Float64Array(64);
let codeAt = 0;
let constAt = 0;
let depthNow = 0;
let maxStackNow = 0;
let featuresNow = 0;

function growCode(): void {
  const bigger = new Int32Array(2 * codeScratch.length);
  bigger.set(codeScratch);
  codeScratch = bigger;
}

function growConsts(): void {
  const bigger = new Float64Array(2 * constScratch.length);
  bigger.set(constScratch);
  constScratch = bigger;
}

function visit(node: Node): void {
  if (node.kind === 'const') {
    if (codeAt + 2 > codeScratch.length) growCode();
    if (constAt + 1 > constScratch.length) growConsts();
    codeScratch[codeAt++] = OP_CONST;
    codeScratch[codeAt++] = constAt;
    constScratch[constAt++] = node.value;
    depthNow++;
  } else if (node.kind === 'feature') {
    if (!Number.isInteger(node.index) || node.index < 0) {
      throw new SrError('INVALID_PROGRAM', `feature index ${node.index} is not a non-negative integer`);
    }
    if (codeAt + 2 > codeScratch.length) growCode();
    codeScratch[codeAt++] = OP_FEATURE;
    codeScratch[codeAt++] = node.index;
    if (node.index + 1 > featuresNow) featuresNow = node.index + 1;
    depthNow++;
  } else {
    const op = operatorByName(node.op);
    if (!op) throw new SrError('UNKNOWN_OPERATOR', `unknown operator "${node.op}"`);
    const children = node.children;
    if (children.length !== op.arity) {
      throw new SrError('INVALID_PROGRAM', `operator "${node.op}" takes ${op.arity} operand(s), got ${children.length}`);
    }
    for (let i = 0; i < children.length; i++) visit(children[i]);
    if (codeAt + 2 > codeScratch.length) growCode();
    codeScratch[codeAt++] = op.opcode;
    codeScratch[codeAt++] = 0;
    depthNow -= op.arity - 1;
  }
  if (depthNow > maxStackNow) maxStackNow = depthNow;
}

/** The postfix walk of `tree` into the scratch arrays, with compile's checks; returns the number of instructions. */
function walk(tree: Node): number {
  codeAt = 0;
  constAt = 0;
  depthNow = 0;
  maxStackNow = 0;
  featuresNow = 0;
  visit(tree);
  const length = codeAt / 2;
  if (length > MAX_PROGRAM_LENGTH) {
    throw new SrError('PROGRAM_TOO_LARGE', `program has ${length} instructions; the maximum is ${MAX_PROGRAM_LENGTH}`);
  }
  if (maxStackNow > MAX_STACK_DEPTH) {
    throw new SrError('PROGRAM_TOO_LARGE', `program needs a stack of ${maxStackNow}; the maximum is ${MAX_STACK_DEPTH}`);
  }
  return length;
}

export function compile(tree: Node): Program {
  const length = walk(tree);
  return { code: codeScratch.slice(0, 2 * length), consts: constScratch.slice(0, constAt), length, maxStack: maxStackNow, nFeaturesUsed: featuresNow };
}

/** bytes of one arena slab: room for at least eight of the largest programs (code and constants) */
const SLAB_BYTES = 1 << 17;

/**
 * Compiles into views of shared slabs: the same programs as `compile`, without an ArrayBuffer of their own each
 * (a search compiles every child; an allocation per program was a tenth of a search's time on 20 rows, most of
 * it the garbage collector's). A slab lives as long as any program in it, so an arena is for programs that die
 * young and stay inside the engine: never post or transfer such a program's buffers (serialise it instead).
 */
export class ProgramArena {
  private slab = new ArrayBuffer(SLAB_BYTES);
  private at = 0;
  private noConsts = new Float64Array(this.slab, 0, 0);

  /** Room for `length` instructions and `nConsts` constants: code pairs of i32, then f64 constants (8-byte aligned either way). */
  private take(length: number, nConsts: number): { code: Int32Array; consts: Float64Array } {
    const bytes = 8 * length + 8 * nConsts;
    if (bytes > SLAB_BYTES) return { code: new Int32Array(2 * length), consts: new Float64Array(nConsts) };
    if (this.at + bytes > SLAB_BYTES) {
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.at = 0;
      this.noConsts = new Float64Array(this.slab, 0, 0);
    }
    const code = new Int32Array(this.slab, this.at, 2 * length);
    this.at += 8 * length;
    let consts = this.noConsts;
    if (nConsts > 0) {
      consts = new Float64Array(this.slab, this.at, nConsts);
      this.at += 8 * nConsts;
    }
    return { code, consts };
  }

  /** What `compile(tree)` gives, in this arena. */
  compile(tree: Node): Program {
    const length = walk(tree);
    const { code, consts } = this.take(length, constAt);
    for (let i = 0; i < 2 * length; i++) code[i] = codeScratch[i];
    for (let i = 0; i < consts.length; i++) consts[i] = constScratch[i];
    return { code, consts, length, maxStack: maxStackNow, nFeaturesUsed: featuresNow };
  }

  /** Copies of code pairs and constants in this arena (as Int32Array.from and Float64Array.from would make them). */
  copy(code: ArrayLike<number>, consts: ArrayLike<number>): { code: Int32Array; consts: Float64Array } {
    if (code.length % 2 !== 0) return { code: Int32Array.from(code), consts: Float64Array.from(consts) }; // not pairs: not a program
    const out = this.take(code.length / 2, consts.length);
    for (let i = 0; i < code.length; i++) out.code[i] = code[i];
    for (let i = 0; i < consts.length; i++) out.consts[i] = consts[i];
    return out;
  }
}

/** Postfix program -> tree (the inverse of `compile`). */
export function decompile(program: Program): TreeNode {
  const stack: TreeNode[] = [];
  for (let i = 0; i < program.length; i++) {
    const opcode = program.code[2 * i];
    const arg = program.code[2 * i + 1];
    if (opcode === OP_CONST) stack.push(constant(program.consts[arg]));
    else if (opcode === OP_FEATURE) stack.push(feature(arg));
    else {
      const op = operatorByOpcode(opcode);
      if (!op) throw new SrError('UNKNOWN_OPERATOR', `unknown opcode ${opcode}`);
      if (stack.length < op.arity) throw new SrError('INVALID_PROGRAM', `stack underflow at instruction ${i}`);
      const children = stack.splice(stack.length - op.arity, op.arity);
      stack.push({ kind: 'op', op: op.name, children });
    }
  }
  if (stack.length !== 1) throw new SrError('INVALID_PROGRAM', `program leaves ${stack.length} values on the stack`);
  return stack[0];
}

/** Write constants (postfix order) back into a tree, in place. */
export function setConstants(tree: Node, values: ArrayLike<number>): void {
  const nodes = constantNodes(tree);
  if (nodes.length !== values.length) {
    throw new SrError('INVALID_PROGRAM', `tree has ${nodes.length} constants, got ${values.length} values`);
  }
  for (let i = 0; i < nodes.length; i++) nodes[i].value = values[i];
}
