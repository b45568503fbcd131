// bench:energy's protocol runs for a subset of the methods, in a worker thread (the bench splits the methods over
// the machine's cores; every worker builds the same seeded splits, so the results merge as if run in one).
import { parentPort, workerData } from 'node:worker_threads';
import { createDiscoveredMethod, createMethods, evaluateMethods, importLlmInferenceBench, importMlEnergy, simulate } from '../dist/energy/index.js';

const { datasets, methods, discoveredEvals } = workerData;
// the discovered method with the bench's evaluation budget per search phase
const byName = async (names) => (await createMethods(names)).map((m) => (m.name === 'discovered' && discoveredEvals ? createDiscoveredMethod({ evals: discoveredEvals }) : m));
const out = {};
for (const d of datasets) {
  const records = d.mlenergy ? importMlEnergy(d.mlenergy)
    : d.llmInferenceBench ? importLlmInferenceBench(d.llmInferenceBench).records
      : simulate({ ...d.simulate, noise: 0.03 }).records;
  out[d.name] = [];
  // a data set may name its methods: this worker runs those of its share
  const mine = d.methods ? methods.filter((m) => d.methods.includes(m)) : methods;
  for (const p of d.protocols) {
    if (mine.length === 0) { out[d.name].push({ protocol: p.name, results: [] }); continue; }
    const e = await evaluateMethods(records, { methods: await byName(mine), protocols: [p.name], scenarioKeys: d.scenarioKeys, ...p.options, onProgress: (done, total, label) => parentPort.postMessage({ progress: `${d.name} ${label} (${done}/${total})` }) });
    out[d.name].push(...e.protocols);
  }
}
parentPort.postMessage({ done: out });
