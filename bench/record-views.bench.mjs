// What reading a field of a streamed record costs: RecordTable views (behind their spreadable Proxy) against plain
// objects, 7 fields x 500,000 records per pass. JSON on stdout. Needs `npm run build`.
import { RecordTable } from '../dist/energy/records/columns.js';

const N = 500_000;
const table = new RecordTable();
for (let i = 0; i < N; i++) table.push({ model: `m${i % 7}`, hardware: 'H100', tp: 1 + (i % 4), pp: 1, batch: 8, output_tokens: 256, energy_j: i + 1 });
const views = table.views();
const plain = views.map((_, i) => table.plain(i));
const msPerPass = (records) => {
  let sum = 0;
  const t0 = performance.now();
  for (let k = 0; k < 3; k++) for (const r of records) sum += r.tp + r.pp + r.batch + r.output_tokens + r.energy_j + r.model.length + r.hardware.length;
  if (!(sum > 0)) throw new Error('unreachable');
  return (performance.now() - t0) / 3;
};
const viewMs = msPerPass(views);
const plainMs = msPerPass(plain);
console.log(JSON.stringify({ records: N, fields: 7, viewMsPerPass: Math.round(viewMs), plainMsPerPass: Math.round(plainMs), nsPerViewField: +(viewMs * 1e6 / (N * 7)).toFixed(1), nsPerPlainField: +(plainMs * 1e6 / (N * 7)).toFixed(1) }));
