/**
 * One residual discovery per group of records (e.g. per hardware set) besides the pooled one, and whether a
 * shared structure holds: the pooled correction, cross-validated within each group against physics alone, is
 * worse than physics beyond the noise in no group. The caller forms the groups (distributed/energy-jobs.ts,
 * groupRecords, names groups by the catalog's canonical hardware name).
 */
import { deriveSeed } from '../../../sr/index.js';
import { recordFeatures } from '../features.js';
import type { FitRecord } from '../fit.js';
import { crossValidate, kFolds, pairedGain } from './cv.js';
import { NO_CORRECTION, withKernel } from './joint-fit.js';
import { discoverResidualStructure, MIN_CORRECTION_RECORDS, type ResidualDiscovery, type ResidualDiscoveryOptions } from './residual.js';

export interface GroupResult {
  group: string;
  records: number;
  /** null when the group has too few records */
  discovery: ResidualDiscovery | null;
  skipped?: string;
  /** the pooled correction within this group: paired CV gain over physics (absolute log error), null without one */
  pooledGain: { gain: number; standardError: number; worse: boolean } | null;
}

export interface GroupedResidualDiscovery {
  pooled: ResidualDiscovery;
  groups: GroupResult[];
  shared: { holds: boolean; summary: string };
}

export async function discoverResidualGroups(records: readonly FitRecord[], groups: readonly { name: string; records: readonly FitRecord[] }[], options: ResidualDiscoveryOptions = {}): Promise<GroupedResidualDiscovery> {
  const pooled = await discoverResidualStructure(records, options);
  const results: GroupResult[] = [];
  for (const [i, g] of groups.entries()) {
    if (g.records.length < MIN_CORRECTION_RECORDS) {
      results.push({ group: g.name, records: g.records.length, discovery: null, skipped: `${g.records.length} records (need ${MIN_CORRECTION_RECORDS})`, pooledGain: null });
      continue;
    }
    const seed = deriveSeed(options.seed ?? 0, 1000 + i);
    const discovery = await discoverResidualStructure(g.records, { ...options, seed });
    let pooledGain: GroupResult['pooledGain'] = null;
    if (pooled.name !== 'physics') {
      const features = recordFeatures(g.records, { catalog: options.catalog, inputTokens: options.inputTokens }, options.file);
      pooledGain = withKernel((ev) => {
        const ctx = { records: g.records, features, folds: kFolds(g.records.length, Math.min(pooled.options.folds, g.records.length), deriveSeed(seed, 101)), columns: pooled.columns, seed, ev };
        const physics = crossValidate(ctx, NO_CORRECTION);
        const withPooled = crossValidate(ctx, pooled.correction, pooled.dropped);
        const gain = pairedGain(physics, withPooled);
        return { gain: gain.gain, standardError: gain.standardError, worse: pairedGain(withPooled, physics).better };
      });
    }
    results.push({ group: g.name, records: g.records.length, discovery, pooledGain });
  }
  const searched = results.filter((r) => r.discovery !== null);
  let holds: boolean;
  let summary: string;
  if (pooled.name === 'physics') {
    const found = searched.filter((r) => r.discovery!.name !== 'physics').map((r) => r.group);
    holds = found.length === 0;
    summary = holds
      ? `physics holds across the ${searched.length} sets searched: neither the pooled records nor any set found a correction`
      : `no shared correction: the pooled records found none, but ${found.join(', ')} did, each its own`;
  } else {
    const worse = searched.filter((r) => r.pooledGain?.worse).map((r) => r.group);
    holds = worse.length === 0;
    summary = holds
      ? `the pooled correction holds across the ${searched.length} sets searched: within none of them is it worse than physics beyond two standard errors of cross-validation`
      : `the pooled correction does not hold in ${worse.join(', ')}: physics predicts that set's held-out records better`;
  }
  return { pooled, groups: results, shared: { holds, summary } };
}
