/**
 * Age-layered populations (Hornby's ALPS, options.ageLayers), mapped onto the island model.
 *
 * A member's age is the number of generations since its oldest ancestor was drawn at random: a random member is
 * born with age 0, a child inherits the largest age of its parents plus one (mutation, crossover, a parent's copy
 * and constant refits all keep the lineage's origin). It is kept as `origin`, the generation of that random
 * ancestor, so age = generation - origin needs no bookkeeping per generation.
 *
 * The islands are split into ageLayers layers, contiguous blocks of island ids (layer 0 the lowest ids). Layer l
 * holds members younger than its age limit ageGap * (1, 2, 4, 9, 16, 25, ...)[l] (Hornby's polynomial scheme);
 * the top layer has none. Between cycles (ages are checked at the end of each island task):
 * - a member that has reached its layer's limit leaves its island and moves up: the members leaving the islands of
 *   layer l are dealt, best first, over the islands of layer l + 1, where each takes a free place or replaces the
 *   member of highest selection cost when it costs less (else it is dropped);
 * - an island of layer 0 tops itself up with random members, so layer 0 is re-seeded as its members age out
 *   (about every ageGap generations); an island of a higher layer grows back to its size with its children;
 * - migrants (the ring and the merged front) are admitted only when younger than the island's limit;
 * - stagnation restarts (options.restartAfterCycles) are off: layer 0 brings the fresh material.
 */
import type { SearchOptions } from './options.js';
import type { SerializedMember } from './runner.js';

/** The layer island `islandId` belongs to (0 when ageLayers is off). */
export function layerOf(o: SearchOptions, islandId: number): number {
  const layers = o.ageLayers ?? 0;
  if (layers <= 0) return 0;
  return Math.min(layers - 1, Math.floor((islandId * layers) / o.populations));
}

/** Hornby's polynomial aging scheme: 1, 2, 4, 9, 16, 25, ... (times the age gap). */
export function ageScheme(layer: number): number {
  return layer === 0 ? 1 : layer === 1 ? 2 : layer * layer;
}

/** The age a member of island `islandId` must stay below (Infinity on the top layer, and when ageLayers is off). */
export function ageLimit(o: SearchOptions, islandId: number): number {
  const layers = o.ageLayers ?? 0;
  const layer = layerOf(o, islandId);
  if (layers <= 0 || layer >= layers - 1) return Infinity;
  return o.ageGap * ageScheme(layer);
}

/**
 * Where the members that outgrew their layer go: the outgrown of the islands of layer l, best first (loss, then
 * complexity), dealt in turn over the islands of layer l + 1. `outgrown[i]` is island i's; the result holds each
 * island's arrivals (empty lists when ageLayers is off).
 */
export function routeOutgrown(outgrown: readonly (readonly SerializedMember[])[], o: SearchOptions): SerializedMember[][] {
  const n = outgrown.length;
  const arrivals: SerializedMember[][] = Array.from({ length: n }, () => []);
  const layers = o.ageLayers ?? 0;
  if (layers <= 0) return arrivals;
  for (let layer = 0; layer < layers - 1; layer++) {
    const from: number[] = [];
    const to: number[] = [];
    for (let i = 0; i < n; i++) {
      const l = layerOf(o, i);
      if (l === layer) from.push(i);
      else if (l === layer + 1) to.push(i);
    }
    if (to.length === 0) continue;
    const leaving = from.flatMap((i) => outgrown[i]).sort((a, b) => lossOrder(a.loss) - lossOrder(b.loss) || a.complexity - b.complexity);
    leaving.forEach((m, k) => arrivals[to[k % to.length]].push(m));
  }
  return arrivals;
}

/** a loss for ordering: not-a-number (JSON's null for Infinity) last */
const lossOrder = (loss: number): number => (typeof loss === 'number' && !Number.isNaN(loss) ? loss : Infinity);
