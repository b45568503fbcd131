/**
 * Whole energy-model jobs through the queue: one structure discovery (or one fit) per group of records, e.g. per
 * hardware set, run by `energylens worker` processes and gathered here. Also the same grouping run locally, so
 * `discover --group-by hardware` gives the same result with or without a queue.
 */
import { EnergyLensError } from '../errors.js';
import { builtinCatalog, type Catalog } from '../energy/catalog/index.js';
import {
  discoverEnergyStructure, discoveryJSON, MIN_DISCOVERY_RECORDS, type DiscoverOptions, type Discovery, type DiscoveryJSON,
} from '../energy/model/discover.js';
import type { EnergyModel } from '../energy/model/model-file.js';
import type { ProfilingRecord } from '../energy/records/index.js';
import { parseExpression, type Equation } from '../sr/index.js';
import { JobClient, type JobClientOptions } from './job-client.js';
import { JOB_PROTOCOL, type DiscoverJob, type DiscoverJobOptions, type FitJob, type FitJobOptions, type JobGroup } from './jobs.js';

export const GROUP_BY = ['hardware'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export interface RecordGroup { group: JobGroup; records: ProfilingRecord[] }

/** Records by hardware set (the catalog's canonical name, so H100 and H100-SXM5-80GB are one group), in order of first appearance. */
export function groupRecords(records: readonly ProfilingRecord[], by: GroupBy, catalog: Catalog = builtinCatalog()): RecordGroup[] {
  const groups = new Map<string, ProfilingRecord[]>();
  for (const r of records) {
    const key = catalog.findHardware(r.hardware)?.name ?? r.hardware;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  return [...groups].map(([value, rs]) => ({ group: { by, value }, records: rs }));
}

export interface GroupedDiscoveryJSON {
  groupBy: GroupBy;
  groups: (DiscoveryJSON & { group: string; records: number })[];
  /** groups with too few records to search */
  skippedGroups: { group: string; records: number; reason: string }[];
}

/** The discovery back from its JSON form: expressions parsed again with the feature names (trees were left out). */
export function discoveryFromJSON(json: DiscoveryJSON): Discovery {
  const names = json.features.map((f) => f.name);
  const withTree = (e: DiscoveryJSON['targets'][number]['front'][number]): Equation => ({ ...e, tree: parseExpression(e.expression, names) });
  return {
    ...json,
    targets: json.targets.map((t) => {
      const front = t.front.map(withTree);
      const selected = t.selected ? front.find((e) => e.complexity === t.selected!.complexity && e.expression === t.selected!.expression) ?? withTree(t.selected) : undefined;
      return { ...t, front, selected };
    }),
  };
}

export interface QueueJobOptions extends JobClientOptions {
  /** the user catalog as its JSON file has it, sent with each job (workers check it) */
  catalogJSON?: unknown;
}

const splitGroups = (records: readonly ProfilingRecord[], by: GroupBy | undefined, catalog: Catalog | undefined): { run: RecordGroup[]; skipped: GroupedDiscoveryJSON['skippedGroups'] } => {
  if (!by) return { run: [{ group: undefined as unknown as JobGroup, records: [...records] }], skipped: [] };
  const all = groupRecords(records, by, catalog);
  const run = all.filter((g) => g.records.length >= MIN_DISCOVERY_RECORDS);
  const skipped = all.filter((g) => g.records.length < MIN_DISCOVERY_RECORDS)
    .map((g) => ({ group: g.group.value, records: g.records.length, reason: `fewer than ${MIN_DISCOVERY_RECORDS} records` }));
  if (run.length === 0) throw new EnergyLensError('INVALID_DATA', `no ${by} group has ${MIN_DISCOVERY_RECORDS} records or more (${skipped.map((s) => `${s.group}: ${s.records}`).join(', ')})`);
  return { run, skipped };
};

/** One discovery job for all records (the JSON of a local run), or one per group (`groupBy`), run by queue workers. */
export async function discoverOnQueue(records: readonly ProfilingRecord[], options: DiscoverJobOptions, queue: QueueJobOptions & { groupBy?: GroupBy; catalog?: Catalog }): Promise<DiscoveryJSON | GroupedDiscoveryJSON> {
  const { run, skipped } = splitGroups(records, queue.groupBy, queue.catalog);
  const client = new JobClient(queue);
  try {
    const results = await client.submit(run.map((g) => {
      const data: DiscoverJob = { protocol: JOB_PROTOCOL, ...(queue.groupBy ? { group: g.group } : {}), records: g.records, options, ...(queue.catalogJSON !== undefined ? { catalog: queue.catalogJSON } : {}) };
      return { name: 'discover' as const, data, label: queue.groupBy ? `discovery for ${g.group.value}` : 'discovery', check: (v: unknown) => checkDiscovery(v) };
    }));
    if (!queue.groupBy) return results[0];
    return { groupBy: queue.groupBy, groups: results.map((d, i) => ({ group: run[i].group.value, records: run[i].records.length, ...d })), skippedGroups: skipped };
  } finally {
    await client.close();
  }
}

/** The same grouping, each group searched here in turn (what discoverOnQueue gives, without a queue). */
export async function discoverByGroup(records: readonly ProfilingRecord[], options: DiscoverOptions, groupBy: GroupBy): Promise<GroupedDiscoveryJSON> {
  const { run, skipped } = splitGroups(records, groupBy, options.catalog);
  const groups: GroupedDiscoveryJSON['groups'] = [];
  for (const g of run) groups.push({ group: g.group.value, records: g.records.length, ...discoveryJSON(await discoverEnergyStructure(g.records, options)) });
  return { groupBy, groups, skippedGroups: skipped };
}

/** One fit of the closed form per group of records, run by queue workers; models in group order. */
export async function fitOnQueue(records: readonly ProfilingRecord[], options: FitJobOptions, queue: QueueJobOptions & { groupBy?: GroupBy; catalog?: Catalog }): Promise<{ group?: string; model: EnergyModel }[]> {
  const groups = queue.groupBy ? groupRecords(records, queue.groupBy, queue.catalog) : [{ group: undefined, records: [...records] }];
  const client = new JobClient(queue);
  try {
    const results = await client.submit(groups.map((g) => {
      const data: FitJob = { protocol: JOB_PROTOCOL, ...(g.group ? { group: g.group } : {}), records: g.records, options, ...(queue.catalogJSON !== undefined ? { catalog: queue.catalogJSON } : {}) };
      return { name: 'fit' as const, data, label: g.group ? `fit for ${g.group.value}` : 'fit', check: (v: unknown) => checkFit(v) };
    }));
    return results.map((r, i) => ({ ...(groups[i].group ? { group: groups[i].group!.value } : {}), model: r }));
  } finally {
    await client.close();
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkDiscovery(v: unknown): DiscoveryJSON {
  const d = isObj(v) ? v.discovery : undefined;
  if (!isObj(d) || !Array.isArray(d.targets) || !Array.isArray(d.features)) throw new EnergyLensError('INVALID_JOB', 'a discovery job returned no discovery');
  return d as unknown as DiscoveryJSON;
}

function checkFit(v: unknown): EnergyModel {
  const m = isObj(v) ? v.model : undefined;
  if (!isObj(m) || !Array.isArray(m.parameters)) throw new EnergyLensError('INVALID_JOB', 'a fit job returned no model');
  return m as unknown as EnergyModel;
}
