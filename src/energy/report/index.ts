/** The evaluation report: one self-contained HTML page with inline SVG charts. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EnergyLensError } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import type { Catalog } from '../catalog/catalog.js';
import { randomSplit } from '../evaluation/metrics.js';
import { fitEnergyModel } from '../model/fit.js';
import type { EnergyModel } from '../model/model-file.js';
import { evaluationReportHtml, type ReportInput } from './html.js';

export * from './charts.js';
export * from './render.js';
export * from './html.js';

export interface WriteReportInput extends Omit<ReportInput, 'model'> {
  /** the closed form to show; default: fitted on the 50-record split of seed 1 (the parity plot's) */
  model?: EnergyModel;
  catalog?: Catalog;
}

/** Writes `dir/index.html` (the folder is created; its parent must exist); returns the file's path. */
export async function writeEvaluationReport(dir: string, input: WriteReportInput): Promise<string> {
  const n = input.records.length;
  const model = input.model ?? fitEnergyModel(randomSplit(n, Math.min(50, n - 1), 1).train.map((i) => input.records[i]), { seed: 1, catalog: input.catalog });
  const html = await evaluationReportHtml({ ...input, model });
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new EnergyLensError('WRITE_FAILED', `cannot create the report folder ${dir}: ${(err as Error).message}`);
  }
  const path = join(dir, 'index.html');
  writeFileAtomic(path, html);
  return path;
}
