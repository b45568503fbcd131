/** energylens worker: a long-running queue worker (island cycles, fits, discoveries). A thin layer over startWorker. */
import { Command } from 'commander';
import { EnergyLensError } from '../../errors.js';
import { startWorker, type WorkerLogEntry } from '../../distributed/index.js';
import { integerArg } from '../energy-args.js';
import { addRedisOptions, type RedisFlags } from '../redis-args.js';

interface WorkerFlags extends RedisFlags { concurrency: number; lockDuration: number; stalledInterval: number; json?: boolean }

export function register(program: Command): void {
  const cmd = program
    .command('worker')
    .description('take jobs from a BullMQ queue on Redis until stopped: island cycles of `sr --redis`, discoveries of `discover --redis`, fits');
  addRedisOptions(cmd, 'take jobs');
  cmd
    .option('--concurrency <n>', 'jobs at once (island cycles then run on that many threads); one per core of this machine is the most useful', integerArg('--concurrency', 1), 1)
    .option('--lock-duration <ms>', 'a job\'s lock without renewal; must exceed the longest island cycle at concurrency 1', integerArg('--lock-duration', 100), 30_000)
    .option('--stalled-interval <ms>', 'how often to look for jobs whose worker was lost (they go back to the queue)', integerArg('--stalled-interval', 100), 30_000)
    .option('--json', 'one JSON line per job on stdout instead of text on stderr')
    .addHelpText('after', '\nSIGINT or SIGTERM: finishes the jobs in hand, then exits. A worker killed outright loses nothing: its jobs are retried elsewhere.')
    .action(async (flags: WorkerFlags) => {
      await runWorker(flags);
    });
}

async function runWorker(flags: WorkerFlags): Promise<void> {
  if (!flags.redis) throw new EnergyLensError('INVALID_OPTION', 'worker needs --redis URL (the Redis the head submits to)');
  const log = (e: WorkerLogEntry): void => {
    if (e.event === 'active' && !flags.json) return;
    if (flags.json) process.stdout.write(`${JSON.stringify(e)}\n`);
    else process.stderr.write(`${e.event} ${e.label} (attempt ${e.attempt}${e.seconds !== undefined ? `, ${e.seconds.toFixed(2)} s` : ''})${e.reason ? `: ${e.reason}` : ''}\n`);
  };
  const worker = await startWorker({
    redis: flags.redis, queue: flags.queue, caFile: flags.redisCa, concurrency: flags.concurrency,
    lockDurationMs: flags.lockDuration, stalledIntervalMs: flags.stalledInterval, onLog: log,
  });
  const ready = { event: 'ready', queue: worker.queue, concurrency: flags.concurrency, pid: process.pid };
  if (flags.json) process.stdout.write(`${JSON.stringify(ready)}\n`);
  else process.stderr.write(`worker ${process.pid} ready on queue ${worker.queue} (concurrency ${flags.concurrency})\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.stderr.write(`worker ${process.pid}: ${signal}, finishing the jobs in hand\n`);
      process.removeListener('SIGINT', onInt);
      process.removeListener('SIGTERM', onTerm);
      void worker.close().then(resolve, resolve);
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
  process.stderr.write(`worker ${process.pid}: stopped after ${worker.counts.completed} jobs (${worker.counts.failed} failed)\n`);
}
