// Records at scale for bench:scale and bench/kill-faults.mjs: the ML.ENERGY v3 import (`energylens import
// mlenergy`), repeated with jitter to any number of rows. Copy c of configuration i keeps every column but the
// measurements, which are multiplied by exp(N(0, 0.03)) (energy and its parts, time per token, power, throughput),
// so a fit sees many noisy repeats of the 838 measured configurations, as a long profiling campaign would.
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

const here = dirname(fileURLToPath(import.meta.url));
export const CLI = join(here, '..', 'bin', 'energylens.js');
export const MLENERGY = join(here, '..', '..', 'shared', 'data', 'mlenergy-v3');
const JITTERED = ['energy_j', 'prefill_energy_j', 'decode_energy_j', 'tpot_s', 'ttft_s', 'throughput_tok_s', 'avg_power_w'];

/** A seeded standard normal (xorshift32 + Box-Muller): the data are the same on every run. */
function normals(seed) {
  let s = (seed >>> 0) || 1;
  const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 2 ** 32; };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** The 838 ML.ENERGY records as a CSV at `out`, by the CLI; throws when the shared data set is absent. */
export function importMlEnergyCsv(out) {
  if (!existsSync(MLENERGY)) throw new Error(`the ML.ENERGY data set is absent (${MLENERGY}); bench:scale needs it`);
  const r = spawnSync(process.execPath, [CLI, 'import', 'mlenergy', '--dir', MLENERGY, '--out', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`energylens import mlenergy failed: ${r.stderr}`);
  return out;
}

/** Writes `n` jittered records built from the records CSV `base` to `out` (streamed; bounded memory). */
export async function expandRecords(base, out, n, seed = 1) {
  const [header, ...rows] = parse(readFileSync(base, 'utf8'));
  const jitter = JITTERED.map((c) => header.indexOf(c)).filter((i) => i >= 0);
  const normal = normals(seed);
  const stream = createWriteStream(out);
  stream.write(stringify([header]));
  for (let i = 0; i < n; i++) {
    const row = rows[i % rows.length].slice();
    if (i >= rows.length) {
      for (const j of jitter) if (row[j] !== '') row[j] = String(Number(row[j]) * Math.exp(0.03 * normal()));
    }
    if (!stream.write(stringify([row]))) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
  return out;
}

