// The dataset the kernel evaluates over. TypeScript owns the memory layout and hands in pointers.
// Feature-major: X[f * stride + r]; stride is nRows rounded up to a whole number of f64x2 pairs, the padding
// rows repeat the last row (so a padded lane never raises a non-finite flag that a real row would not).

export let dataX: usize = 0;
export let dataY: usize = 0;
export let dataW: usize = 0; // 0: unweighted
export let dataLogY: usize = 0; // log(y) (mathlib), for msle
export let dataInvAbsY: usize = 0; // 1 / |y|, for mape
export let nRows: i32 = 0;
// f32 copies of the feature columns for the f32x4 path (0 until set), stride a multiple of 4, padding rows
// repeating the last row
export let dataX32: usize = 0;
export let stride32: i32 = 0;
export let stride: i32 = 0;
export let sumW: f64 = 0.0;

// rows per block: a block of every stack slot stays in L1
export const BLOCK: i32 = 256;
export const BLOCK_BYTES: usize = <usize>BLOCK << 3;
export const MAX_STACK: i32 = 64;
