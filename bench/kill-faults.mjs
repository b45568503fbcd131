// node bench/kill-faults.mjs [--kills=30] [--seed=1] — kill -9 at random moments. Prints one JSON object.
//   Commands, in turn: simulate (a sweep of some thousand records), import mlenergy, import csv (a 20k-record
//   file), fit (2,000 records) and sr --checkpoint (--checkpoint-every 1). Each trial runs the command, sends
//   SIGKILL after a random delay drawn uniformly over the command's own duration (measured once beforehand),
//   then looks at the folder: is the output (if any) whole, which temporary files are left; then runs the same
//   command again (sr: with --resume) and looks again. Counts: truncated outputs, temporary files left after
//   the kill and after the next run, sr runs that could not be resumed, next runs that failed.
//   Targets (issue 21): 0 truncated outputs, 0 temporary files after the next run, every sr resumable.
//   Needs the shared ML.ENERGY data set (../shared/data/mlenergy-v3).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { CLI, MLENERGY, expandRecords, importMlEnergyCsv } from './scale-data.mjs';
import { runEnvironment } from './run-environment.mjs';

const opt = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const kills = opt('kills', 30);
let seed = opt('seed', 1) >>> 0 || 1;
const random = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 2 ** 32; };
const dir = mkdtempSync(join(tmpdir(), 'energylens-kills-'));
const SIM = ['simulate', '--out', 'sim.csv', '--models', 'Llama-3.1-8B-Instruct,Llama-3.1-70B-Instruct,Qwen3-30B-A3B-Instruct-2507', '--hardware', 'H100,B200',
  '--tp', '1,2,4,8', '--pp', '1,2,4', '--batch', '1,2,4,8,16,32,64,128,256', '--input', '128,512,2048,8192', '--output', '64,256,1024', '--no-progress'];
const SR = ['sr', '--data', 'xy.csv', '--target', 'y', '--islands', '2', '--workers', '1', '--seed', '1', '--checkpoint', 'sr.ckpt', '--checkpoint-every', '1', '--no-progress'];

/** Each command: its arguments, the next run's arguments, its output and how to tell the output is whole. */
const COMMANDS = {
  simulate: { args: SIM, again: SIM, out: 'sim.csv', whole: (p, expect) => csvRows(p) === expect.simulate },
  'import mlenergy': { args: ['import', 'mlenergy', '--dir', MLENERGY, '--out', 'ml.csv'], out: 'ml.csv', whole: (p) => csvRows(p) === 838 },
  'import csv': { args: ['import', 'csv', '--in', 'big.csv', '--map', 'model=model', '--out', 'imp.csv', '--no-progress'], out: 'imp.csv', whole: (p) => csvRows(p) === 20000 },
  fit: { args: ['fit', '--data', 'fit.csv', '--out', 'model.json', '--no-discovery'], out: 'model.json', whole: (p) => JSON.parse(readFileSync(p, 'utf8')).parameters?.length === 12 },
  sr: { args: [...SR, '--time', '8'], again: [...SR, '--time', '4', '--resume'], out: 'sr.ckpt', whole: (p) => JSON.parse(readFileSync(p, 'utf8')).format === 'energylens-sr-checkpoint' },
};

function csvRows(p) {
  try { return parse(readFileSync(p, 'utf8')).length - 1; } catch { return -1; }
}
const temps = () => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const runSync = (args) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 600_000 });

try {
  const base = importMlEnergyCsv(join(dir, 'mlenergy.csv'));
  await expandRecords(base, join(dir, 'big.csv'), 20000);
  await expandRecords(base, join(dir, 'fit.csv'), 2000, 7);
  writeFileSync(join(dir, 'xy.csv'), `x,z,y\n${Array.from({ length: 400 }, (_, i) => `${i / 40 + 0.1},${(i * 7) % 13},${Math.exp(i / 200) * (1 + ((i * 7) % 13) / 10)}`).join('\n')}\n`);
  // reference runs: durations (the window the kill is drawn in) and the simulate output's size
  const durations = {};
  const expect = {};
  for (const [name, c] of Object.entries(COMMANDS)) {
    const t0 = performance.now();
    const r = runSync(c.args);
    if (r.status !== 0) throw new Error(`${name} failed on its reference run: ${r.stderr}`);
    durations[name] = (performance.now() - t0) / 1000;
    if (name === 'simulate') expect.simulate = csvRows(join(dir, 'sim.csv'));
    rmSync(join(dir, c.out), { force: true });
  }
  const names = Object.keys(COMMANDS);
  const trials = [];
  for (let k = 0; k < kills; k++) {
    const name = names[k % names.length];
    const c = COMMANDS[name];
    const delayS = random() * durations[name];
    const child = spawn(process.execPath, [CLI, ...c.args], { cwd: dir, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayS * 1000);
    const [code, signal] = await once(child, 'exit');
    clearTimeout(timer);
    const outPath = join(dir, c.out);
    const t = { command: name, delayS: Number(delayS.toFixed(2)), killed: signal === 'SIGKILL', exitCode: code };
    t.outputAfterKill = existsSync(outPath) ? (safe(() => c.whole(outPath, expect)) ? 'whole' : 'truncated') : 'absent';
    t.tempsAfterKill = temps().length;
    const again = runSync(c.again ?? c.args);
    t.nextRunOk = again.status === 0;
    if (!t.nextRunOk) t.nextRunError = again.stderr.trim().split('\n')[0];
    if (name === 'sr') t.resumed = t.nextRunOk ? (/starting a fresh search/.test(again.stderr) ? 'fresh (no checkpoint yet)' : 'from checkpoint') : 'failed';
    t.outputAfterNextRun = existsSync(outPath) ? (safe(() => c.whole(outPath, expect)) ? 'whole' : 'truncated') : 'absent';
    t.tempsAfterNextRun = temps().length;
    trials.push(t);
    process.stderr.write(`${JSON.stringify(t)}\n`);
    // outputs stay, so later kills also test that a whole old file survives a killed rewrite; sr's checkpoint
    // goes, so each sr trial starts a search of its own (a resumed budget counts the whole search)
    if (name === 'sr') rmSync(outPath, { force: true });
  }
  const count = (f) => trials.filter(f).length;
  process.stdout.write(`${JSON.stringify({
    benchmark: 'kill-faults', ...runEnvironment(), kills: trials.length, referenceSeconds: Object.fromEntries(Object.entries(durations).map(([k, v]) => [k, Number(v.toFixed(2))])),
    killedMidRun: count((t) => t.killed),
    truncatedOutputs: count((t) => t.outputAfterKill === 'truncated' || t.outputAfterNextRun === 'truncated'),
    tempFilesLeftByKills: trials.reduce((a, t) => a + t.tempsAfterKill, 0),
    tempFilesAfterNextRun: trials.reduce((a, t) => a + t.tempsAfterNextRun, 0),
    nextRunsFailed: count((t) => !t.nextRunOk),
    srNotResumable: count((t) => t.command === 'sr' && t.resumed === 'failed'),
    srResumedFromCheckpoint: count((t) => t.resumed === 'from checkpoint'),
    trials,
  }, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function safe(f) {
  try { return f(); } catch { return false; }
}
