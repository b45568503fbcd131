/**
 * Reaching Redis: parse and check a connection URL (redis:// or rediss:// for TLS, with user and password), build
 * ioredis clients for BullMQ, warn when a non-loopback Redis is reached without authentication, and fail fast
 * with REDIS_UNAVAILABLE when Redis cannot be reached at start (a run never hangs on a wrong address).
 *
 * After the start, clients reconnect forever (ioredis's retry strategy) and commands wait for the connection
 * (`maxRetriesPerRequest: null`, which BullMQ needs for its blocking connections): a Redis restart mid-run is
 * waited out, not fatal.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { DistributedError } from './errors.js';

/** A parsed connection URL. `display` is the URL with the password masked (for messages). */
export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  display: string;
}

export interface RedisConnectOptions {
  /** redis://[user:password@]host[:port][/db], or rediss://... for TLS */
  redis: string;
  /** PEM file of the certificate authority that signed the server's certificate (TLS with a private CA) */
  caFile?: string;
  /** seconds to wait for the first connection before REDIS_UNAVAILABLE (default 5) */
  connectTimeoutSeconds?: number;
  /** warnings (unauthenticated Redis on a non-loopback address, ...); default: written to stderr */
  onWarning?: (message: string) => void;
}

/** Environment variable read for the password when the URL has none (keeps it out of the process list). */
export const PASSWORD_ENV = 'ENERGYLENS_REDIS_PASSWORD';
export const DEFAULT_REDIS_PORT = 6379;

const URL_FORM = 'redis://[user:password@]host[:port][/db] or rediss://... (TLS)';

/** Parses a connection URL; INVALID_OPTION names what is wrong. The password may come from ENERGYLENS_REDIS_PASSWORD. */
export function parseRedisUrl(url: string, env: NodeJS.ProcessEnv = process.env): RedisTarget {
  const bad = (why: string): never => { throw new DistributedError('INVALID_OPTION', `Redis URL "${maskUrl(url)}": ${why} (expected ${URL_FORM})`); };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return bad('not a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') bad(`scheme "${u.protocol.replace(/:$/, '')}" is not redis or rediss`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) bad('no host');
  const port = u.port === '' ? DEFAULT_REDIS_PORT : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) bad(`port ${u.port} is not in 1-65535`);
  const path = u.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0) bad(`database "${path}" is not a non-negative integer`);
  if (u.search || u.hash) bad('query strings and fragments are not read');
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : env[PASSWORD_ENV] || undefined;
  const target: RedisTarget = { host, port, db, tls: u.protocol === 'rediss:', display: maskUrl(url) };
  if (username) target.username = username;
  if (password) target.password = password;
  return target;
}

/** The URL with any password replaced by "***". */
export function maskUrl(url: string): string {
  return url.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

/** True for localhost, 127.0.0.0/8 and ::1. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** The warning to give when this target is reached without a password, or undefined. */
export function authWarning(t: RedisTarget): string | undefined {
  if (t.password || isLoopback(t.host)) return undefined;
  return `Redis at ${t.host}:${t.port} is reached without authentication: anyone who can reach it can read the data and submit jobs. `
    + `Set a password (requirepass or an ACL user) and give it in the URL or in ${PASSWORD_ENV}; use rediss:// across networks`;
}

/** ioredis options for a target: reconnect forever, commands wait for the connection (BullMQ needs that). */
export function redisOptions(t: RedisTarget, o: Pick<RedisConnectOptions, 'caFile' | 'connectTimeoutSeconds'> = {}): RedisOptions {
  const options: RedisOptions = {
    host: t.host, port: t.port, db: t.db, username: t.username, password: t.password,
    maxRetriesPerRequest: null,
    connectTimeout: Math.round((o.connectTimeoutSeconds ?? 5) * 1000),
    retryStrategy: (times) => Math.min(100 * times, 2000),
  };
  if (t.tls) {
    options.tls = { servername: isIP(t.host) ? undefined : t.host };
    if (o.caFile) {
      try {
        options.tls.ca = readFileSync(o.caFile);
      } catch (err) {
        throw new DistributedError('FILE_NOT_FOUND', `Redis CA file ${o.caFile}: ${(err as Error).message}`);
      }
    }
  } else if (o.caFile) {
    throw new DistributedError('INVALID_OPTION', `a CA file (${o.caFile}) is given but the Redis URL ${t.display} is not rediss:// (TLS)`);
  }
  return options;
}

/** A client that reconnects forever; `name` shows in CLIENT LIST. Errors are reported once per outage to `onError`. */
export function createRedisClient(t: RedisTarget, o: RedisConnectOptions, name: string, onError?: (err: Error) => void): Redis {
  const client = new Redis({ ...redisOptions(t, o), connectionName: name });
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) onError?.(err);
    down = true;
  });
  client.on('ready', () => { down = false; });
  return client;
}

/**
 * One connection attempt, no retries: resolves when Redis answers PING, else REDIS_UNAVAILABLE naming the address
 * and the cause (refused, timed out, wrong password, TLS). Gives the authentication warning when one is due.
 */
export async function checkRedis(t: RedisTarget, o: Omit<RedisConnectOptions, 'redis'> = {}): Promise<void> {
  const seconds = o.connectTimeoutSeconds ?? 5;
  const client = new Redis({
    ...redisOptions(t, o), lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectionName: 'energylens-check',
  });
  // the socket's own error (refused, unknown host, TLS) arrives as an event; the promise only says "closed"
  let cause: unknown;
  client.on('error', (err: unknown) => { cause ??= err; });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${seconds} s`)), seconds * 1000); });
    await Promise.race([(async () => { await client.connect(); await client.ping(); })(), timeout]);
  } catch (err) {
    throw new DistributedError('REDIS_UNAVAILABLE', `cannot reach Redis at ${t.display}: ${describeRedisError(cause ?? err)}`);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
  const warning = authWarning(t);
  if (warning) (o.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`)))(warning);
}

function describeRedisError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const m = e?.message ?? String(err);
  if (e?.code === 'ECONNREFUSED') return 'connection refused (is redis-server running on that host and port?)';
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return 'unknown host';
  if (/WRONGPASS|invalid password|invalid username-password/i.test(m)) return `authentication failed (${m})`;
  if (/NOAUTH/i.test(m)) return `the server needs a password (give it in the URL or in ${PASSWORD_ENV})`;
  if (/certificate|SSL|TLS|EPROTO/i.test(m)) return `TLS failed (${m})`;
  return m;
}
