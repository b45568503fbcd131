/**
 * The files of a profiling campaign, each rewritten atomically after every configuration so that an
 * interrupted sweep leaves valid files behind and a rerun resumes where it stopped:
 * - RECORDS.csv: one profiling record per measured configuration (the schema's columns plus `config`, the
 *   configuration's key, `idle_power_w`, `energy_method` and `gpu_indices`);
 * - RECORDS.csv.failures.csv: configurations that failed, with the reason;
 * - RECORDS.csv.logs/: the serving engine's output, one file per configuration.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { EnergyLensError } from '../../errors.js';
import { readRecords } from '../records/read.js';
import type { ProfilingRecord } from '../records/schema.js';
import { writeRecordsCsv } from '../records/write.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import type { PlannedConfig } from './plan.js';

/** Pass-through columns a profiled record carries after the schema's. */
export const CAMPAIGN_COLUMNS = ['config', 'idle_power_w', 'energy_method', 'gpu_indices'] as const;

export interface FailedConfig {
  config: string;
  tp: number;
  pp: number;
  ep: number;
  batch: number;
  input_tokens: number;
  output_tokens: number;
  reason: string;
  failed_at: string;
}

const FAILURE_COLUMNS: (keyof FailedConfig)[] = ['config', 'tp', 'pp', 'ep', 'batch', 'input_tokens', 'output_tokens', 'reason', 'failed_at'];

export const failuresPathOf = (recordsPath: string): string => `${recordsPath}.failures.csv`;
export const logDirOf = (recordsPath: string): string => `${recordsPath}.logs`;

export function failureOf(key: string, c: PlannedConfig, reason: string): FailedConfig {
  return { config: key, tp: c.tp, pp: c.pp, ep: c.ep, batch: c.batch, input_tokens: c.inputTokens, output_tokens: c.outputTokens, reason, failed_at: new Date().toISOString() };
}

/** Records of an earlier run of the campaign (none when the file does not exist); each must carry its `config`. */
export async function readCampaignRecords(path: string): Promise<ProfilingRecord[]> {
  if (!existsSync(path)) return [];
  const records = await readRecords(path);
  records.forEach((r, i) => {
    if (!r.extra?.config) {
      throw new EnergyLensError('INVALID_RECORD', `${path}, row ${i + 1}: no "config" column; this file was not written by energylens profile, so it cannot be resumed (choose another --out)`);
    }
  });
  return records;
}

export function readFailures(path: string): FailedConfig[] {
  if (!existsSync(path)) return [];
  let rows: Record<string, string>[];
  try {
    rows = parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true, bom: true });
  } catch (err) {
    throw new EnergyLensError('INVALID_CSV', `${path}: ${(err as Error).message}`);
  }
  return rows.map((r, i) => {
    if (!r.config) throw new EnergyLensError('INVALID_CSV', `${path}, row ${i + 1}: column "config" is empty`);
    const num = (k: keyof FailedConfig): number => Number(r[k]);
    return { config: r.config, tp: num('tp'), pp: num('pp'), ep: num('ep'), batch: num('batch'), input_tokens: num('input_tokens'), output_tokens: num('output_tokens'), reason: r.reason ?? '', failed_at: r.failed_at ?? '' };
  });
}

export async function writeCampaignRecords(path: string, records: readonly ProfilingRecord[]): Promise<void> {
  await writeRecordsCsv(path, records, { extraColumns: [...CAMPAIGN_COLUMNS] });
}

/** Writes the failures file atomically; with no failures, removes it. */
export function writeFailures(path: string, failures: readonly FailedConfig[]): void {
  if (failures.length === 0) {
    rmSync(path, { force: true });
    return;
  }
  writeFileAtomic(path, stringify(failures.map((f) => FAILURE_COLUMNS.map((k) => String(f[k]))), { header: true, columns: FAILURE_COLUMNS, record_delimiter: 'unix' }));
}
