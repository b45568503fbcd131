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

export function compile(tree: Node): Program {
  const code: number[] = [];
  const consts: number[] = [];
  let depth = 0;
  let maxStack = 0;
  let nFeaturesUsed = 0;
  const visit = (node: Node): void => {
    if (node.kind === 'const') {
      code.push(OP_CONST, consts.length);
      consts.push(node.value);
      depth++;
    } else if (node.kind === 'feature') {
      if (!Number.isInteger(node.index) || node.index < 0) {
        throw new SrError('INVALID_PROGRAM', `feature index ${node.index} is not a non-negative integer`);
      }
      code.push(OP_FEATURE, node.index);
      nFeaturesUsed = Math.max(nFeaturesUsed, node.index + 1);
      depth++;
    } else {
      const op = operatorByName(node.op);
      if (!op) throw new SrError('UNKNOWN_OPERATOR', `unknown operator "${node.op}"`);
      if (node.children.length !== op.arity) {
        throw new SrError('INVALID_PROGRAM', `operator "${node.op}" takes ${op.arity} operand(s), got ${node.children.length}`);
      }
      for (const c of node.children) visit(c);
      code.push(op.opcode, 0);
      depth -= op.arity - 1;
    }
    if (depth > maxStack) maxStack = depth;
  };
  visit(tree);
  const length = code.length / 2;
  if (length > MAX_PROGRAM_LENGTH) {
    throw new SrError('PROGRAM_TOO_LARGE', `program has ${length} instructions; the maximum is ${MAX_PROGRAM_LENGTH}`);
  }
  if (maxStack > MAX_STACK_DEPTH) {
    throw new SrError('PROGRAM_TOO_LARGE', `program needs a stack of ${maxStack}; the maximum is ${MAX_STACK_DEPTH}`);
  }
  return { code: Int32Array.from(code), consts: Float64Array.from(consts), length, maxStack, nFeaturesUsed };
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
