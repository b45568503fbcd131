// Issue 14, evidence for the user (no default changes): would a physics criterion for non-steady runs single out
// v3's dp > 1 series (Qwen3-Coder-480B-FP8 on B200, sourcegraph-fim), whose records cost the pairwise target? A
// record's steady share is the output throughput its energy and power imply (avg_power_w / energy per output token)
// over the steady decode throughput its batch and TPOT give (batch / tpot_s): near 1 when the run spent its energy
// decoding a full batch. Prints one JSON object: the share's quantiles over every record with power and TPOT, and
// at each threshold how many records fall under it, by workload (dp > 1 records apart). No fit, no search.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importMlEnergy } from '../dist/energy/index.js';
import { runEnvironment } from './run-environment.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MLENERGY = join(here, '..', '..', 'shared', 'data', 'mlenergy-v3');
if (!existsSync(MLENERGY)) { console.log(JSON.stringify({ skipped: `${MLENERGY} not found` })); process.exit(0); }
const records = importMlEnergy(MLENERGY);
const round = (x) => Number(x.toFixed(3));
const share = (r) => (r.avg_power_w / (r.energy_j / r.output_tokens)) / (r.batch / r.tpot_s);
const rows = records.filter((r) => r.tpot_s > 0 && r.avg_power_w > 0).map((r) => ({ r, s: share(r) })).sort((a, b) => a.s - b.s);
const q = (p) => round(rows[Math.floor(p * (rows.length - 1))].s);
const classOf = (r) => ((r.dp ?? 1) > 1 ? 'dp > 1' : r.workload);
const thresholds = [0.2, 0.3, 0.5, 0.7, 0.9].map((t) => {
  const under = rows.filter((x) => x.s < t);
  const byClass = {};
  for (const { r } of under) byClass[classOf(r)] = (byClass[classOf(r)] ?? 0) + 1;
  return { under: t, records: under.length, byClass };
});
console.log(JSON.stringify({
  ...runEnvironment(), records: records.length, withPowerAndTpot: rows.length,
  quantiles: { min: q(0), p01: q(0.01), p05: q(0.05), median: q(0.5), p95: q(0.95), max: q(1) },
  dpRecords: rows.filter((x) => (x.r.dp ?? 1) > 1).map((x) => round(x.s)),
  thresholds,
}, null, 2));
