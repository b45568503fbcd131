/**
 * FNV-1a (32-bit) of a string: a fast, stable, non-cryptographic hash for deterministic splits and fingerprints
 * (which half a series falls in, the order of cross-fitting folds, a training set's memo key). Continue a hash over
 * several strings by passing the previous value as `h`.
 */
export function fnv1a(text: string, h = 0x811c9dc5): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The keys ordered by their FNV-1a hash (ties by key): a stable shuffle without a seed for splitting them into groups. */
export function byHash(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => fnv1a(a) - fnv1a(b) || (a < b ? -1 : a > b ? 1 : 0));
}
