// bench:energy's protocol runs for a subset of the methods, in a worker thread (the bench splits the methods over
// the machine's cores; every worker builds the same seeded splits, so the results merge as if run in one).
import { parentPort, workerData } from 'node:worker_threads';
import { evaluateMethods, importMlEnergy, simulate } from '../dist/energy/index.js';

const { datasets, methods } = workerData;
const out = {};
for (const d of datasets) {
  const records = d.mlenergy ? importMlEnergy(d.mlenergy) : simulate({ ...d.simulate, noise: 0.03 }).records;
  out[d.name] = [];
  for (const p of d.protocols) {
    const e = await evaluateMethods(records, { methods, protocols: [p.name], scenarioKeys: d.scenarioKeys, ...p.options, onProgress: (done, total, label) => parentPort.postMessage({ progress: `${d.name} ${label} (${done}/${total})` }) });
    out[d.name].push(...e.protocols);
  }
}
parentPort.postMessage({ done: out });
