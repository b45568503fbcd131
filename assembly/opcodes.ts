// The one source of truth for opcode numbers. src/sr/expression/operators.ts mirrors it and a test
// (test/integration/wasm-kernel.test.ts, 'opcodes') checks the two against the values the module exports.
export const OP_CONST: i32 = 0;
export const OP_FEATURE: i32 = 1;
// binary
export const OP_ADD: i32 = 2;
export const OP_SUB: i32 = 3;
export const OP_MUL: i32 = 4;
export const OP_DIV: i32 = 5;
export const OP_POW: i32 = 6;
export const OP_MIN: i32 = 7;
export const OP_MAX: i32 = 8;
// unary
export const OP_NEG: i32 = 9;
export const OP_SQUARE: i32 = 10;
export const OP_CUBE: i32 = 11;
export const OP_SQRT: i32 = 12;
export const OP_CBRT: i32 = 13;
export const OP_EXP: i32 = 14;
export const OP_LOG: i32 = 15;
export const OP_ABS: i32 = 16;
export const OP_INV: i32 = 17;
export const OP_SIN: i32 = 18;
export const OP_COS: i32 = 19;
export const OP_TANH: i32 = 20;
export const OP_ASIN: i32 = 21;
export const OP_ACOS: i32 = 22;
export const OP_COUNT: i32 = 23;
