/** energylens profile: sweep a serving engine on real GPUs and write the measured records. */
import { Command } from 'commander';
import { progressBar } from '../progress.js';
import { loadCatalog } from '../../energy/catalog/index.js';
import { readEnergyModel } from '../../energy/model/index.js';
import { quote } from 'shell-quote';
import { EnergyLensError, isEnergyLensError } from '../../errors.js';
import {
  configKey, expandGrid, gpusOf, launchArgv, probeGpus, readPlan, runProfile, type ProfileEvent, type ProfilePlan,
} from '../../energy/profiler/index.js';
import { assertOutputFolder, bad, integerArg, sig } from '../energy-args.js';

interface ProfileFlags {
  plan: string; out?: string; dryRun: boolean; budget?: number; base?: string; retryFailed: boolean; seed: number; catalog?: string; nvidiaSmi?: string;
  json?: boolean; progress: boolean;
}

export function register(program: Command): void {
  program
    .command('profile')
    .description('sweep a serving engine over a plan\'s configurations on real GPUs, measuring energy through nvidia-smi')
    .requiredOption('--plan <plan.yaml>', 'the campaign: model, engine command, grid, prompt and output lengths (docs/profiling.md)')
    .option('--out <records.csv>', 'records CSV, rewritten atomically after every configuration; an existing one is resumed (required unless --dry-run)')
    .option('--dry-run', 'check the plan and print every configuration with its GPUs and launch command; run nothing', false)
    .option('--budget <n>', 'measure at most n configurations in the campaign, chosen adaptively (widest prediction interval first)', integerArg('--budget', 1))
    .option('--base <public.json>', 'with --budget: a model with series effects (e.g. models/mlenergy-v3.json) whose prior picks the configurations that pin your series fastest (the widest interval of its series effect first)')
    .option('--retry-failed', 'run again the configurations an earlier run recorded as failed', false)
    .option('--seed <n>', 'seed of the adaptive choice\'s model fits', integerArg('--seed', 0), 0)
    .option('--catalog <file.json>', 'user catalog extending the built-in hardware and models')
    .option('--nvidia-smi <path>', 'the nvidia-smi to run (default: nvidia-smi on PATH)')
    .option('--json', 'print the campaign summary as JSON on stdout', false)
    .option('--no-progress', 'no progress bar')
    .addHelpText('after', `
Files: RECORDS.csv (one record per measured configuration), RECORDS.csv.failures.csv (configurations that failed,
with the reason), RECORDS.csv.logs/ (the engine's output per configuration). Ctrl-C stops after stopping the
engine; run the same command again to resume.`)
    .action(async (flags: ProfileFlags) => {
      await runProfileCommand(flags);
    });
}

/** A word as a shell reads it: as it is when it is plain, else quoted. */
const shellWord = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : quote([w]));

/** The plan's configurations and launch commands, without running anything (GPUs: the plan's list, else nvidia-smi's). */
async function dryRun(plan: ProfilePlan, flags: ProfileFlags): Promise<void> {
  let gpus = plan.gpus;
  if (!gpus) {
    try {
      gpus = (await probeGpus(flags.nvidiaSmi ? { command: flags.nvidiaSmi } : {})).map((g) => g.index);
    } catch (err) {
      if (!isEnergyLensError(err, 'GPU_UNAVAILABLE')) throw err;
      // a dry run runs nothing: without GPUs to ask, assume as many as the largest configuration needs
      const need = Math.max(...expandGrid(plan, Number.MAX_SAFE_INTEGER).configs.map(gpusOf), 1);
      gpus = Array.from({ length: need }, (_, i) => i);
      process.stderr.write(`note: ${err.message}; the dry run assumes GPUs ${gpus.join(',')} (list them in the plan with gpus: [0, 1, ...])\n`);
    }
  }
  const { configs, skipped } = expandGrid(plan, gpus.length);
  const lines = configs.map((c) => {
    const { argv, env } = launchArgv(plan, c, plan.engine.port ?? 'PORT');
    const envText = Object.entries({ ...env, CUDA_VISIBLE_DEVICES: gpus.slice(0, gpusOf(c)).join(',') }).map(([k, v]) => `${k}=${shellWord(v)}`).join(' ');
    return { config: configKey(c), command: `${envText} ${argv.map(shellWord).join(' ')}` };
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ configurations: lines, skipped: skipped.map((x) => ({ config: configKey(x.config), reason: x.reason })) }, null, 2)}\n`);
    return;
  }
  for (const l of lines) process.stdout.write(`${l.config}\n  ${l.command}\n`);
  for (const x of skipped) process.stdout.write(`left out: ${configKey(x.config)} (${x.reason})\n`);
  process.stdout.write(`${lines.length} configurations${plan.engine.port === undefined ? '; PORT is a free port chosen per configuration' : ''}\n`);
}

async function runProfileCommand(flags: ProfileFlags): Promise<void> {
  const plan = readPlan(flags.plan);
  // --base is checked in a dry run too: a dry run is how a plan and its options are checked before a campaign
  if (flags.base && flags.budget === undefined) bad('--base chooses what a --budget measures first; without --budget every configuration is measured: add --budget N or drop --base');
  const base = flags.base ? readEnergyModel(flags.base) : undefined;
  if (base && !base.series) throw new EnergyLensError('INVALID_MODEL_FILE', `${flags.base} has no series section (a pooled model); give a model fitted with series effects, e.g. models/mlenergy-v3.json`);
  if (flags.dryRun) {
    await dryRun(plan, flags);
    return;
  }
  const out = flags.out ?? bad('--out RECORDS.csv is required (unless --dry-run)');
  assertOutputFolder('--out', out);
  const catalog = loadCatalog(flags.catalog);
  const abort = new AbortController();
  const onSigint = (): void => {
    if (abort.signal.aborted) return;
    process.stderr.write('\nstopping: the engine is being shut down; run the same command again to resume\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const tty = flags.progress && process.stderr.isTTY;
  const bar = tty ? progressBar('{key} |{bar}| {value}/{total} {phase} requests', { clearOnComplete: true }) : undefined;
  let barOn = false;
  const log = (line: string): void => {
    if (barOn) { bar?.stop(); barOn = false; }
    // the log is on stderr, so it stays with --json (whose summary is on stdout)
    process.stderr.write(`${line}\n`);
  };
  const onEvent = (e: ProfileEvent): void => {
    switch (e.type) {
      case 'gpus': log(`GPUs: ${e.gpus.length} x ${e.gpus[0]?.name ?? '?'} (catalog: ${e.hardware}); using ${e.using.join(', ')}`); break;
      case 'plan': {
        log(`plan: ${e.total} configurations; ${e.done} measured and ${e.failedBefore} failed in earlier runs; ${e.todo} to do`);
        for (const s of e.skipped) log(`  left out: ${s.key} (${s.reason})`);
        break;
      }
      case 'idle': log(`idle power: ${sig(e.powerW)} W per GPU (${e.perGpuW.map((w) => sig(w, 3)).join(', ')})`); break;
      case 'start': log(`[${e.index}/${e.of}] ${e.key}${e.why ? `: ${e.why}` : ''}`); break;
      case 'requests': {
        if (!bar) break;
        if (!barOn) { bar.start(e.total, e.done, { key: e.key, phase: e.phase }); barOn = true; }
        bar.update(e.done, { key: e.key, phase: e.phase });
        if (e.done === e.total) { bar.stop(); barOn = false; }
        break;
      }
      case 'measured': log(`  ${sig(e.record.energy_j)} J per request (prefill ${sig(e.record.prefill_energy_j ?? 0)} J), ${sig(e.record.energy_j / e.record.output_tokens)} J per output token, batch ${sig(e.record.batch, 3)}`); break;
      case 'failed': log(`  failed: ${e.reason}`); break;
    }
  };
  let result;
  try {
    result = await runProfile({
      plan, out, catalog, seed: flags.seed, retryFailed: flags.retryFailed, signal: abort.signal, onEvent,
      ...(flags.budget !== undefined ? { budget: flags.budget } : {}), ...(base ? { base } : {}), ...(flags.nvidiaSmi ? { nvidiaSmi: flags.nvidiaSmi } : {}),
    });
  } finally {
    if (barOn) bar?.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const left = result.budgetLeft === 0 && result.remaining > 0 ? `the budget is spent (${result.remaining} grid configurations not measured)` : `${result.remaining} left`;
    process.stdout.write(`${result.measured} measured, ${result.failed} failed in this run (${result.resumed} records from earlier runs); ${left}${result.interrupted ? ' (interrupted)' : ''}\n`);
    process.stdout.write(`records: ${result.recordsPath}${result.failed > 0 || result.measured === 0 ? `\nfailures: ${result.failuresPath}` : ''}\nengine logs: ${result.logDir}\n`);
  }
  if (result.interrupted) process.exitCode = 130;
}
