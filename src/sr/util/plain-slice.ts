/**
 * a[from, to) as a plain array, element by element (Array.from of a subarray makes a view and runs its iterator:
 * on the search's hot path, serialising members, that cost more than the copy).
 */
export function plainSlice(a: Int32Array | Float64Array, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(a[i]);
  return out;
}
