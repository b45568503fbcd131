/** The flags every command that talks to a queue shares (--redis, --queue, --redis-ca), and how its events are told. */
import type { Command } from 'commander';
import type { DistributedEvent } from '../distributed/index.js';
import { DEFAULT_QUEUE, PASSWORD_ENV } from '../distributed/index.js';

export interface RedisFlags { redis?: string; queue: string; redisCa?: string }

export function addRedisOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--redis <url>', `${what} through BullMQ on this Redis: redis://[user:password@]host[:port][/db], rediss://... for TLS (password also from ${PASSWORD_ENV})`)
    .option('--queue <name>', 'queue name (runs sharing a Redis use different names, or share workers with the same one)', DEFAULT_QUEUE)
    .option('--redis-ca <file.pem>', 'certificate authority of the Redis server (rediss:// with a private CA)');
}

/** One line on stderr per distributed event. */
export function printDistributedEvent(e: DistributedEvent): void {
  const what = e.label ? `${e.label}: ` : '';
  const text: Record<DistributedEvent['type'], string> = {
    'job-stalled': `${what}its worker was lost; the job is back in the queue and reruns from the last migration state`,
    'job-retried': `${what}the job failed (${e.reason ?? 'unknown'}); BullMQ retries it`,
    'job-resubmitted': `${what}Redis no longer had the job; submitted again`,
    'redis-lost': `lost the connection to Redis (${e.reason ?? 'unknown'}); waiting for it to come back`,
    'redis-back': 'reconnected to Redis',
  };
  process.stderr.write(`\nwarning: ${text[e.type]}\n`);
}
