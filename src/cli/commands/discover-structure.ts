/**
 * `energylens discover --out STRUCTURE.json`: residual discovery (src/energy/model/discovery) written as a
 * structure file that `fit` can use. A thin layer: read the records, run the discovery (per hardware set too with
 * --group-by), print the candidates with their cross-validation scores and the terms added, write the structure
 * (with --group-by: the pooled structure, shared across the groups, at --out, and each group's own beside it).
 */
import { progressBar } from '../progress.js';
import type { Catalog } from '../../energy/catalog/index.js';
import type { ProfilingRecord } from '../../energy/records/index.js';
import { discoverResidualGroups, type GroupedResidualDiscovery } from '../../energy/model/discovery/groups.js';
import { discoverResidualStructure, type ResidualDiscovery, type ResidualDiscoveryOptions } from '../../energy/model/discovery/residual.js';
import { discoveredStructure, type DiscoveredTerm } from '../../energy/model/discovery/structure-out.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { groupRecords, type GroupBy } from '../../distributed/index.js';
import { textTable } from '../energy-args.js';

export interface StructureFlags {
  data: string; out: string; groupBy?: GroupBy; time?: number; evals?: number; seed: number; workers: number;
  folds: number; maxSize?: number; operators?: string; json?: string; progress: boolean; units?: 'auto' | 'off';
}

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)} %`);
const num = (x: number | null): string => (x === null ? '-' : x.toFixed(4));

export function candidatesReport(d: ResidualDiscovery): string {
  const head = ['phase', 'correction g', 'constants', 'dropped', 'CV MAPE', 'gain', '+- se', 'status'];
  const rows = d.candidates.map((c) => [c.phase, c.expression, String(c.constants), c.dropped.join(',') || '-', pct(c.cvMape), num(c.gain), num(c.standardError), c.reason ? `${c.status}: ${c.reason}` : c.status]);
  const searches = d.searches.map((s) => `${s.phase} residuals: ${s.rows} rows, ${s.evaluations} evaluations, ${s.seconds.toFixed(1)} s, seed ${s.seed}, front of ${s.front}`);
  return [
    ...searches,
    `physics alone: CV MAPE ${pct(d.physicsCv.mape)}, mean |log error| ${d.physicsCv.logError.toFixed(4)} (${d.options.folds} folds on the ${d.records} training records)`,
    rows.length ? textTable(head, rows, [0, 1, 3, 7]) : 'no candidate',
    d.droppedColumns.length ? `features left out: ${d.droppedColumns.map((c) => `${c.name} (${c.reason})`).join(', ')}` : '',
  ].filter(Boolean).join('\n');
}

function termsReport(name: string, terms: readonly DiscoveredTerm[], d: ResidualDiscovery): string {
  if (name === 'physics') return 'result: nothing predicts held-out training records better than physics; the structure written is physics';
  const lines = terms.map((t) => `  ${(t.parameter ?? 'fixed').padEnd(5)} = ${Number(t.value.toPrecision(4))} [${t.unit}] (${t.phase}): ${t.meaning}`);
  return [`result: physics+discovered, terms added:`, ...lines, d.dropped.length ? `physics parameters dropped (held at 0) to stay within twelve free: ${d.dropped.join(', ')}` : ''].filter(Boolean).join('\n');
}

function groupsReport(g: GroupedResidualDiscovery): string {
  const parts = g.groups.map((r) => {
    if (!r.discovery) return `### hardware ${r.group}: skipped (${r.skipped})`;
    const pooled = r.pooledGain ? `\npooled correction here: gain ${num(r.pooledGain.gain)} +- ${num(r.pooledGain.standardError)}${r.pooledGain.worse ? ' (worse than physics)' : ''}` : '';
    return `### hardware ${r.group} (${r.records} records): ${r.discovery.name}\n${candidatesReport(r.discovery)}${pooled}`;
  });
  return [...parts, `shared structure: ${g.shared.holds ? 'holds' : 'does not hold'}: ${g.shared.summary}`].join('\n\n');
}

/** A residual discovery's progress bar on stderr ("LABEL |bar| ..."): the searches by their share of the budget, then the cross-validation. */
export function discoveryProgress(enabled: boolean, budgetS: number | undefined, label = 'discover'): { update: ResidualDiscoveryOptions['onProgress']; stop: () => void } {
  if (!enabled) return { update: undefined, stop: () => undefined };
  const bar = progressBar(`${label} |{bar}| {percentage}% | {step}`, { hideCursor: true });
  bar.start(100, 0, { step: 'fitting physics' });
  return {
    update: (p) => {
      if (p.phase === 'cv') bar.update(Math.round((100 * p.done) / Math.max(1, p.total)), { step: `cross-validating candidates (${p.done}/${p.total})` });
      else bar.update(budgetS ? Math.min(100, Math.round((100 * p.search.seconds) / budgetS)) : 0, { step: `searching ${p.phase} residuals (${p.search.evaluations} evaluations)` });
    },
    stop: () => bar.stop(),
  };
}

export async function runDiscoverStructure(flags: StructureFlags, records: ProfilingRecord[], catalog: Catalog, signal: AbortSignal): Promise<void> {
  const bar = discoveryProgress(flags.progress && process.stderr.isTTY, flags.time ?? (flags.evals ? undefined : 20));
  const options: ResidualDiscoveryOptions = {
    maxTime: flags.time ?? null, maxEvaluations: flags.evals ?? null, seed: flags.seed, workers: flags.workers, folds: flags.folds,
    ...(flags.maxSize !== undefined ? { maxSize: flags.maxSize } : {}), ...(flags.operators ? { operators: flags.operators.split(',').map((s) => s.trim()) } : {}),
    catalog, file: flags.data, onProgress: bar.update, signal, ...(flags.units ? { units: flags.units } : {}),
  };
  let pooled: ResidualDiscovery;
  let grouped: GroupedResidualDiscovery | undefined;
  try {
    if (flags.groupBy) {
      const groups = groupRecords(records, flags.groupBy, catalog).map((g) => ({ name: g.group.value, records: g.records }));
      grouped = await discoverResidualGroups(records, groups, options);
      pooled = grouped.pooled;
    } else {
      pooled = await discoverResidualStructure(records, options);
    }
  } finally {
    bar.stop();
  }
  const extra = grouped ? { groupBy: flags.groupBy, shared: grouped.shared, groups: grouped.groups.map((g) => ({ group: g.group, records: g.records, skipped: g.skipped, result: g.discovery?.name, candidates: g.discovery?.candidates, pooledGain: g.pooledGain })) } : undefined;
  const { structure, terms } = discoveredStructure(pooled, { data: flags.data, extra }, catalog);
  // every structure is built (and checked) before any file is written
  const perGroup = (grouped?.groups ?? []).filter((g) => g.discovery !== null).map((g) => {
    const built = discoveredStructure(g.discovery!, { data: `${flags.data}, ${flags.groupBy} ${g.group} (${g.records} records)`, extra: { groupBy: flags.groupBy, group: g.group, shared: flags.out } }, catalog);
    return { group: g.group, path: groupStructurePath(flags.out, flags.groupBy!, g.group), ...built };
  });
  for (const g of perGroup) writeFileAtomic(g.path, `${JSON.stringify(g.structure, null, 2)}\n`);
  writeFileAtomic(flags.out, `${JSON.stringify(structure, null, 2)}\n`);
  const groupFiles = perGroup.map((g) => ({ group: g.group, structure: g.path, name: g.structure.name, termsAdded: g.terms }));
  if (flags.json) writeFileAtomic(flags.json, `${JSON.stringify({ structure: flags.out, name: structure.name, termsAdded: terms, discovery: structure.discovery, ...(grouped ? { groupStructures: groupFiles } : {}) }, null, 2)}\n`);
  process.stdout.write(`${[
    grouped ? `## all ${records.length} records` : '', candidatesReport(pooled), termsReport(structure.name, terms, pooled),
    grouped ? groupsReport(grouped) : '',
    ...perGroup.map((g) => `wrote ${g.path} (${flags.groupBy} ${g.group}: structure "${g.structure.name}"${g.terms.length ? `, ${g.terms.length} discovered term${g.terms.length === 1 ? '' : 's'}` : ''})`),
    `wrote ${flags.out} (structure "${structure.name}"${grouped ? `, shared across the ${flags.groupBy} sets` : ''})`,
  ].filter(Boolean).join('\n\n')}\n`);
}

/** Where a group's own structure goes: beside --out, named after the group (out.json -> out.hardware-H100.json). */
export function groupStructurePath(out: string, groupBy: string, group: string): string {
  const stem = out.replace(/(\.structure)?\.json$/i, '');
  const safe = group.replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${stem}.${groupBy}-${safe}.json`;
}
