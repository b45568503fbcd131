/**
 * The head's side of the queue: submits jobs and waits for every result, robust to what a cluster does.
 *
 * - Job ids are content hashes of the payload: submitting the same job twice (a head restarted with --resume, a
 *   job lost with a Redis restart) is the same job; a result already in Redis is taken, not recomputed.
 * - Results arrive as BullMQ queue events (fast); a poll every `pollSeconds` is the safety net: it takes results
 *   whose event was missed, resubmits jobs Redis no longer has (a restart without persistence), and retries once a
 *   job that had failed in an earlier run.
 * - Retries of a job whose worker died or threw are BullMQ's (attempts with backoff, stalled-job detection);
 *   they are reported through `onEvent`. A job that fails for good rejects the wait with the worker's error code.
 */
import { createHash } from 'node:crypto';
import { Queue, QueueEvents, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ErrorCode } from '../errors.js';
import { DistributedError } from './errors.js';
import { checkRedis, createRedisClient, parseRedisUrl, type RedisConnectOptions, type RedisTarget } from './connection.js';
import type { JobName } from './jobs.js';

export const DEFAULT_QUEUE = 'energylens';
export const DEFAULT_PREFIX = 'bull';

export interface QueueNameOptions {
  /** queue name; several runs may share one (default 'energylens') */
  queue?: string;
  /** key prefix of BullMQ's keys (default 'bull') */
  prefix?: string;
}

export interface JobClientOptions extends RedisConnectOptions, QueueNameOptions {
  /** tries of a job that throws or whose worker dies (default 5) */
  attempts?: number;
  /** first backoff between tries in milliseconds, doubling (default 500) */
  backoffMs?: number;
  /** seconds between the safety-net polls of pending jobs (default 1) */
  pollSeconds?: number;
  /** completed jobs BullMQ keeps for inspection (default 100) */
  keepCompleted?: number;
  /**
   * seconds a look at a pending job may wait for Redis before the head reports Redis as lost (default 15): a server
   * that keeps the connection open but does not answer (stopped, swapping, a half-open network path) closes no
   * socket, so without this the head would wait in silence
   */
  silenceSeconds?: number;
  onEvent?: (e: DistributedEvent) => void;
}

export interface DistributedEvent {
  type: 'job-stalled' | 'job-retried' | 'job-resubmitted' | 'redis-lost' | 'redis-back';
  /** e.g. "island 3" */
  label?: string;
  jobId?: string;
  reason?: string;
}

export interface JobRequest<R> {
  name: JobName;
  data: object;
  /** what the job is, for messages ("island 3", "discover H100") */
  label: string;
  /** checks and types the returned value */
  check: (value: unknown) => R;
}

interface Waiter {
  id: string;
  req: JobRequest<unknown>;
  submittedAt: number;
  retriedStale: boolean;
  /** a poll's look at this job is still waiting for Redis (polls do not pile up while Redis is away) */
  polling: boolean;
  /** when that look began (ms) */
  pollingSince: number;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const bad = (message: string): never => { throw new DistributedError('INVALID_OPTION', message); };

/** Whether an error is Redis going away (the command can be sent again once it is back), not an answer of Redis. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { message?: string; code?: string } | null;
  return /Connection is closed|connection close|Stream isn't writeable|ECONNREFUSED|ECONNRESET|EPIPE/i.test(e?.message ?? '')
    || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(e?.code ?? '');
}


export function checkQueueName(name: string, flag = 'queue'): string {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name)) bad(`${flag} must be 1-100 letters, digits, "_", "." or "-", got "${name}"`);
  return name;
}

/** A job's id: its name and a hash of its payload (the same payload is the same job). */
export function jobId(name: string, data: object): string {
  return `${name}-${createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 32)}`;
}

/** A worker's failure "[CODE] message" as the typed error; anything else is WORKER_FAILED. */
export function errorFromReason(label: string, reason: string | undefined): DistributedError {
  const m = /^\[([A-Z_]+)\] ([\s\S]*)$/.exec(reason ?? '');
  if (m) return new DistributedError(m[1] as ErrorCode, `${label}: ${m[2]}`);
  return new DistributedError('WORKER_FAILED', `${label}: ${reason || 'the job failed'}`);
}

export class JobClient {
  readonly queueName: string;
  readonly prefix: string;
  private readonly target: RedisTarget;
  private queue: Queue | undefined;
  private events: QueueEvents | undefined;
  private clients: Redis[] = [];
  private connecting: Promise<void> | undefined;
  private readonly waiters = new Map<string, Waiter>();
  private poller: NodeJS.Timeout | undefined;
  private redisDown = false;
  private closed = false;
  /** Redis was reported lost because it stopped answering (not because a connection closed) */
  private silent = false;
  /** called before a job is submitted again (e.g. to store its dataset again) */
  beforeResubmit: (() => Promise<void>) | undefined;

  constructor(private readonly options: JobClientOptions) {
    this.queueName = checkQueueName(options.queue ?? DEFAULT_QUEUE);
    this.prefix = checkQueueName(options.prefix ?? DEFAULT_PREFIX, 'prefix');
    const { attempts, backoffMs, pollSeconds, keepCompleted, silenceSeconds } = options;
    if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 1)) bad(`attempts must be a positive integer, got ${String(attempts)}`);
    if (backoffMs !== undefined && !(backoffMs >= 0)) bad(`backoffMs must be a non-negative number, got ${String(backoffMs)}`);
    if (pollSeconds !== undefined && !(pollSeconds > 0)) bad(`pollSeconds must be a positive number, got ${String(pollSeconds)}`);
    if (silenceSeconds !== undefined && !(silenceSeconds > 0)) bad(`silenceSeconds must be a positive number, got ${String(silenceSeconds)}`);
    if (keepCompleted !== undefined && (!Number.isInteger(keepCompleted) || keepCompleted < 0)) bad(`keepCompleted must be a non-negative integer, got ${String(keepCompleted)}`);
    this.target = parseRedisUrl(options.redis); // a bad URL fails here, before any work
  }

  /** The data connection (datasets). Connects first. */
  async redis(): Promise<Redis> {
    await this.connect();
    return this.clients[0];
  }

  /** Checks that Redis answers (REDIS_UNAVAILABLE otherwise, at once), then opens the queue and its events. */
  connect(): Promise<void> {
    this.connecting ??= this.open().catch(async (err) => {
      await this.close();
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    this.closed = false;
    const t = this.target;
    await checkRedis(t, this.options);
    const onError = (err: Error): void => {
      if (this.redisDown) return;
      this.redisDown = true;
      this.options.onEvent?.({ type: 'redis-lost', reason: err.message });
    };
    const make = (role: string): Redis => {
      const c = createRedisClient(t, this.options, `energylens-head-${role}`, onError);
      c.on('ready', () => {
        if (!this.redisDown) return;
        this.redisDown = false;
        this.silent = false;
        this.options.onEvent?.({ type: 'redis-back' });
        this.poll(); // whatever happened while Redis was away
      });
      this.clients.push(c);
      return c;
    };
    make('data');
    this.queue = new Queue(this.queueName, { connection: make('queue'), prefix: this.prefix });
    this.queue.on('error', () => { /* reported once per outage by the client */ });
    const events = new QueueEvents(this.queueName, { connection: make('events'), prefix: this.prefix });
    events.on('error', () => { /* idem */ });
    events.on('completed', ({ jobId: id, returnvalue }) => {
      const w = this.waiters.get(id);
      if (!w) return;
      if (returnvalue === undefined || returnvalue === null) void this.inspect(w);
      else this.settle(w, returnvalue);
    });
    events.on('failed', ({ jobId: id }) => {
      const w = this.waiters.get(id);
      if (w) void this.inspect(w, true);
    });
    events.on('stalled', ({ jobId: id }) => {
      const w = this.waiters.get(id);
      if (w) this.options.onEvent?.({ type: 'job-stalled', label: w.req.label, jobId: id, reason: 'its worker stopped renewing the lock (killed or stuck); the job goes back to the queue' });
    });
    this.events = events;
    await events.waitUntilReady();
    await this.queue.waitUntilReady();
  }

  private jobOptions(id: string): JobsOptions {
    return {
      jobId: id,
      attempts: this.options.attempts ?? 5,
      backoff: { type: 'exponential', delay: this.options.backoffMs ?? 500 },
      removeOnComplete: { count: this.options.keepCompleted ?? 100, age: 3600 },
      removeOnFail: { count: 1000, age: 7 * 86400 },
    };
  }

  /** Submits the jobs and resolves with their checked results, in order; rejects when one fails for good. */
  async submit<R>(requests: readonly JobRequest<R>[]): Promise<R[]> {
    await this.connect();
    const queue = this.queue!;
    const waits = requests.map((req) => {
      const id = jobId(req.name, req.data);
      return { id, promise: new Promise<unknown>((resolve, reject) => {
        const existing = this.waiters.get(id);
        if (existing) { reject(new DistributedError('INVALID_OPTION', `${req.label}: the same job is already being waited for (${id})`)); return; }
        this.waiters.set(id, { id, req: req as JobRequest<unknown>, submittedAt: Date.now(), retriedStale: false, polling: false, pollingSince: 0, resolve, reject });
      }) };
    });
    const all = Promise.all(waits.map((w) => w.promise));
    all.catch(() => { /* handled below */ });
    this.startPolling();
    try {
      await this.untilAnswered(() => queue.addBulk(requests.map((req, i) => ({ name: req.name, data: req.data, opts: this.jobOptions(waits[i].id) }))));
      // a job that already existed (same payload) may be finished already: look now rather than at the next poll
      await Promise.all(waits.map((w) => { const x = this.waiters.get(w.id); return x ? this.inspect(x, false, true) : undefined; }));
      const results = await all;
      // finished jobs are not needed any more: remove them (best effort, off the critical path)
      void Promise.all(waits.map((w) => queue.remove(w.id).catch(() => 0))).catch(() => undefined);
      return results as R[];
    } finally {
      for (const w of waits) this.waiters.delete(w.id);
      if (this.waiters.size === 0) this.stopPolling();
    }
  }

  /**
   * An idempotent Redis command, sent again after each connection error until Redis answers: a restart mid-run is
   * waited out here as the polls wait it out (a command in flight when the connection closed fails with "Command
   * aborted due to connection close"). Other errors, and any after close(), are thrown.
   */
  async untilAnswered<T>(command: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await command();
      } catch (err) {
        if (this.closed || !isConnectionError(err)) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private settle(w: Waiter, value: unknown): void {
    if (!this.waiters.has(w.id)) return;
    this.waiters.delete(w.id);
    try {
      w.resolve(w.req.check(value));
    } catch (err) {
      w.reject(err);
    }
  }

  private fail(w: Waiter, err: unknown): void {
    if (!this.waiters.has(w.id)) return;
    this.waiters.delete(w.id);
    w.reject(err);
  }

  /** Looks at one pending job in Redis and acts on its state. Never throws (Redis may be away: the next poll retries). */
  private async inspect(w: Waiter, afterFailure = false, justAdded = false): Promise<void> {
    const queue = this.queue;
    if (!queue) return;
    try {
      const state = await queue.getJobState(w.id);
      this.answered();
      if (!this.waiters.has(w.id)) return;
      if (state === 'completed') {
        const job = await queue.getJob(w.id);
        if (job) this.settle(w, job.returnvalue);
        return;
      }
      if (state === 'failed') {
        const job = await queue.getJob(w.id);
        if (!job) return;
        // failed before this wait began (an earlier run): try it once more
        if (justAdded && !w.retriedStale && (job.finishedOn ?? 0) < w.submittedAt) {
          w.retriedStale = true;
          await job.retry('failed');
          return;
        }
        this.fail(w, errorFromReason(w.req.label, job.failedReason));
        return;
      }
      if (state === 'unknown' && !justAdded) {
        // Redis lost the job (restarted without persistence, or removed by hand): submit it again
        await this.beforeResubmit?.();
        await queue.add(w.req.name, w.req.data, this.jobOptions(w.id));
        this.options.onEvent?.({ type: 'job-resubmitted', label: w.req.label, jobId: w.id, reason: 'Redis no longer had the job' });
        return;
      }
      if (afterFailure) {
        const job = await queue.getJob(w.id);
        this.options.onEvent?.({ type: 'job-retried', label: w.req.label, jobId: w.id, reason: job?.failedReason ?? 'failed' });
      }
    } catch {
      // Redis away or a transient error: the poll comes back to it
    }
  }

  private poll(): void {
    const now = Date.now();
    const silenceMs = (this.options.silenceSeconds ?? 15) * 1000;
    for (const w of [...this.waiters.values()]) {
      if (w.polling) {
        if (now - w.pollingSince > silenceMs) this.reportSilence(now - w.pollingSince);
        continue;
      }
      w.polling = true;
      w.pollingSince = now;
      void this.inspect(w).finally(() => { w.polling = false; });
    }
  }

  /** Redis holds the connection but has not answered a look at a job for `ms`: reported once, like a lost connection. */
  private reportSilence(ms: number): void {
    if (this.redisDown) return;
    this.redisDown = true;
    this.silent = true;
    this.options.onEvent?.({ type: 'redis-lost', reason: `${this.target.display} has not answered for ${Math.round(ms / 1000)} s: stopped, overloaded, or the network path is broken` });
  }

  /** Redis answered: after a silence, that is Redis back. */
  private answered(): void {
    if (!this.silent) return;
    this.silent = false;
    this.redisDown = false;
    this.options.onEvent?.({ type: 'redis-back' });
  }

  private startPolling(): void {
    if (this.poller) return;
    this.poller = setInterval(() => this.poll(), (this.options.pollSeconds ?? 1) * 1000);
  }

  private stopPolling(): void {
    clearInterval(this.poller);
    this.poller = undefined;
  }

  /** Closes the queue, its events and the connections. Pending waits are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopPolling();
    for (const w of [...this.waiters.values()]) this.fail(w, new DistributedError('WORKER_FAILED', `${w.req.label}: the client was closed while the job was pending`));
    const closing: Promise<unknown>[] = [];
    if (this.events) closing.push(this.events.close().catch(() => undefined));
    if (this.queue) closing.push(this.queue.close().catch(() => undefined));
    await Promise.all(closing);
    this.events = undefined;
    this.queue = undefined;
    for (const c of this.clients) c.disconnect();
    this.clients = [];
    this.connecting = undefined;
  }
}
