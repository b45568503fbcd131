/**
 * The serving engine's lifecycle: start the launch command in its own process group, keep the tail of its output
 * (and a log file), poll its readiness URL, and stop the whole group (an engine such as vLLM starts worker
 * processes) with SIGTERM, then SIGKILL after a grace period. Every group this module started and has not yet seen
 * empty is killed when the process exits or is interrupted, so no engine outlives the profiler.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { EnergyLensError } from '../../errors.js';

export interface StartServerOptions {
  /** the launch command: argv[0] is run with argv.slice(1), no shell */
  argv: readonly string[];
  /** merged over process.env */
  env?: Record<string, string>;
  cwd?: string;
  /** GET until it answers 2xx */
  readyUrl: string;
  readyTimeoutMs: number;
  /** stdout and stderr are appended here (the folder is created) */
  logPath?: string;
  /** between readiness probes (default 500) */
  pollMs?: number;
}

/** How the engine's leader process ended. */
export interface ServerExit {
  code: number | null;
  signal: string | null;
}

export interface ServerHandle {
  /** the leader's pid, also the process group id */
  readonly pid: number;
  /** SIGTERM to the group, SIGKILL after graceMs (default 15000); resolves when the leader and its group are gone. Idempotent. */
  stop(graceMs?: number): Promise<ServerExit>;
  /** settles when the leader exits, whether stopped or crashed */
  readonly exited: Promise<ServerExit>;
  /** the last lines of stdout and stderr (default: all kept, up to 200) */
  logTail(lines?: number): string;
}

export const DEFAULT_POLL_MS = 500;
export const DEFAULT_GRACE_MS = 15_000;
const RING_LINES = 200;
const MAX_LINE_CHARS = 2000;
const REASON_CHARS = 300;
/** after SIGKILL, how long to wait for the group to disappear (a process in the GPU driver may take a while) */
const KILL_WAIT_MS = 10_000;
/** how long to wait for the last output after the leader exited */
const DRAIN_MS = 1000;
/** grace for the group when readiness timed out */
const TIMEOUT_GRACE_MS = 5000;

// ---- failure classification -------------------------------------------------------------------------------

const FAILURE_PATTERNS: readonly { reason: string; pattern: RegExp }[] = [
  { reason: 'KV cache too small', pattern: /No available memory for the cache blocks|larger than the (maximum number of tokens that can be stored in|available) KV cache|insufficient (memory for )?KV cache/i },
  { reason: 'out of memory', pattern: /out of memory|OutOfMemoryError|CUDA_ERROR_OUT_OF_MEMORY/i },
  { reason: 'port already in use', pattern: /EADDRINUSE|Address already in use/i },
  { reason: 'NCCL error', pattern: /NCCL error|\bnccl[A-Za-z]*Error\b|NCCL WARN/i },
  { reason: 'not divisible', pattern: /not divisible|must be divisible|divisible by/i },
  { reason: 'unknown argument', pattern: /unrecognized arguments?|unknown (argument|option|flag)|no such option/i },
];

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

function clip(text: string, max = REASON_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** A short reason for an engine's failure, from well-known serving-engine messages in its log tail. */
export function classifyFailure(logTail: string): string {
  const lines = logTail.replace(ANSI, '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) return 'no output';
  for (const { reason, pattern } of FAILURE_PATTERNS) {
    const line = lines.findLast((l) => pattern.test(l));
    if (line !== undefined) return clip(`${reason}: ${line}`);
  }
  return clip(lines[lines.length - 1]);
}

// ---- the process groups this module owns ------------------------------------------------------------------

const liveGroups = new Set<number>();
const HOOK_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooked = false;

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Whether any process of the group is still running (zombies waiting for a reaper do not count). */
function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch {
        continue;
      }
      // fields after "pid (comm) ": state ppid pgrp ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
    }
    return false;
  } catch {
    return true;
  }
}

function killAllGroups(): void {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  liveGroups.clear();
  unhook();
}

function onProcessExit(): void {
  killAllGroups();
}

function onProcessSignal(signal: NodeJS.Signals): void {
  // someone else handles it (the profile command stops its engine gracefully, SIGTERM first); the exit hook
  // still kills whatever is left
  if (process.listenerCount(signal) > 1) return;
  killAllGroups();
  // nobody else handles it: behave as if we had not been listening (the default action ends the process)
  process.kill(process.pid, signal);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', onProcessExit);
  for (const s of HOOK_SIGNALS) process.on(s, onProcessSignal);
}

function unhook(): void {
  if (!hooked) return;
  hooked = false;
  process.off('exit', onProcessExit);
  for (const s of HOOK_SIGNALS) process.off(s, onProcessSignal);
}

function track(pgid: number): void {
  liveGroups.add(pgid);
  hook();
}

function forget(pgid: number): void {
  liveGroups.delete(pgid);
  if (liveGroups.size === 0) unhook();
}

/** Kills (SIGKILL) every engine this process started and has not stopped. For a CLI's own signal handlers. */
export function stopAllServers(): void {
  killAllGroups();
}

// ---- output: a ring of recent lines and the log file ------------------------------------------------------

interface LogSink {
  write(stream: 'stdout' | 'stderr', text: string): void;
  tail(lines?: number): string;
  close(): void;
}

function createLogSink(logPath: string | undefined, argv: readonly string[]): LogSink {
  const ring: string[] = [];
  const partial = { stdout: '', stderr: '' };
  let file: WriteStream | undefined;
  const keep = (line: string): void => {
    const shown = line.slice(line.lastIndexOf('\r') + 1); // a progress bar redrawn with \r: what a terminal shows
    ring.push(shown.length > MAX_LINE_CHARS ? shown.slice(0, MAX_LINE_CHARS) : shown);
    if (ring.length > RING_LINES) ring.shift();
  };
  if (logPath !== undefined) {
    try {
      mkdirSync(dirname(logPath), { recursive: true });
    } catch (err) {
      throw new EnergyLensError('WRITE_FAILED', `cannot create the folder of the engine log ${logPath}: ${(err as Error).message}`);
    }
    file = createWriteStream(logPath, { flags: 'a' });
    file.on('error', (err) => {
      keep(`[energylens] cannot write ${logPath}: ${err.message}`);
      file = undefined;
    });
    file.write(`\n=== energylens ${new Date().toISOString()}: ${argv.map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n`);
  }
  return {
    write(stream, text) {
      file?.write(text);
      const parts = (partial[stream] + text).split('\n');
      partial[stream] = parts.pop() ?? '';
      for (const p of parts) keep(p.endsWith('\r') ? p.slice(0, -1) : p);
      if (partial[stream].length > MAX_LINE_CHARS * 4) {
        keep(partial[stream]);
        partial[stream] = '';
      }
    },
    tail(lines = RING_LINES) {
      const all = [...ring, ...[partial.stdout, partial.stderr].filter((p) => p !== '')];
      return all.slice(Math.max(0, all.length - Math.max(0, Math.floor(lines)))).join('\n');
    },
    close() {
      for (const s of ['stdout', 'stderr'] as const) {
        if (partial[s] !== '') keep(partial[s]);
        partial[s] = '';
      }
      file?.end();
      file = undefined;
    },
  };
}

// ---- start, readiness, stop -------------------------------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function validate(o: StartServerOptions): void {
  const bad = (msg: string): never => {
    throw new EnergyLensError('INVALID_OPTION', msg);
  };
  if (!Array.isArray(o.argv) || o.argv.length === 0 || o.argv.some((a) => typeof a !== 'string') || o.argv[0] === '') {
    bad('options.argv must be a non-empty array of strings, the command first');
  }
  let url: URL | undefined;
  try {
    url = new URL(o.readyUrl);
  } catch {
    /* reported below */
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) bad(`options.readyUrl must be an http(s) URL, got ${JSON.stringify(o.readyUrl)}`);
  if (!(Number.isFinite(o.readyTimeoutMs) && o.readyTimeoutMs > 0)) bad(`options.readyTimeoutMs must be a positive number of ms, got ${o.readyTimeoutMs}`);
  if (o.pollMs !== undefined && !(Number.isFinite(o.pollMs) && o.pollMs > 0)) bad(`options.pollMs must be a positive number of ms, got ${o.pollMs}`);
}

/** One readiness probe: true on a 2xx answer; false when refused, failing or not answering within timeoutMs. */
async function probe(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Resolves when the child's output streams closed, or after ms, whichever is first. */
function drained(child: ChildProcess, ms: number): Promise<void> {
  if (child.stdout?.closed !== false && child.stderr?.closed !== false) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    child.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function stopGroup(pgid: number, exited: Promise<ServerExit>, graceMs: number): Promise<ServerExit> {
  const deadline = performance.now() + graceMs;
  if (groupAlive(pgid)) signalGroup(pgid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'grace over'>((resolve) => {
    timer = setTimeout(() => resolve('grace over'), graceMs);
  });
  if ((await Promise.race([exited, graceOver])) === 'grace over') signalGroup(pgid, 'SIGKILL');
  clearTimeout(timer);
  const result = await exited;
  // the leader is gone; its workers may not be
  let killedAt: number | undefined;
  while (groupAlive(pgid)) {
    const now = performance.now();
    if (killedAt === undefined && now >= deadline) {
      signalGroup(pgid, 'SIGKILL');
      killedAt = now;
    }
    if (killedAt !== undefined && now - killedAt > KILL_WAIT_MS) break;
    await sleep(50);
  }
  return result;
}

function exitText(e: ServerExit): string {
  return e.code !== null ? `code ${e.code}` : `signal ${e.signal}`;
}

/** Starts the engine and resolves when its readiness URL answers 2xx; SERVER_FAILED when it exits or times out first. */
export async function startServer(options: StartServerOptions): Promise<ServerHandle> {
  validate(options);
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const command = options.argv[0];
  const logNote = options.logPath !== undefined ? ` (log: ${options.logPath})` : '';
  const log = createLogSink(options.logPath, options.argv);

  let child: ChildProcess;
  try {
    child = spawn(command, options.argv.slice(1), {
      cwd: options.cwd, env: { ...process.env, ...options.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    log.close();
    throw new EnergyLensError('SERVER_FAILED', `cannot start ${command}: ${(err as Error).message}`);
  }
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));
  const exited = new Promise<ServerExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const pid = child.pid;
  if (pid === undefined) {
    const err = (await spawnError) as NodeJS.ErrnoException;
    log.close();
    const why = err.code === 'ENOENT' && options.cwd !== undefined && !existsSync(options.cwd)
      ? `the working folder ${options.cwd} does not exist`
      : err.code === 'ENOENT' ? 'command not found' : err.message;
    throw new EnergyLensError('SERVER_FAILED', `cannot start ${command}: ${why}`, { command, errno: err.code });
  }
  track(pid);
  child.stdout?.setEncoding('utf8').on('data', (t: string) => log.write('stdout', t));
  child.stderr?.setEncoding('utf8').on('data', (t: string) => log.write('stderr', t));
  child.once('close', () => log.close());

  let exit: ServerExit | undefined;
  void exited.then((e) => {
    exit = e;
    if (!groupAlive(pid)) forget(pid);
  });

  let stopping: Promise<ServerExit> | undefined;
  const handle: ServerHandle = {
    pid,
    exited,
    logTail: (lines) => log.tail(lines),
    stop(graceMs = DEFAULT_GRACE_MS) {
      if (!(Number.isFinite(graceMs) && graceMs >= 0)) {
        return Promise.reject(new EnergyLensError('INVALID_OPTION', `graceMs must be a non-negative number of ms, got ${graceMs}`));
      }
      stopping ??= stopGroup(pid, exited, graceMs).then(async (result) => {
        forget(pid);
        await drained(child, DRAIN_MS);
        child.stdout?.destroy();
        child.stderr?.destroy();
        log.close();
        return result;
      });
      return stopping;
    },
  };

  const deadline = performance.now() + options.readyTimeoutMs;
  for (;;) {
    const remaining = deadline - performance.now();
    const ready = exit === undefined && remaining > 0
      && (await Promise.race([probe(options.readyUrl, Math.max(1, Math.min(remaining, Math.max(2 * pollMs, 2000)))), exited.then(() => false)]));
    if (ready && exit === undefined) return handle;
    if (exit !== undefined) {
      await drained(child, DRAIN_MS);
      await handle.stop(0);
      const tail = log.tail();
      throw new EnergyLensError(
        'SERVER_FAILED',
        `${command} exited with ${exitText(exit)} before it was ready: ${classifyFailure(tail)}${logNote}`,
        { pid, code: exit.code, signal: exit.signal, logTail: tail },
      );
    }
    if (deadline - performance.now() <= 0) {
      const tail = log.tail(); // before the engine's own shutdown messages
      await handle.stop(TIMEOUT_GRACE_MS);
      const last = clip(tail.replace(ANSI, '').split('\n').map((l) => l.trim()).filter((l) => l !== '').pop() ?? '(no output)');
      throw new EnergyLensError(
        'SERVER_FAILED',
        `${command} not ready after ${Number((options.readyTimeoutMs / 1000).toFixed(3))} s at ${options.readyUrl}; last output: ${last}${logNote}`,
        { pid, logTail: tail },
      );
    }
    await Promise.race([sleep(Math.min(pollMs, Math.max(0, deadline - performance.now()))), exited]);
  }
}
