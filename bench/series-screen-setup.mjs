// What every series screen (bench/series-screen.mjs, crossed-effects-screen.mjs, series-cov-screen.mjs,
// series-kfeatures-screen.mjs) starts from: ML.ENERGY v3, one closed-form fit of all its records and their log
// residuals, the series (DEFAULT_SERIES_BY) with their records, and the half of the eligible series (12 or more
// records; the new-deployment bench's hash split) named by the first argument; the other arguments are the variants.
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importMlEnergy, createMethods } from '../dist/energy/index.js';
import { groupKey, DEFAULT_SERIES_BY, logBatchCenter } from '../dist/energy/model/series-effects.js';
import { logResiduals } from '../dist/energy/model/hierarchical.js';
import { byHash } from '../dist/util/hash.js';

export async function seriesScreenSetup() {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data', 'mlenergy-v3');
  if (!existsSync(dir)) { console.log(`skipped: ${dir} not found (the shared data folder is absent)`); process.exit(0); }
  const recs = importMlEnergy(dir);
  const [cf] = await createMethods(['closed-form']);
  const res = Array.from(logResiduals(cf.fit(recs, { seed: 1 }), recs));
  const by = DEFAULT_SERIES_BY;
  const center = logBatchCenter(recs);
  const keyOf = (r) => groupKey(r, by.series);
  const half = process.argv[2];
  const variants = process.argv.slice(3);
  const idxBy = new Map();
  recs.forEach((r, i) => { const k = keyOf(r); idxBy.set(k, [...(idxBy.get(k) ?? []), i]); });
  const eligible = [...idxBy.keys()].sort().filter((k) => idxBy.get(k).length >= 12);
  const hashOrder = byHash(eligible);
  const cut = Math.ceil(hashOrder.length / 2);
  const H = half === 'all' ? hashOrder : half === 'a' ? hashOrder.slice(0, cut) : hashOrder.slice(cut);
  return { recs, res, by, center, keyOf, half, variants, idxBy, H };
}

/** The screens' seeded uniform draws on [0, 1). */
export function rng(seed) {
  let s = seed >>> 0;
  return () => { s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5 >>> 0; s ^= s >>> 13; return (s >>> 0) / 4294967296; };
}
