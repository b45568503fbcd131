// npm run bench:scale — how fit, predict, discover and sr grow with their input. Prints one JSON object.
//   Data: the ML.ENERGY v3 import repeated with 3 % jitter on the measurements (bench/scale-data.mjs) to 1k, 10k,
//   100k and 500k records (each CSV row is a record for fit, predict and discover, and a table row for sr).
//   Steps, each run as its own `energylens` process (seconds: wall clock of the whole command, reading
//   included; cpuSeconds: the process's user + system CPU time, worker threads included, which a loaded machine
//   inflates less than the wall clock; peak RSS: the process's maxRSS, worker threads included, both read in the
//   child at exit):
//     fit       energylens fit --data N.csv --no-discovery (default restarts and robust rounds): the fit itself
//     fit-discovery  energylens fit --data N.csv --evals 2000 (the default fit: auto structure with discovery of
//               corrections, at a fixed budget); discoverySeconds/discoveryCpuSeconds: this minus fit, per size
//     predict   energylens predict with a model fitted on the 1k records
//     discover  energylens discover --targets energy_per_token --evals 2000 --seed 1 --workers 1
//     sr        energylens sr --target energy_j --features tp,num_gpus,batch,output_tokens,active_params_b
//               --evals 2000 --islands 2 --workers 1 --seed 1
//   growth: the ratio of seconds (and of peak RSS) per tenfold of the input; 100k -> 500k is scaled to a
//   tenfold as ratio^(1 / log10 5).
//   Targets (issue 21): fit (without discovery) on 500k under 120 s and under 1 GB; every step from 10k up at most
//   13x per tenfold.
// Options: --sizes=1000,10000 (default 1000,10000,100000,500000), --steps=fit,predict (default all five),
//          --timeout=S per command (default 900; a step that times out is reported as such), --keep (keep the data)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, expandRecords, importMlEnergyCsv } from './scale-data.mjs';
import { runEnvironment } from './run-environment.mjs';

const opt = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const sizes = opt('sizes', '1000,10000,100000,500000').split(',').map(Number);
const steps = opt('steps', 'fit,fit-discovery,predict,discover,sr').split(',');
const timeoutS = Number(opt('timeout', 900));
const EVALS = 2000;
const dir = mkdtempSync(join(tmpdir(), 'energylens-scale-'));
// loaded into each child before the CLI: writes the process's peak RSS (KB) and CPU time (us) where EL_RSS_FILE
// says, at exit
const RSS_HOOK = `data:text/javascript,process.on('exit',()=>{try{const u=process.resourceUsage();process.getBuiltinModule('node:fs').writeFileSync(process.env.EL_RSS_FILE,u.maxRSS+' '+(u.userCPUTime+u.systemCPUTime))}catch{}})`;

/** Runs one energylens command; { seconds, cpuSeconds, peakRssMB, ok, error? }. */
function measure(args) {
  const rssFile = join(dir, 'rss.txt');
  rmSync(rssFile, { force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [`--import=${RSS_HOOK}`, CLI, ...args], {
    cwd: dir, encoding: 'utf8', timeout: timeoutS * 1000, env: { ...process.env, EL_RSS_FILE: rssFile }, maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - t0) / 1000;
  let peakRssMB = null;
  let cpuSeconds = null;
  try {
    const [rssKB, cpuUs] = readFileSync(rssFile, 'utf8').split(' ').map(Number);
    peakRssMB = Math.round(rssKB / 1024);
    cpuSeconds = Number((cpuUs / 1e6).toFixed(2));
  } catch { /* killed by the timeout */ }
  const base = { seconds: Number(seconds.toFixed(2)), cpuSeconds, peakRssMB };
  if (r.error?.code === 'ETIMEDOUT' || r.signal) return { ...base, ok: false, error: `timed out after ${timeoutS} s` };
  if (r.status !== 0) return { ...base, ok: false, error: (r.stderr || r.stdout).trim().split('\n').slice(0, 3).join(' | ') };
  return { ...base, ok: true };
}

const command = {
  fit: (n) => ['fit', '--data', `r${n}.csv`, '--out', `m${n}.json`, '--no-discovery', '--no-progress'],
  'fit-discovery': (n) => ['fit', '--data', `r${n}.csv`, '--out', `md${n}.json`, '--evals', String(EVALS), '--no-progress'],
  predict: (n) => ['predict', '--model', 'm-base.json', '--data', `r${n}.csv`, '--out', `p${n}.csv`],
  discover: (n) => ['discover', '--data', `r${n}.csv`, '--targets', 'energy_per_token', '--evals', String(EVALS), '--seed', '1', '--workers', '1', '--no-progress'],
  sr: (n) => ['sr', '--data', `r${n}.csv`, '--target', 'energy_j', '--features', 'tp,num_gpus,batch,output_tokens,active_params_b', '--evals', String(EVALS), '--islands', '2', '--workers', '1', '--seed', '1', '--no-progress'],
};

/** Ratio per tenfold between consecutive sizes, for a series of { n, value }. */
function growth(series) {
  const out = [];
  for (let i = 1; i < series.length; i++) {
    const a = series[i - 1];
    const b = series[i];
    if (a.value === null || b.value === null || !(a.value > 0)) continue;
    const perTenfold = (b.value / a.value) ** (1 / Math.log10(b.n / a.n));
    out.push({ from: a.n, to: b.n, ratio: Number((b.value / a.value).toFixed(2)), perTenfold: Number(perTenfold.toFixed(2)) });
  }
  return out;
}

const loadAtStart = (await import('node:os')).loadavg().map((x) => Number(x.toFixed(1)));
try {
  const base = importMlEnergyCsv(join(dir, 'mlenergy.csv'));
  const data = {};
  for (const n of sizes) {
    await expandRecords(base, join(dir, `r${n}.csv`), n);
    data[n] = { megabytes: Number((statSync(join(dir, `r${n}.csv`)).size / 1e6).toFixed(1)) };
  }
  await expandRecords(base, join(dir, 'r-base.csv'), 1000);
  const baseFit = measure(['fit', '--data', 'r-base.csv', '--out', 'm-base.json', '--no-discovery', '--no-progress']);
  if (!baseFit.ok) throw new Error(`the 1k-record fit for predict failed: ${baseFit.error}`);
  const results = {};
  for (const step of steps) {
    results[step] = { runs: [] };
    for (const n of sizes) {
      const m = measure(command[step](n));
      results[step].runs.push({ n, ...m });
      process.stderr.write(`${step} ${n}: ${JSON.stringify(m)}\n`);
    }
    const ok = (r) => r.ok;
    results[step].secondsGrowth = growth(results[step].runs.map((r) => ({ n: r.n, value: ok(r) ? r.seconds : null })));
    results[step].cpuSecondsGrowth = growth(results[step].runs.map((r) => ({ n: r.n, value: ok(r) ? r.cpuSeconds : null })));
    results[step].rssGrowth = growth(results[step].runs.map((r) => ({ n: r.n, value: ok(r) ? r.peakRssMB : null })));
  }
  if (results.fit && results['fit-discovery']) {
    // discovery's own share: the default fit minus the fit without discovery, size by size
    results['fit-discovery'].discovery = results['fit-discovery'].runs.map((r) => {
      const f = results.fit.runs.find((x) => x.n === r.n);
      const ok = r.ok && f?.ok;
      return { n: r.n, seconds: ok ? Number((r.seconds - f.seconds).toFixed(2)) : null, cpuSeconds: ok && r.cpuSeconds !== null && f.cpuSeconds !== null ? Number((r.cpuSeconds - f.cpuSeconds).toFixed(2)) : null };
    });
  }
  const fit500k = results.fit?.runs.find((r) => r.n === 500000);
  const targets = {
    fit500kUnder120s: fit500k ? fit500k.ok && fit500k.seconds < 120 : null,
    fit500kUnder120sCpu: fit500k ? fit500k.ok && fit500k.cpuSeconds !== null && fit500k.cpuSeconds < 120 : null,
    fit500kUnder1GB: fit500k ? fit500k.ok && fit500k.peakRssMB !== null && fit500k.peakRssMB < 1024 : null,
    atMost13xPerTenfoldFrom10k: Object.fromEntries(Object.entries(results).map(([s, r]) => [s, r.secondsGrowth.filter((g) => g.from >= 10000).every((g) => g.perTenfold <= 13)])),
    cpuAtMost13xPerTenfoldFrom10k: Object.fromEntries(Object.entries(results).map(([s, r]) => [s, r.cpuSecondsGrowth.filter((g) => g.from >= 10000).every((g) => g.perTenfold <= 13)])),
  };
  process.stdout.write(`${JSON.stringify({ benchmark: 'scale', ...runEnvironment(), loadAverageAtStart: loadAtStart, loadAverage: (await import('node:os')).loadavg().map((x) => Number(x.toFixed(1))), evals: EVALS, data, results, targets }, null, 2)}\n`);
} finally {
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`data kept in ${dir}\n`);
}
