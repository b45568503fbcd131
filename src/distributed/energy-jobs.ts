/**
 * Whole energy-model jobs through the queue: one structure discovery (or one fit) per group of records, e.g. per
 * hardware set, run by `energylens worker` processes and gathered here. Also the same grouping run locally, so
 * `discover --group-by hardware` gives the same result with or without a queue.
 */
import { DistributedError } from './errors.js';
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

/** The groups with enough records to search, and the others; INVALID_DATA when no group has enough. */
const splitGroups = (records: readonly ProfilingRecord[], by: GroupBy, catalog: Catalog | undefined): { run: RecordGroup[]; skipped: GroupedDiscoveryJSON['skippedGroups'] } => {
  const all = groupRecords(records, by, catalog);
  const run = all.filter((g) => g.records.length >= MIN_DISCOVERY_RECORDS);
  const skipped = all.filter((g) => g.records.length < MIN_DISCOVERY_RECORDS)
    .map((g) => ({ group: g.group.value, records: g.records.length, reason: `fewer than ${MIN_DISCOVERY_RECORDS} records` }));
  if (run.length === 0) throw new DistributedError('INVALID_DATA', `no ${by} group has ${MIN_DISCOVERY_RECORDS} records or more (${skipped.map((s) => `${s.group}: ${s.records}`).join(', ')})`);
  return { run, skipped };
};

/** One job per group (a single job on all records when it has no group), run by queue workers; results in order. */
async function submitPerGroup<O extends FitJobOptions | DiscoverJobOptions, R>(
  name: 'fit' | 'discover', what: string, groups: readonly { group?: JobGroup; records: ProfilingRecord[] }[], options: O, queue: QueueJobOptions, check: (v: unknown) => R,
): Promise<R[]> {
  const client = new JobClient(queue);
  try {
    return await client.submit(groups.map((g) => {
      // FitJob and DiscoverJob differ only in their options
      const data: Omit<FitJob | DiscoverJob, 'options'> & { options: O } = { protocol: JOB_PROTOCOL, ...(g.group ? { group: g.group } : {}), records: g.records, options, ...(queue.catalogJSON !== undefined ? { catalog: queue.catalogJSON } : {}) };
      return { name, data, label: g.group ? `${what} for ${g.group.value}` : what, check };
    }));
  } finally {
    await client.close();
  }
}

/** One discovery job for all records (the JSON of a local run), or one per group (`groupBy`), run by queue workers. */
export async function discoverOnQueue(records: readonly ProfilingRecord[], options: DiscoverJobOptions, queue: QueueJobOptions & { groupBy?: GroupBy; catalog?: Catalog }): Promise<DiscoveryJSON | GroupedDiscoveryJSON> {
  if (!queue.groupBy) {
    const [discovery] = await submitPerGroup('discover', 'discovery', [{ records: [...records] }], options, queue, checkDiscovery);
    return discovery;
  }
  const { run, skipped } = splitGroups(records, queue.groupBy, queue.catalog);
  const results = await submitPerGroup('discover', 'discovery', run, options, queue, checkDiscovery);
  return { groupBy: queue.groupBy, groups: results.map((d, i) => ({ group: run[i].group.value, records: run[i].records.length, ...d })), skippedGroups: skipped };
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
  const groups: { group?: JobGroup; records: ProfilingRecord[] }[] = queue.groupBy ? groupRecords(records, queue.groupBy, queue.catalog) : [{ records: [...records] }];
  const models = await submitPerGroup('fit', 'fit', groups, options, queue, checkFit);
  return models.map((model, i) => {
    const g = groups[i].group;
    return g ? { group: g.value, model } : { model };
  });
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkDiscovery(v: unknown): DiscoveryJSON {
  const d = isObj(v) ? v.discovery : undefined;
  if (!isObj(d) || !Array.isArray(d.targets) || !Array.isArray(d.features)) throw new DistributedError('INVALID_JOB', 'a discovery job returned no discovery');
  return d as unknown as DiscoveryJSON;
}

function checkFit(v: unknown): EnergyModel {
  const m = isObj(v) ? v.model : undefined;
  if (!isObj(m) || !Array.isArray(m.parameters)) throw new DistributedError('INVALID_JOB', 'a fit job returned no model');
  return m as unknown as EnergyModel;
}
