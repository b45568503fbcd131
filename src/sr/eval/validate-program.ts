/** Program checks shared by every evaluator. */
import { SrError } from '../errors.js';
import { MAX_PROGRAM_LENGTH, MAX_STACK_DEPTH, type Program } from '../expression/compile.js';
import { OP_CONST, OP_FEATURE, OPCODE_COUNT, operatorByOpcode } from '../expression/operators.js';

/**
 * Checks a program before it reaches the kernel: known opcodes, feature and constant indices in range, a stack
 * that never underflows and ends with one value, and the size limits of the compiler.
 */
export function validateProgram(program: Program, nFeatures: number, index: number): void {
  const where = `program ${index}`;
  const { code, consts, length } = program;
  if (!Number.isInteger(length) || length < 1 || code.length < 2 * length) {
    throw new SrError('INVALID_PROGRAM', `${where} has no instructions or a code array shorter than its length`);
  }
  if (length > MAX_PROGRAM_LENGTH) {
    throw new SrError('PROGRAM_TOO_LARGE', `${where} has ${length} instructions; the maximum is ${MAX_PROGRAM_LENGTH}`);
  }
  let depth = 0;
  let maxDepth = 0;
  for (let i = 0; i < length; i++) {
    const opc = code[2 * i];
    const arg = code[2 * i + 1];
    if (opc === OP_CONST) {
      if (arg < 0 || arg >= consts.length) throw new SrError('INVALID_PROGRAM', `${where}: constant index ${arg} out of range (it has ${consts.length})`);
      depth++;
    } else if (opc === OP_FEATURE) {
      if (arg < 0 || arg >= nFeatures) throw new SrError('INVALID_PROGRAM', `${where}: feature index ${arg} out of range (the data has ${nFeatures} features)`);
      depth++;
    } else {
      const op = opc >= 0 && opc < OPCODE_COUNT ? operatorByOpcode(opc) : undefined;
      if (!op) throw new SrError('UNKNOWN_OPERATOR', `${where}: unknown opcode ${opc} at instruction ${i}`);
      if (depth < op.arity) throw new SrError('INVALID_PROGRAM', `${where}: stack underflow at instruction ${i} (${op.name})`);
      depth -= op.arity - 1;
    }
    if (depth > maxDepth) maxDepth = depth;
  }
  if (depth !== 1) throw new SrError('INVALID_PROGRAM', `${where} leaves ${depth} values on the stack; expected 1`);
  if (maxDepth > MAX_STACK_DEPTH) {
    throw new SrError('PROGRAM_TOO_LARGE', `${where} needs a stack of ${maxDepth}; the maximum is ${MAX_STACK_DEPTH}`);
  }
  if (program.maxStack < maxDepth) throw new SrError('INVALID_PROGRAM', `${where} declares maxStack ${program.maxStack} but needs ${maxDepth}`);
}
